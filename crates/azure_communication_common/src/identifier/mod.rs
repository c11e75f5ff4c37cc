//! identifier (placeholder)
