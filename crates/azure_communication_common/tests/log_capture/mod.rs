//! Captures everything `tracing` writes at TRACE level on this thread, for
//! tests that check log lines (each such test sits alone in its binary: see
//! `auth_logging.rs` for why).

use std::{
    io::Write,
    sync::{Arc, Mutex},
};
use tracing::subscriber::DefaultGuard;

/// The captured log text.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Installs a TRACE-level subscriber writing into a new capture, as this
    /// thread's default until the guard is dropped.
    #[allow(dead_code)] // a binary that captures globally does not use it
    pub fn install() -> (Self, DefaultGuard) {
        let (capture, subscriber) = Self::subscriber();
        (capture, tracing::subscriber::set_default(subscriber))
    }

    /// A new capture and a TRACE-level subscriber writing into it.
    fn subscriber() -> (Self, impl tracing::Subscriber + Send + Sync) {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (capture, subscriber)
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Installs a TRACE-level subscriber writing into a new capture as the
    /// process-wide default (every thread, so a multi-threaded runtime's
    /// tasks are captured too). Once per process: for a test binary with a
    /// single test.
    #[allow(dead_code)] // only some binaries capture globally
    pub fn install_global() -> Self {
        let (capture, subscriber) = Self::subscriber();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        capture
    }
}
