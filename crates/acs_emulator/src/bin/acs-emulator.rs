//! `acs-emulator`: runs the ACS emulator until Ctrl-C or SIGTERM.
fn main() {}
