//! Recognising text that carries a secret, and showing endpoints without it
//! (SPEC 4). A leaf: it imports nothing else of the crate.
//!
//! Every endpoint the crate reports — in an error message, a `Debug` output
//! or a log — goes through [`shown_endpoint`], whatever the entry point
//! (connection strings, client arguments, the signer, the Entra credential).

/// The most characters of an endpoint ever shown.
const MAX_SHOWN: usize = 200;

/// A character of standard (not URL-safe) base64, padding included.
pub(crate) fn is_standard_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Text that is most likely an access key, whole or cut short: at least 32
/// characters, all of standard base64, and either with `+`, `/` or `=` in it
/// or mixing upper case, lower case and digits. A URL or a host name has a
/// `:` or a `.`; a single long DNS label would not mix all three classes.
pub(crate) fn looks_like_access_key(text: &str) -> bool {
    let text = text.trim();
    let has = |f: fn(&u8) -> bool| text.as_bytes().iter().any(f);
    text.len() >= 32
        && text.bytes().all(is_standard_base64)
        && (has(|b| matches!(b, b'+' | b'/' | b'='))
            || (has(u8::is_ascii_uppercase)
                && has(u8::is_ascii_lowercase)
                && has(u8::is_ascii_digit)))
}

/// A connection string, or a fragment of one: it has a `;` or an
/// `endpoint=` / `accesskey=` key.
pub(crate) fn looks_like_connection_string(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.contains(';') || lower.contains("accesskey") || lower.trim_start().starts_with("endpoint")
}

/// `text`, an endpoint as given, in a form safe to show:
///
/// * a value that looks like an access key or a connection string is not
///   shown at all; what it looks like is said instead;
/// * user info (everything before the last `@` of the authority, so a
///   password with `/` in it is masked too) becomes `***`;
/// * a query or fragment is dropped (`?sig=...` may be a secret);
/// * every occurrence of `secret` (the access key it came with) becomes `***`;
/// * at most 200 characters are kept.
///
/// It works on the text, not on a parsed URL: a value that does not parse
/// is masked by the same rules.
pub(crate) fn shown_endpoint(text: &str, secret: Option<&str>) -> String {
    if looks_like_access_key(text) {
        return "*** (this value looks like an access key: are the endpoint and accesskey values \
                swapped?)"
            .to_owned();
    }
    if looks_like_connection_string(text) {
        return "*** (this value looks like a connection string, not an endpoint: pass only its \
                endpoint value, or parse it with ConnectionString)"
            .to_owned();
    }
    // Query and fragment go: they may hold a SAS signature or a key.
    let without_query = text.split(['?', '#']).next().unwrap_or_default();
    let authority_start = without_query.find("://").map_or(0, |i| i + 3);
    let (head, rest) = without_query.split_at(authority_start);
    let mut shown = String::with_capacity(without_query.len().min(MAX_SHOWN));
    shown.push_str(head);
    // The authority ends at the first '/' after the LAST '@' (a password may
    // itself hold '/').
    match rest.rfind('@') {
        Some(at) => {
            shown.push_str("***");
            shown.push_str(&rest[at..]);
        }
        None => shown.push_str(rest),
    }
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        shown = shown.replace(secret, "***");
    }
    if shown.chars().count() > MAX_SHOWN {
        shown = shown.chars().take(MAX_SHOWN).collect::<String>() + "...";
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9v/mFyYmF6cXV4eXo=";

    #[test]
    fn plain_endpoints_are_shown_as_given() {
        for e in [
            "https://contoso.communication.azure.com/",
            "http://127.0.0.1:8080",
            "not a url",
            "",
        ] {
            assert_eq!(shown_endpoint(e, None), e);
        }
    }

    #[test]
    fn user_info_is_masked_even_with_a_slash_in_the_password() {
        let shown = shown_endpoint(&format!("https://user:{KEY}@host.example/"), None);
        assert_eq!(shown, "https://***@host.example/");
        let shown = shown_endpoint("https://u:p/q@h/", None);
        assert_eq!(shown, "https://***@h/");
        assert_eq!(shown_endpoint("user:pw@host", None), "***@host");
    }

    #[test]
    fn query_and_fragment_are_dropped() {
        assert_eq!(
            shown_endpoint("https://h.example/?sig=abc", None),
            "https://h.example/"
        );
        assert_eq!(
            shown_endpoint("https://h.example#frag", None),
            "https://h.example"
        );
    }

    #[test]
    fn keys_and_connection_strings_are_not_shown() {
        let shown = shown_endpoint(KEY, None);
        assert!(
            !shown.contains(KEY) && shown.contains("access key"),
            "{shown}"
        );
        let cs = format!("endpoint=https://h.example/;accesskey={KEY}");
        let shown = shown_endpoint(&cs, None);
        assert!(
            !shown.contains(KEY) && shown.contains("connection string"),
            "{shown}"
        );
        let shown = shown_endpoint(&format!("accesskey={KEY}"), None);
        assert!(!shown.contains(KEY), "{shown}");
    }

    #[test]
    fn the_given_secret_is_masked_wherever_it_stands() {
        let shown = shown_endpoint("https://pw.example/", Some("pw"));
        assert_eq!(shown, "https://***.example/");
    }

    #[test]
    fn long_values_are_cut() {
        let long = format!("https://{}.example/", "a".repeat(500));
        let shown = shown_endpoint(&long, None);
        assert_eq!(shown.chars().count(), MAX_SHOWN + 3);
    }
}
