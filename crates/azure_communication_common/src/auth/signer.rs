//! The pure HMAC-SHA256 request signer (SPEC 3).
//!
//! Everything in this file is synchronous and does no I/O: the pipeline
//! policy, the emulator's verifier and any HTTP stack that is not azure_core
//! all build on [`AccessKeySigner`].
//!
//! The string to sign is
//!
//! ```text
//! {METHOD upper-cased}\n{path and query}\n{x-ms-date};{host};{content hash}
//! ```
//!
//! * `path and query` is exactly what the request line carries: the URL's
//!   percent-encoded path (`/` when it is empty), then `?` and the query
//!   whenever the URL has a `?` — even an empty query (`/p?` is signed as
//!   `/p?`). Unlike the JavaScript reference, the query is **not**
//!   re-serialised before signing (it would turn `%20` into `+` and sign a
//!   string that differs from the one sent).
//! * `host` is the URL's host, plus `:port` when the port is not the scheme's
//!   default (this is what HTTP clients put in the `Host` header).
//! * `content hash` is base64 (standard, padded) of SHA-256 of the exact body
//!   bytes.

use std::borrow::Cow;
use std::fmt;

use azure_core::credentials::Secret;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::Url;
use azure_core::time::OffsetDateTime;
use hmac::{Hmac, Mac};

use crate::secret_text::is_standard_base64;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The `SignedHeaders` part of the `Authorization` header: the headers that
/// go into the string to sign, in order.
const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";

/// Everything in the `Authorization` header value before the signature.
const AUTHORIZATION_PREFIX: &str =
    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";

/// The headers a request needs to be authenticated with an access key.
///
/// Produced by [`AccessKeySigner::sign`]. Set `x-ms-date`,
/// `x-ms-content-sha256` and `authorization` on the request; `host` is the
/// value that was signed for the `Host` header (HTTP clients derive the same
/// value from the URL, so most callers need not set it, but a client that
/// sends a different `Host` must send this one instead).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignedHeaders {
    /// Value of the `x-ms-date` header, e.g. `Wed, 13 Apr 2022 18:09:12 GMT`.
    pub x_ms_date: String,
    /// Value of the `x-ms-content-sha256` header: base64 SHA-256 of the body.
    pub x_ms_content_sha256: String,
    /// Value of the `Authorization` header:
    /// `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…`.
    pub authorization: String,
    /// The `Host` header value that was signed (`host` or `host:port`).
    pub host: String,
}

/// Signs requests with an Azure Communication Services access key
/// (HMAC-SHA256, SPEC 3).
///
/// The key is base64-decoded once, in [`new`](Self::new), and the HMAC key
/// schedule is precomputed, so signing costs one SHA-256 pass over the body
/// plus two short SHA-256 blocks for the signature. Cloning is cheap (a
/// fixed-size copy) and the signer is `Send + Sync`.
///
/// `Debug` never shows the key.
///
/// # Example: signing a request from a connection string
///
/// ```
/// use azure_communication_common::{AccessKeySigner, ConnectionString};
/// use azure_core::time::OffsetDateTime;
///
/// let cs: ConnectionString =
///     "endpoint=https://contoso.communication.azure.com/;accesskey=pw==".parse()?;
/// let url = cs.endpoint().join("identities?api-version=2023-10-01")?;
/// let body = br#"{"createTokenWithScopes":["chat"]}"#;
///
/// let headers = cs.signer().sign("POST", &url, body, OffsetDateTime::now_utc())?;
/// assert_eq!(headers.host, "contoso.communication.azure.com");
/// assert!(headers.authorization.starts_with(AccessKeySigner::AUTHORIZATION_PREFIX));
/// // Set x-ms-date, x-ms-content-sha256 and authorization on the request.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Example: a known answer
///
/// ```
/// use azure_communication_common::AccessKeySigner;
/// use azure_core::http::Url;
/// use time::macros::datetime;
///
/// let signer = AccessKeySigner::new("pw==")?;
/// let url = Url::parse("https://example.com/testPath?testQuery=test")?;
/// let headers = signer.sign("GET", &url, b"", datetime!(2022-04-13 18:09:12.451 UTC))?;
/// assert_eq!(headers.x_ms_date, "Wed, 13 Apr 2022 18:09:12 GMT");
/// assert_eq!(headers.host, "example.com");
/// assert_eq!(headers.x_ms_content_sha256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// assert_eq!(
///     headers.authorization,
///     "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256\
///      &Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU="
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Example: without azure_core's pipeline
///
/// The signer needs nothing from an HTTP stack. Here it authenticates a
/// hand-written HTTP/1.1 request, as any client (hyper, ureq, a raw
/// `TcpStream`, …) would send it:
///
/// ```
/// use azure_communication_common::AccessKeySigner;
/// use azure_core::{http::Url, time::OffsetDateTime};
///
/// let signer = AccessKeySigner::new("pw==")?;
/// let url = Url::parse("https://contoso.communication.azure.com/identities?api-version=2023-10-01")?;
/// let body = b"{}";
/// let h = signer.sign("POST", &url, body, OffsetDateTime::now_utc())?;
///
/// let request = format!(
///     "POST {path} HTTP/1.1\r\n\
///      host: {host}\r\n\
///      x-ms-date: {date}\r\n\
///      x-ms-content-sha256: {hash}\r\n\
///      authorization: {auth}\r\n\
///      content-type: application/json\r\n\
///      content-length: {len}\r\n\r\n",
///     path = AccessKeySigner::signed_path_and_query(&url),
///     host = h.host,
///     date = h.x_ms_date,
///     hash = h.x_ms_content_sha256,
///     auth = h.authorization,
///     len = body.len(),
/// );
/// let mut bytes = request.into_bytes();
/// bytes.extend_from_slice(body); // write `bytes` to a TLS stream
/// # assert!(bytes.starts_with(b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AccessKeySigner {
    /// HMAC state with the decoded key already absorbed.
    mac: HmacSha256,
}

impl fmt::Debug for AccessKeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKeySigner").finish_non_exhaustive()
    }
}

impl AccessKeySigner {
    /// The `SignedHeaders` list used in the `Authorization` header.
    pub const SIGNED_HEADERS: &'static str = SIGNED_HEADERS;

    /// Everything in the `Authorization` header value before the base64
    /// signature: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=`.
    pub const AUTHORIZATION_PREFIX: &'static str = AUTHORIZATION_PREFIX;

    /// `x-ms-content-sha256` of an empty body.
    pub const EMPTY_CONTENT_HASH: &'static str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    /// Creates a signer from a base64 access key (the `accesskey` of a
    /// connection string, or a key from the Azure portal).
    ///
    /// The key must be standard-alphabet base64, with or without `=` padding.
    ///
    /// # Errors
    ///
    /// An empty key, a URL-safe (`-`, `_`) key, or any other invalid base64
    /// is an error of kind [`ErrorKind::Credential`]. The message says what is
    /// wrong and never contains the key.
    pub fn new(access_key: impl Into<Secret>) -> azure_core::Result<Self> {
        let access_key = access_key.into();
        let decoded = decode_access_key(access_key.secret())?;
        // HMAC accepts keys of any length; this cannot fail, but never panic.
        let mac = HmacSha256::new_from_slice(&decoded).map_err(|_| {
            Error::with_message(
                ErrorKind::Credential,
                "the access key could not be used as an HMAC-SHA256 key",
            )
        })?;
        Ok(Self { mac })
    }

    /// Signs a request: returns the `x-ms-date`, `x-ms-content-sha256`,
    /// `authorization` and (signed) `host` header values.
    ///
    /// `method` is upper-cased (ASCII only); `body` must be exactly the bytes
    /// that will be sent; `date` is converted to UTC and formatted as an
    /// RFC 7231 IMF-fixdate (sub-second precision is dropped).
    ///
    /// # Errors
    ///
    /// `method` is not an HTTP token (empty, or contains a character outside
    /// RFC 9110 `tchar`), or `url` has no host (e.g. `mailto:` or `file:///`).
    pub fn sign(
        &self,
        method: &str,
        url: &Url,
        body: &[u8],
        date: OffsetDateTime,
    ) -> azure_core::Result<SignedHeaders> {
        // Validate before hashing a possibly large body.
        check_method(method)?;
        let host = Self::signed_host(url)?;
        let content_hash = Self::content_hash(body);
        self.finish(method, url, host, content_hash, date)
    }

    /// Like [`sign`](Self::sign), for a body whose hash the caller already
    /// has (for example from [`content_hash`](Self::content_hash) or a
    /// streaming SHA-256). `content_hash` is used verbatim as
    /// `x-ms-content-sha256`.
    ///
    /// # Errors
    ///
    /// As for [`sign`](Self::sign).
    pub fn sign_with_content_hash(
        &self,
        method: &str,
        url: &Url,
        content_hash: &str,
        date: OffsetDateTime,
    ) -> azure_core::Result<SignedHeaders> {
        check_method(method)?;
        let host = Self::signed_host(url)?;
        self.finish(method, url, host, content_hash.to_owned(), date)
    }

    fn finish(
        &self,
        method: &str,
        url: &Url,
        host: String,
        content_hash: String,
        date: OffsetDateTime,
    ) -> azure_core::Result<SignedHeaders> {
        let x_ms_date = Self::format_date(date);
        let path_and_query = Self::signed_path_and_query(url);
        let authorization =
            self.sign_parts(method, &path_and_query, &host, &x_ms_date, &content_hash)?;
        Ok(SignedHeaders {
            x_ms_date,
            x_ms_content_sha256: content_hash,
            authorization,
            host,
        })
    }

    /// Computes the `Authorization` header value from the raw pieces of a
    /// request, taken verbatim.
    ///
    /// This is what a verifier (for example the ACS emulator) needs: pass the
    /// method, the request line's path and query, the `Host` header, the
    /// `x-ms-date` header text and the base64 SHA-256 of the received body
    /// ([`content_hash`](Self::content_hash)), and compare the result with the
    /// received `Authorization` header (or call [`verify`](Self::verify),
    /// which compares in constant time). Only `method` is normalised
    /// (upper-cased); every other piece is signed exactly as given.
    ///
    /// # Errors
    ///
    /// `method` is not an HTTP token.
    pub fn sign_parts(
        &self,
        method: &str,
        path_and_query: &str,
        host: &str,
        x_ms_date: &str,
        content_hash: &str,
    ) -> azure_core::Result<String> {
        let digest = self
            .keyed_mac(method, path_and_query, host, x_ms_date, content_hash)?
            .finalize()
            .into_bytes();
        let mut authorization = String::with_capacity(AUTHORIZATION_PREFIX.len() + 44);
        authorization.push_str(AUTHORIZATION_PREFIX);
        authorization.push_str(&azure_core::base64::encode(digest));
        Ok(authorization)
    }

    /// Checks a received `Authorization` header against the raw pieces of a
    /// request (see [`sign_parts`](Self::sign_parts) for what each piece is).
    /// The signature is compared in constant time.
    ///
    /// # Errors
    ///
    /// An error saying why the request is not authentic: the method is not
    /// an HTTP token ([`ErrorKind::DataConversion`]); or, with
    /// [`ErrorKind::Credential`], the header is not an
    /// `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…`
    /// header, the signature is not standard padded base64 (as the signer writes
    /// it), or it does not match.
    pub fn verify(
        &self,
        method: &str,
        path_and_query: &str,
        host: &str,
        x_ms_date: &str,
        content_hash: &str,
        authorization: &str,
    ) -> azure_core::Result<()> {
        let signature_text = authorization
            .strip_prefix(AUTHORIZATION_PREFIX)
            .ok_or_else(|| {
                Error::with_message(
                    ErrorKind::Credential,
                    format!("the authorization header must start with '{AUTHORIZATION_PREFIX}'"),
                )
            })?;
        // The decoder also takes unpadded input; a signature is compared as
        // the signer writes it (standard, padded), so only that form is base64
        // here.
        let not_base64 = || {
            Error::with_message(
                ErrorKind::Credential,
                "the authorization header's signature is not valid base64",
            )
        };
        let signature = azure_core::base64::decode(signature_text).map_err(|_| not_base64())?;
        if azure_core::base64::encode(&signature) != signature_text {
            return Err(not_base64());
        }
        let mac = self.keyed_mac(method, path_and_query, host, x_ms_date, content_hash)?;
        mac.verify_slice(&signature).map_err(|_| {
            Error::with_message(
                ErrorKind::Credential,
                "the request signature does not match: check the access key, and that \
                 method, path and query, host, x-ms-date and body are signed exactly as sent",
            )
        })
    }

    /// Base64 HMAC-SHA256 of `message` under this signer's key: the
    /// `Signature=` part of the `Authorization` header when `message` is the
    /// string to sign (see [`string_to_sign`](Self::string_to_sign)).
    pub fn signature(&self, message: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(message);
        azure_core::base64::encode(mac.finalize().into_bytes())
    }

    /// The string to sign, for diagnostics:
    /// `{METHOD}\n{path_and_query}\n{x_ms_date};{host};{content_hash}`.
    ///
    /// # Errors
    ///
    /// `method` is not an HTTP token.
    pub fn string_to_sign(
        method: &str,
        path_and_query: &str,
        host: &str,
        x_ms_date: &str,
        content_hash: &str,
    ) -> azure_core::Result<String> {
        check_method(method)?;
        Ok(format!(
            "{}\n{path_and_query}\n{x_ms_date};{host};{content_hash}",
            method.to_ascii_uppercase()
        ))
    }

    /// `x-ms-content-sha256` for `body`: base64 (standard, padded) of its
    /// SHA-256. An empty body gives [`EMPTY_CONTENT_HASH`](Self::EMPTY_CONTENT_HASH).
    pub fn content_hash(body: &[u8]) -> String {
        if body.is_empty() {
            return Self::EMPTY_CONTENT_HASH.to_owned();
        }
        azure_core::base64::encode(Sha256::digest(body))
    }

    /// `x-ms-date` for `date`: converted to UTC and formatted as an RFC 7231
    /// IMF-fixdate (`Wed, 13 Apr 2022 18:09:12 GMT`), independent of locale;
    /// sub-second precision is dropped.
    pub fn format_date(date: OffsetDateTime) -> String {
        // azure_core formats the fields as given: convert to UTC first (out
        // of range only at the edges of time's years; keep the instant then).
        let utc = date.checked_to_offset(time::UtcOffset::UTC).unwrap_or(date);
        azure_core::time::to_rfc7231(&utc)
    }

    /// The `Host` value signed for `url`: its host, plus `:port` when the
    /// port is not the scheme's default. IPv6 hosts keep their brackets.
    ///
    /// # Errors
    ///
    /// `url` has no host.
    pub fn signed_host(url: &Url) -> azure_core::Result<String> {
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| {
            Error::with_message(
                ErrorKind::DataConversion,
                format!(
                    "cannot sign a request to a '{}:' URL: it has no host (the rest of the URL \
                     is not shown: it may hold a secret); use an absolute http(s) URL such as \
                     https://<resource>.communication.azure.com/",
                    url.scheme()
                ),
            )
        })?;
        Ok(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
    }

    /// The path and query signed for `url`: exactly what the request line
    /// carries — the percent-encoded path (`/` if empty), then `?` and the
    /// query whenever the URL has a `?` (even an empty one). The fragment is
    /// never sent, so it is never signed.
    pub fn signed_path_and_query(url: &Url) -> Cow<'_, str> {
        let s = &url[url::Position::BeforePath..url::Position::AfterQuery];
        if s.starts_with('/') {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(format!("/{s}"))
        }
    }

    /// The keyed MAC with the string to sign fed in piece by piece (no
    /// allocation), ready to finalize or verify.
    fn keyed_mac(
        &self,
        method: &str,
        path_and_query: &str,
        host: &str,
        x_ms_date: &str,
        content_hash: &str,
    ) -> azure_core::Result<HmacSha256> {
        check_method(method)?;
        let mut mac = self.mac.clone();
        if method.bytes().any(|b| b.is_ascii_lowercase()) {
            mac.update(method.to_ascii_uppercase().as_bytes());
        } else {
            mac.update(method.as_bytes());
        }
        mac.update(b"\n");
        mac.update(path_and_query.as_bytes());
        mac.update(b"\n");
        mac.update(x_ms_date.as_bytes());
        mac.update(b";");
        mac.update(host.as_bytes());
        mac.update(b";");
        mac.update(content_hash.as_bytes());
        Ok(mac)
    }
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
/// RFC 9110 `token`: one or more `tchar`.
fn check_method(method: &str) -> azure_core::Result<()> {
    fn is_tchar(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
    }
    if !method.is_empty() && method.bytes().all(is_tchar) {
        return Ok(());
    }
    let shown: String = method.chars().take(32).collect::<String>();
    Err(Error::with_message(
        ErrorKind::DataConversion,
        format!(
            "invalid HTTP method {shown:?}: a method must be a non-empty HTTP token \
             (letters, digits and !#$%&'*+-.^_`|~), such as GET or POST"
        ),
    ))
}

/// Decodes a standard-alphabet base64 access key, padded or not, saying
/// exactly what is wrong with one that is not (never echoing it).
fn decode_access_key(key: &str) -> azure_core::Result<Vec<u8>> {
    use base64::engine::{general_purpose, DecodePaddingMode};
    use base64::{DecodeError, Engine};

    /// Standard alphabet; padding optional, but canonical when present.
    const KEY_ENGINE: general_purpose::GeneralPurpose = general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        general_purpose::GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );

    let err = |why: String| {
        Error::with_message(
            ErrorKind::Credential,
            format!(
                "invalid access key: {why}; use the key exactly as shown in the Azure portal \
                 (standard base64, e.g. from the resource's connection string)"
            ),
        )
    };
    if key.is_empty() {
        return Err(err("the key is empty".into()));
    }
    if key.bytes().any(|b| b == b'-' || b == b'_') {
        return Err(err(
            "it uses the URL-safe base64 alphabet ('-' or '_'); access keys use the standard \
             alphabet ('+' and '/')"
                .into(),
        ));
    }
    if key.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(err("it contains whitespace".into()));
    }
    if !key.bytes().all(is_standard_base64) {
        return Err(err("it contains characters that are not base64".into()));
    }
    let data = key.trim_end_matches('=');
    let padding = key.len() - data.len();
    if data.contains('=') {
        return Err(err(
            "'=' appears before the end; it may only pad the end of the key".into(),
        ));
    }
    if padding > 2 {
        return Err(err(format!(
            "it ends in {padding} '=' characters; base64 pads with at most two"
        )));
    }
    // Padded means a multiple of four characters; the decoder alone would
    // also take a half-padded `pw=`.
    if padding > 0 && !key.len().is_multiple_of(4) {
        return Err(err(format!(
            "it has {padding} '=' padding character(s), which do not make its length a multiple \
             of 4; the key may be cut short or have a character too many"
        )));
    }
    if data.len() % 4 == 1 {
        return Err(err(format!(
            "{} base64 characters cannot encode whole bytes (one character too many or too \
             few); the key may be cut short or mistyped",
            data.len()
        )));
    }
    let decoded = KEY_ENGINE.decode(key).map_err(|e| match e {
        DecodeError::InvalidLastSymbol(..) => err(
            "its last character leaves non-zero bits after the last whole byte, so it cannot \
             be the end of a key; the key may be cut short or mistyped"
                .into(),
        ),
        // The checks above settle the alphabet, '=' placement and length.
        other => err(format!("it is not valid base64 ({})", base64_cause(&other))),
    })?;
    if decoded.is_empty() {
        return Err(err("the key decodes to zero bytes".into()));
    }
    Ok(decoded)
}

/// What a base64 decoding error means, without the input.
fn base64_cause(e: &base64::DecodeError) -> &'static str {
    match e {
        base64::DecodeError::InvalidByte(..) => "a character that is not base64",
        base64::DecodeError::InvalidLength(_) => "a length no base64 text can have",
        base64::DecodeError::InvalidLastSymbol(..) => "non-zero bits after the last byte",
        base64::DecodeError::InvalidPadding => "wrong '=' padding",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn debug_hides_key() {
        let signer = AccessKeySigner::new("c2VjcmV0LWtleS1ieXRlcw==").unwrap();
        let debug = format!("{signer:?}");
        assert_eq!(debug, "AccessKeySigner { .. }");
    }

    #[test]
    fn bad_keys() {
        for key in [
            "", "a", "ab-_", "pw ==", "p*w=", "====", "pw==pw==", "pw=", "cGFzcw=",
        ] {
            let err = AccessKeySigner::new(key.to_owned()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("invalid access key"), "{key:?}: {msg}");
            assert_eq!(*err.kind(), ErrorKind::Credential);
        }
        AccessKeySigner::new("pw").unwrap();
        AccessKeySigner::new("pw==").unwrap();
    }

    #[test]
    fn each_invalid_base64_cause_is_named() {
        let why = |key: &str| {
            AccessKeySigner::new(key.to_owned())
                .unwrap_err()
                .to_string()
        };
        // Six letters of base64, no padding: the length is fine, the last
        // character's unused bits are not zero.
        let m = why("secret");
        assert!(m.contains("non-zero bits after the last whole byte"), "{m}");
        assert!(!m.contains("length") && !m.contains("'='"), "{m}");
        assert!(why("abcde").contains("5 base64 characters cannot encode whole bytes"));
        assert!(why("pw==pw==").contains("'=' appears before the end"));
        assert!(why("pw=").contains("1 '=' padding character(s)"));
        assert!(why("cGFzcw=").contains("1 '=' padding character(s)"));
        assert!(why("ab-_").contains("URL-safe"));
        assert!(why("pw ==").contains("whitespace"));
        assert!(why("p*w=").contains("not base64"));
        assert!(why("====").contains("ends in 4 '=' characters"));
        for key in ["secret", "abcde", "pw==pw=="] {
            assert!(!why(key).contains(key), "{key}");
        }
    }

    #[test]
    fn date_formats_in_utc() {
        let d = datetime!(2022-04-13 20:09:12.999 +02:00);
        assert_eq!(
            AccessKeySigner::format_date(d),
            "Wed, 13 Apr 2022 18:09:12 GMT"
        );
    }

    #[test]
    fn path_and_query_rules() {
        let pq =
            |u: &str| AccessKeySigner::signed_path_and_query(&Url::parse(u).unwrap()).into_owned();
        assert_eq!(pq("https://h"), "/");
        assert_eq!(pq("https://h/p?"), "/p?");
        assert_eq!(pq("https://h?"), "/?");
        assert_eq!(pq("https://h/p?q=1#frag"), "/p?q=1");
        assert_eq!(pq("foo://h"), "/");
        let host = |u: &str| AccessKeySigner::signed_host(&Url::parse(u).unwrap()).unwrap();
        assert_eq!(host("https://h:443/"), "h");
        assert_eq!(host("http://h:80/"), "h");
        assert_eq!(host("http://h:443/"), "h:443");
        assert_eq!(host("https://[::1]:8443/"), "[::1]:8443");
        assert!(AccessKeySigner::signed_host(&Url::parse("mailto:a@b").unwrap()).is_err());
    }

    #[test]
    fn methods() {
        let s = AccessKeySigner::new("pw==").unwrap();
        let url = Url::parse("https://h/").unwrap();
        let now = datetime!(2022-04-13 18:09:12 UTC);
        for bad in ["", "GE T", "GET\n", "PÖST", "a:b"] {
            let err = s.sign(bad, &url, b"", now).unwrap_err();
            assert!(err.to_string().contains("invalid HTTP method"));
        }
        assert_eq!(
            s.sign("get", &url, b"", now).unwrap(),
            s.sign("GET", &url, b"", now).unwrap()
        );
    }

    #[test]
    fn verify_round_trip() {
        let s = AccessKeySigner::new("pw==").unwrap();
        let auth = s
            .sign_parts("post", "/a?b", "h:1", "Wed, 13 Apr 2022 18:09:12 GMT", "x")
            .unwrap();
        s.verify(
            "POST",
            "/a?b",
            "h:1",
            "Wed, 13 Apr 2022 18:09:12 GMT",
            "x",
            &auth,
        )
        .unwrap();
        assert!(s
            .verify(
                "POST",
                "/a?c",
                "h:1",
                "Wed, 13 Apr 2022 18:09:12 GMT",
                "x",
                &auth
            )
            .is_err());
        assert!(s
            .verify(
                "POST",
                "/a?b",
                "h:1",
                "Wed, 13 Apr 2022 18:09:12 GMT",
                "x",
                "Bearer x"
            )
            .is_err());
        let unpadded = auth.trim_end_matches('=');
        assert_ne!(unpadded, auth);
        let err = s
            .verify(
                "POST",
                "/a?b",
                "h:1",
                "Wed, 13 Apr 2022 18:09:12 GMT",
                "x",
                unpadded,
            )
            .unwrap_err();
        assert!(err.to_string().contains("not valid base64"), "{err}");
        let other = AccessKeySigner::new("qw==").unwrap();
        assert!(other
            .verify(
                "POST",
                "/a?b",
                "h:1",
                "Wed, 13 Apr 2022 18:09:12 GMT",
                "x",
                &auth
            )
            .is_err());
    }
}
