//! Azure Communication Services connection strings (SPEC 4).

use std::fmt;
use std::str::FromStr;

use azure_core::credentials::Secret;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::Url;

use super::signer::AccessKeySigner;
use crate::secret_text::shown_endpoint;

const EXPECTED_FORM: &str =
    "expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>";

/// A parsed connection string:
/// `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>`.
///
/// Parsing ([`FromStr`]) is deliberately forgiving about layout and strict
/// about content:
///
/// * `;`-separated `key=value` segments, split at the **first** `=` (so a
///   value may contain `=`, as base64 padding does);
/// * keys are ASCII case-insensitive and may come in any order;
///   whitespace around keys and values is trimmed;
/// * empty segments (`;;`, a trailing `;`) are ignored; unknown keys are
///   ignored; a non-empty segment without `=` is an error naming the segment
///   by position; any repeated key (known or not) is an error;
/// * `endpoint` and `accesskey` are both required and non-empty;
/// * the endpoint must be an absolute `http`/`https` URL with a host, an empty
///   path (a trailing `/` is fine) and no query, fragment or user info,
///   otherwise the error is `Invalid endpoint url {url}`;
/// * the access key must be standard base64 (padded or not), checked now.
///
/// No error message and no `Debug` output ever contains the access key.
///
/// # Example
///
/// ```
/// use azure_communication_common::ConnectionString;
///
/// let cs: ConnectionString =
///     " AccessKey=pw== ; Endpoint=https://contoso.communication.azure.com/ ;".parse()?;
/// assert_eq!(cs.endpoint().as_str(), "https://contoso.communication.azure.com/");
/// assert_eq!(cs.access_key().secret(), "pw==");
/// assert!(!format!("{cs:?}").contains("pw=="));
/// # Ok::<(), azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ConnectionString {
    endpoint: Url,
    access_key: Secret,
    signer: AccessKeySigner,
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key", &self.access_key)
            .finish()
    }
}

impl PartialEq for ConnectionString {
    fn eq(&self, other: &Self) -> bool {
        // `Secret` compares in constant time.
        self.endpoint == other.endpoint && self.access_key == other.access_key
    }
}

impl Eq for ConnectionString {}

impl ConnectionString {
    /// The resource endpoint, e.g. `https://contoso.communication.azure.com/`.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The access key, exactly as written (trimmed); valid base64.
    pub fn access_key(&self) -> &Secret {
        &self.access_key
    }

    /// A signer for the access key (decoded once, at parse time).
    pub fn signer(&self) -> &AccessKeySigner {
        &self.signer
    }

    /// Splits into the endpoint and a signer for the access key.
    pub fn into_parts(self) -> (Url, AccessKeySigner) {
        (self.endpoint, self.signer)
    }
}

impl FromStr for ConnectionString {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut endpoint: Option<&str> = None;
        let mut access_key: Option<&str> = None;
        let mut seen_keys: Vec<String> = Vec::new();

        for (index, segment) in s.split(';').enumerate() {
            let position = index + 1;
            let segment = segment.trim();
            if segment.is_empty() {
                continue;
            }
            let Some((key, value)) = segment.split_once('=') else {
                return Err(invalid(format!(
                    "invalid connection string: segment {position} has no '=' (segments are \
                     key=value pairs separated by ';'); {EXPECTED_FORM}"
                )));
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            if key.is_empty() {
                return Err(invalid(format!(
                    "invalid connection string: segment {position} has an empty key before '='; \
                     {EXPECTED_FORM}"
                )));
            }
            if seen_keys.contains(&key) {
                // Only known key names are echoed: an unknown "key" could be
                // a pasted secret.
                let what = match key.as_str() {
                    "endpoint" | "accesskey" => format!("the key '{key}'"),
                    _ => "a key already used by an earlier segment".to_owned(),
                };
                return Err(invalid(format!(
                    "invalid connection string: segment {position} repeats {what}; each key may \
                     appear only once"
                )));
            }
            match key.as_str() {
                "endpoint" => endpoint = Some(value),
                "accesskey" => access_key = Some(value),
                _ => {}
            }
            seen_keys.push(key);
        }

        let endpoint = match endpoint {
            None => {
                return Err(invalid(format!(
                    "invalid connection string: it has no endpoint; {EXPECTED_FORM}"
                )))
            }
            Some("") => {
                return Err(invalid(format!(
                    "invalid connection string: the endpoint is empty; {EXPECTED_FORM}"
                )))
            }
            Some(endpoint) => endpoint,
        };
        let access_key = match access_key {
            None => {
                return Err(invalid(format!(
                    "invalid connection string: it has no accesskey; {EXPECTED_FORM}"
                )))
            }
            Some("") => {
                return Err(invalid(format!(
                    "invalid connection string: the accesskey is empty; {EXPECTED_FORM}"
                )))
            }
            Some(key) => key,
        };

        let endpoint = parse_endpoint(endpoint, Some(access_key))?;
        let signer = AccessKeySigner::new(access_key.to_owned()).map_err(|e| {
            Error::with_message(
                ErrorKind::Credential,
                format!("invalid connection string: {e}"),
            )
        })?;
        Ok(Self {
            endpoint,
            access_key: Secret::new(access_key.to_owned()),
            signer,
        })
    }
}

fn invalid(message: String) -> Error {
    Error::with_message(ErrorKind::DataConversion, message)
}

/// Validates an ACS endpoint (SPEC 4): an absolute `http`/`https` URL with a
/// host, an empty path (or `/`), and no query, fragment or user info. The
/// parsed host holds no `;` or `=`, so that the endpoint can be written back
/// into a connection string.
///
/// On failure the error is `Invalid endpoint url {url}`, where `{url}` is the
/// text given, masked by [`shown_endpoint`]: user info and `secret` masked,
/// query and fragment dropped, a key or connection string not shown.
pub(crate) fn parse_endpoint(text: &str, secret: Option<&str>) -> azure_core::Result<Url> {
    let ok = || -> Option<Url> {
        // The URL parser forgives a lot (`https:host`, `https:///host`,
        // backslashes, embedded tabs); an endpoint must be written plainly.
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return None;
        }
        // The parser drops an empty user info (`https://@host/`) and
        // normalises `/.`, `/%2e` or `/a/..` to `/`: refuse them as written.
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') || !path.is_empty() {
            return None;
        }
        // The scheme, the empty path and the absence of user info are
        // settled by the text checks above; what is left is the parsed host
        // and whatever a `?` or `#` in the authority started.
        let url = Url::parse(text).ok()?;
        // IDNA mapping can turn a character into `;` or `=` (U+037E, U+FF1D):
        // such a host could not be written back into a connection string.
        let valid = url
            .host_str()
            .is_some_and(|h| !h.is_empty() && !h.contains([';', '=']))
            && url.query().is_none()
            && url.fragment().is_none();
        valid.then_some(url)
    };
    ok().ok_or_else(|| {
        invalid(format!(
            "Invalid endpoint url {}",
            shown_endpoint(text, secret)
        ))
    })
}
