//! credential (placeholder)
