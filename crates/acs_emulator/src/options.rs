//! How an emulator is configured, with its defaults.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Where the emulator listens unless told otherwise: loopback, any free port.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Lifetime of issued tokens when a request names none: 24 hours, as the
/// service's `expiresInMinutes` default of 1440.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Largest request body accepted before answering 413: 64 KiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024;

/// How far `x-ms-date` may be from the system clock: 15 minutes, as the
/// service allows.
pub const DEFAULT_CLOCK_SKEW_TOLERANCE: Duration = Duration::from_secs(15 * 60);

/// Smallest and largest `expiresInMinutes` the service accepts.
pub const SERVICE_EXPIRES_IN_MINUTES: std::ops::RangeInclusive<i64> = 60..=1440;

/// How long a client may take to send a request's headers (or to finish a
/// TLS handshake) before its connection is closed: 10 seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for [`Emulator::start`](crate::Emulator::start). Builder methods
/// take and return `self`.
///
/// ```
/// use acs_emulator::EmulatorOptions;
/// use std::time::Duration;
/// let options = EmulatorOptions::new()
///     .token_lifetime(Duration::from_secs(20))
///     .allow_short_token_lifetimes(true);
/// # let _ = options;
/// ```
#[derive(Clone)]
#[must_use = "options do nothing until used"]
pub struct EmulatorOptions {
    pub(crate) listen: SocketAddr,
    pub(crate) allow_non_loopback: bool,
    pub(crate) access_key: Option<String>,
    pub(crate) resource_id: Option<String>,
    pub(crate) token_lifetime: Duration,
    pub(crate) allow_short_token_lifetimes: bool,
    pub(crate) max_body_size: usize,
    pub(crate) clock_skew_tolerance: Duration,
    pub(crate) tls: bool,
    pub(crate) header_read_timeout: Duration,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            allow_non_loopback: false,
            access_key: None,
            resource_id: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            allow_short_token_lifetimes: false,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            clock_skew_tolerance: DEFAULT_CLOCK_SKEW_TOLERANCE,
            tls: false,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }
}

impl EmulatorOptions {
    /// The defaults: loopback on a free port, a random key, 24-hour tokens.
    pub fn new() -> Self {
        Self::default()
    }

    /// The address to listen on. Default `127.0.0.1:0` (a free port).
    /// A non-loopback address is refused at start unless
    /// [`allow_non_loopback`](Self::allow_non_loopback) is set.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Allow listening on an address other than loopback. Default `false`:
    /// the emulator accepts any token its key signs, so it should not be
    /// reachable from other machines.
    pub fn allow_non_loopback(mut self, allow: bool) -> Self {
        self.allow_non_loopback = allow;
        self
    }

    /// The access key (standard base64) requests must be signed with.
    /// Default: 32 random bytes, base64-encoded. An invalid key makes
    /// [`Emulator::start`](crate::Emulator::start) fail with
    /// `InvalidInput`.
    pub fn access_key(mut self, key: impl Into<String>) -> Self {
        self.access_key = Some(key.into());
        self
    }

    /// The resource id (a GUID) put in user ids and tokens. Default: random.
    pub fn resource_id(mut self, resource_id: impl Into<String>) -> Self {
        self.resource_id = Some(resource_id.into());
        self
    }

    /// Lifetime of tokens issued when the request does not say
    /// (`expiresInMinutes` absent). Default 24 hours, as the service. Any
    /// positive value is allowed here, e.g. 20 seconds so that a client's
    /// proactive refresh is seen quickly; an explicit `expiresInMinutes` is
    /// still validated.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime.max(Duration::from_secs(1));
        self
    }

    /// Accept any `expiresInMinutes` from 1 to 1440 instead of the service's
    /// 60 to 1440. Default `false`. (Lifetimes in seconds can always be asked
    /// for with the emulator-only `x-emulator-token-lifetime-seconds` header.)
    pub fn allow_short_token_lifetimes(mut self, allow: bool) -> Self {
        self.allow_short_token_lifetimes = allow;
        self
    }

    /// Largest request body accepted; larger bodies get 413. Default 64 KiB.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// How far `x-ms-date` may be from the system clock before a request
    /// is denied. Default 15 minutes.
    pub fn clock_skew_tolerance(mut self, tolerance: Duration) -> Self {
        self.clock_skew_tolerance = tolerance;
        self
    }

    /// Serve HTTPS instead of HTTP. Default `false` (plain HTTP, as the
    /// quickstart uses). With `true`, the emulator generates a certificate
    /// authority and a certificate for `localhost` and `127.0.0.1` at start;
    /// its endpoint is `https://127.0.0.1:PORT/` and clients trust it with
    /// [`Emulator::ca_certificate_pem`](crate::Emulator::ca_certificate_pem).
    /// Needed for azure_core's `BearerTokenAuthorizationPolicy`, which sends
    /// tokens over TLS only.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// How long a client may take to send a request's headers (or to finish
    /// the TLS handshake) before its connection is closed. Default 10 seconds.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
}

impl fmt::Debug for EmulatorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorOptions")
            .field("listen", &self.listen)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .field(
                "access_key",
                &self.access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("resource_id", &self.resource_id)
            .field("token_lifetime", &self.token_lifetime)
            .field(
                "allow_short_token_lifetimes",
                &self.allow_short_token_lifetimes,
            )
            .field("max_body_size", &self.max_body_size)
            .field("clock_skew_tolerance", &self.clock_skew_tolerance)
            .field("tls", &self.tls)
            .field("header_read_timeout", &self.header_read_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let options = EmulatorOptions::new().access_key("c2VjcmV0LWtleQ==");
        let debug = format!("{options:?}");
        assert!(!debug.contains("c2VjcmV0"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }
}
