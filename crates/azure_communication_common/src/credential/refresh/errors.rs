//! The errors a refresh ends with.

use super::settings::DISPOSED_MESSAGE;
use azure_core::{error::ErrorKind, time::Duration};
use std::{fmt, sync::Arc};

pub(crate) fn disposed_error() -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, DISPOSED_MESSAGE)
}

pub(crate) fn timeout_error(timeout: Duration) -> azure_core::Error {
    azure_core::Error::with_message(
        ErrorKind::Credential,
        format!(
            "The token refresh did not complete within {} ms (refresh_timeout) and was abandoned; \
             the next get_token call starts a new refresh. Check that the token refresher answers, or raise refresh_timeout.",
            timeout.whole_milliseconds()
        ),
    )
}

/// An error shared by every waiter of one refresh: same kind, same message,
/// same source chain.
#[derive(Debug)]
struct SharedError(Arc<azure_core::Error>);

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.0.as_ref())
    }
}

pub(crate) fn share_error(error: &Arc<azure_core::Error>) -> azure_core::Error {
    azure_core::Error::new(error.kind().clone(), SharedError(error.clone()))
}
