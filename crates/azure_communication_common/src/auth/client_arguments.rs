//! The arguments every ACS client constructor takes (SPEC 4).

use azure_core::error::{Error, ErrorKind};
use azure_core::http::Url;

use super::chooser::CommunicationCredential;
use super::connection_string::{parse_endpoint, ConnectionString};
use crate::secret_text::looks_like_connection_string;

/// Resolves what an ACS client was given into an endpoint and a credential.
///
/// * With a `credential` (an access key or a token credential),
///   `connection_string_or_url` must be the resource's endpoint URL (an
///   absolute `http`/`https` URL with a host, an empty path and no query,
///   fragment or user info); the credential is returned unchanged.
/// * Without one, `connection_string_or_url` must be a connection string
///   (see [`ConnectionString`]); its access key becomes a
///   [`CommunicationCredential::AccessKey`].
///
/// Pass the returned credential to
/// [`communication_auth_policy`](crate::communication_auth_policy) and use the
/// URL as the base of the client's requests.
///
/// # Errors
///
/// * an invalid endpoint URL: `Invalid endpoint url {url}`;
/// * a connection string passed together with a credential, or an endpoint
///   URL passed without one: a message saying which form to use (the
///   argument is not echoed, since a connection string holds the key);
/// * an invalid connection string: see [`ConnectionString`]'s `FromStr`.
///
/// No message contains the access key.
///
/// # Example
///
/// ```
/// use azure_communication_common::{parse_client_arguments, CommunicationCredential};
///
/// let (url, credential) = parse_client_arguments(
///     "endpoint=https://contoso.communication.azure.com/;accesskey=pw==",
///     None,
/// )?;
/// assert_eq!(url.as_str(), "https://contoso.communication.azure.com/");
/// assert!(matches!(credential, CommunicationCredential::AccessKey(_)));
///
/// let key = CommunicationCredential::from_access_key("pw==")?;
/// let (url, _) = parse_client_arguments("https://contoso.communication.azure.com", Some(key))?;
/// assert_eq!(url.as_str(), "https://contoso.communication.azure.com/");
/// # Ok::<(), azure_core::Error>(())
/// ```
pub fn parse_client_arguments(
    connection_string_or_url: &str,
    credential: Option<CommunicationCredential>,
) -> azure_core::Result<(Url, CommunicationCredential)> {
    let text = connection_string_or_url.trim();
    match credential {
        Some(credential) => match parse_endpoint(text, None) {
            Ok(url) => Ok((url, credential)),
            // Never echo what may be a connection string (it holds a key).
            Err(_) if looks_like_connection_string(text) => Err(Error::with_message(
                ErrorKind::DataConversion,
                "a credential was given, so the first argument must be the resource's \
                 endpoint URL (https://<resource>.communication.azure.com/), not a \
                 connection string; pass either a connection string alone, or an endpoint \
                 URL with a credential",
            )),
            Err(e) => Err(e),
        },
        None => match text.parse::<ConnectionString>() {
            Ok(cs) => {
                let (url, signer) = cs.into_parts();
                Ok((url, CommunicationCredential::AccessKey(signer.into())))
            }
            Err(_) if looks_like_url(text) => Err(Error::with_message(
                ErrorKind::DataConversion,
                "no credential was given, so the first argument must be a connection string \
                 (endpoint=https://<resource>.communication.azure.com/;accesskey=<key>); to \
                 use an endpoint URL, also pass a credential",
            )),
            Err(e) => Err(e),
        },
    }
}

/// An `http(s)://` URL rather than a connection string.
fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !text.contains(';')
}
