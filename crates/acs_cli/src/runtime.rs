//! The async runtime, started only by the commands that do I/O.

use crate::error::{CliError, CliResult};
use std::future::Future;

/// Runs `future` to completion on a current-thread tokio runtime.
pub fn block_on<F: Future>(future: F) -> CliResult<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::operation(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}
