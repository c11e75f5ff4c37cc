//! Connection strings and client arguments (SPEC 4), including property
//! tests: parsing never panics, field order and layout never change the
//! result, and the access key never appears in an error or in `Debug`.

use std::sync::Arc;

use azure_communication_common::{
    parse_client_arguments, AccessKeySigner, CommunicationCredential, ConnectionString,
};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use proptest::prelude::*;

const ENDPOINT: &str = "https://contoso.communication.azure.com/";
/// A realistic 64-byte key (88 base64 characters).
const KEY: &str =
    "M2EwZGQ4ZGYtNDE2OS00YjNiLTk4ZDUtYmI2NzM0YjYxMGVkN2NiZjNlNzctOGE0Ni00ZDRmLTllNjUtYzE5MQ==";

fn parse(s: &str) -> azure_core::Result<ConnectionString> {
    s.parse()
}

fn err(s: &str) -> String {
    let e = parse(s).expect_err(s);
    let msg = e.to_string();
    assert!(!msg.contains(KEY), "error leaks the key: {msg}");
    msg
}

#[test]
fn canonical_form() {
    let cs = parse(&format!("endpoint={ENDPOINT};accesskey={KEY}")).unwrap();
    assert_eq!(cs.endpoint().as_str(), ENDPOINT);
    assert_eq!(cs.access_key().secret(), KEY);
}

#[test]
fn layout_is_free() {
    let expected = parse(&format!("endpoint={ENDPOINT};accesskey={KEY}")).unwrap();
    for s in [
        format!("accesskey={KEY};endpoint={ENDPOINT}"),
        format!("  Endpoint = {ENDPOINT} ;  AccessKey =  {KEY}  ;"),
        format!(";;ENDPOINT={ENDPOINT};;ACCESSKEY={KEY};;"),
        format!("endpoint=https://contoso.communication.azure.com;accesskey={KEY}"),
        format!("foo=bar;endpoint={ENDPOINT};x=;accesskey={KEY};other=a=b=c"),
        format!("\tendpoint={ENDPOINT}\n;\raccesskey={KEY}\n"),
    ] {
        let cs = parse(&s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(cs, expected, "{s:?}");
        assert_eq!(cs.endpoint(), expected.endpoint());
    }
}

#[test]
fn equals_inside_values_and_unpadded_keys() {
    let cs = parse(&format!("endpoint={ENDPOINT};accesskey=pw==")).unwrap();
    assert_eq!(cs.access_key().secret(), "pw==");
    let cs = parse(&format!("endpoint={ENDPOINT};accesskey=pw")).unwrap();
    assert_eq!(cs.access_key().secret(), "pw");
    // Padded or not, but not half padded: `pw=` is not base64.
    for key in ["pw=", "cGFzcw="] {
        let m = err(&format!("endpoint={ENDPOINT};accesskey={key}"));
        assert!(m.contains("padding"), "{key}: {m}");
        assert!(!m.contains(key), "{m}");
    }
}

#[test]
fn endpoint_keeps_port_and_is_normalised() {
    let cs = parse(&format!("endpoint=http://127.0.0.1:8080;accesskey={KEY}")).unwrap();
    assert_eq!(cs.endpoint().as_str(), "http://127.0.0.1:8080/");
    let cs = parse(&format!(
        "endpoint=HTTPS://Contoso.Communication.Azure.com:443/;accesskey={KEY}"
    ))
    .unwrap();
    assert_eq!(cs.endpoint().as_str(), ENDPOINT);
}

#[test]
fn segment_without_equals_is_named_by_position() {
    let m = err(&format!("endpoint={ENDPOINT};garbage;accesskey={KEY}"));
    assert!(m.contains("segment 2"), "{m}");
    assert!(!m.contains("garbage"), "{m}");
    // Position counts empty segments too.
    let m = err(&format!(";;endpoint={ENDPOINT};accesskey={KEY};oops"));
    assert!(m.contains("segment 5"), "{m}");
    // A key pasted without its name is not echoed.
    let m = err(&format!(
        "endpoint={ENDPOINT};{}",
        KEY.trim_end_matches('=')
    ));
    assert!(m.contains("segment 2"), "{m}");
}

#[test]
fn empty_key_name() {
    let m = err(&format!("endpoint={ENDPOINT};={KEY}"));
    assert!(m.contains("segment 2") && m.contains("empty key"), "{m}");
}

#[test]
fn duplicates_are_rejected() {
    let m = err(&format!(
        "endpoint={ENDPOINT};accesskey={KEY};AccessKey={KEY}"
    ));
    assert!(m.contains("accesskey") && m.contains("segment 3"), "{m}");
    let m = err(&format!(
        "endpoint={ENDPOINT};Endpoint={ENDPOINT};accesskey={KEY}"
    ));
    assert!(m.contains("endpoint"), "{m}");
    let m = err(&format!("x=1;endpoint={ENDPOINT};X=2;accesskey={KEY}"));
    assert!(m.contains("segment 3") && m.contains("only once"), "{m}");
    // Unknown duplicate names are not echoed (they might be a pasted key).
    let m = err(&format!(
        "{KEY}x;endpoint={ENDPOINT};{KEY}x;accesskey={KEY}"
    ));
    assert!(!m.contains(&KEY[..10]), "{m}");
}

#[test]
fn missing_or_empty_fields() {
    assert!(err(&format!("accesskey={KEY}")).contains("no endpoint"));
    assert!(err(&format!("endpoint={ENDPOINT}")).contains("no accesskey"));
    assert!(err(&format!("endpoint=;accesskey={KEY}")).contains("endpoint is empty"));
    assert!(err(&format!("endpoint={ENDPOINT};accesskey=")).contains("accesskey is empty"));
    assert!(err("").contains("no endpoint"));
    assert!(err(" ; ; ").contains("no endpoint"));
}

#[test]
fn invalid_endpoints() {
    for bad in [
        "contoso.communication.azure.com",
        "ftp://contoso.communication.azure.com/",
        "https://",
        "https:///path",
        "https://contoso.communication.azure.com/path",
        "https://contoso.communication.azure.com/?",
        "https://contoso.communication.azure.com/?a=b",
        "https://contoso.communication.azure.com/#frag",
        "https://user@contoso.communication.azure.com/",
        // empty user info is still user info; a path that normalises away is
        // still a path
        "https://@contoso.communication.azure.com/",
        "https://:@contoso.communication.azure.com/",
        "https://contoso.communication.azure.com/.",
        "https://contoso.communication.azure.com/%2e",
        "https://contoso.communication.azure.com/path/..",
        "https://contoso.communi cation.azure.com/",
        "not a url",
        "file:///etc/passwd",
        "https:contoso.communication.azure.com",
        "https:\\\\contoso.communication.azure.com\\",
        "https://contoso.communication.azure.com\\",
        // U+037E (Greek question mark) maps to ';' in a host: the endpoint
        // could not be written back into a connection string (found by the
        // connection_string fuzz target)
        "https://a\u{37e}b.com/",
        "https://a\u{ff1d}b.com/",
    ] {
        let m = err(&format!("endpoint={bad};accesskey={KEY}"));
        assert!(m.starts_with("Invalid endpoint url "), "{bad}: {m}");
    }
    let m = err(&format!("endpoint=https://contoso/path;accesskey={KEY}"));
    assert_eq!(m, "Invalid endpoint url https://contoso/path");
    // User info (a password) is masked; so is the key if pasted in the URL.
    let m = err(&format!(
        "endpoint=https://u:hunter2@contoso/;accesskey={KEY}"
    ));
    assert!(!m.contains("hunter2"), "{m}");
    let m = err(&format!(
        "endpoint=https://contoso/?k={KEY};accesskey={KEY}"
    ));
    assert!(m.starts_with("Invalid endpoint url "), "{m}");
    // The values swapped: the endpoint value is the key, and is not shown.
    let m = err(&format!(
        "endpoint={KEY};accesskey=https://contoso.communication.azure.com/"
    ));
    assert!(!m.contains(KEY), "{m}");
    assert_eq!(
        m,
        "Invalid endpoint url *** (this value looks like an access key: are the endpoint and accesskey values swapped?)"
    );
    // A host name without a scheme is still shown as given.
    let m = err(&format!("endpoint=myacsresource123;accesskey={KEY}"));
    assert_eq!(m, "Invalid endpoint url myacsresource123");
}

#[test]
fn invalid_keys_are_rejected_without_echo() {
    for bad in ["a", "abc-_def", "not base64!", "pw==pw==", "===="] {
        let m = parse(&format!("endpoint={ENDPOINT};accesskey={bad}"))
            .unwrap_err()
            .to_string();
        assert!(m.contains("invalid access key"), "{bad}: {m}");
        if bad.len() >= 6 {
            assert!(!m.contains(bad), "{bad}: {m}");
        }
    }
    let m = err(&format!(
        "endpoint={ENDPOINT};accesskey={}",
        KEY.replace('M', "-")
    ));
    assert!(m.contains("URL-safe"), "{m}");
}

#[test]
fn debug_hides_the_key() {
    let cs = parse(&format!("endpoint={ENDPOINT};accesskey={KEY}")).unwrap();
    let d = format!("{cs:?}");
    assert!(!d.contains(KEY), "{d}");
    assert!(d.contains(ENDPOINT), "{d}");
    let d = format!("{:#?}", cs.signer());
    assert!(!d.contains(KEY), "{d}");
}

#[test]
fn signer_from_connection_string_signs() {
    let cs = parse(&format!("endpoint={ENDPOINT};accesskey=pw==")).unwrap();
    let url = cs
        .endpoint()
        .join("identities?api-version=2023-10-01")
        .unwrap();
    let direct = AccessKeySigner::new("pw==").unwrap();
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        cs.signer().sign("POST", &url, b"{}", now).unwrap(),
        direct.sign("POST", &url, b"{}", now).unwrap()
    );
}

// ---------------------------------------------------------------------------
// parse_client_arguments

#[derive(Debug)]
struct NoToken;

#[async_trait::async_trait]
impl TokenCredential for NoToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            "unused",
        ))
    }
}

#[test]
fn client_arguments_connection_string() {
    let (url, cred) =
        parse_client_arguments(&format!("endpoint={ENDPOINT};accesskey={KEY}"), None).unwrap();
    assert_eq!(url.as_str(), ENDPOINT);
    assert!(matches!(cred, CommunicationCredential::AccessKey(_)));
    assert!(!format!("{cred:?}").contains(KEY));
}

#[test]
fn client_arguments_url_and_credential() {
    let token: Arc<dyn TokenCredential> = Arc::new(NoToken);
    let (url, cred) = parse_client_arguments(
        "https://contoso.communication.azure.com",
        Some(token.into()),
    )
    .unwrap();
    assert_eq!(url.as_str(), ENDPOINT);
    assert!(matches!(cred, CommunicationCredential::Token(_)));

    let key = CommunicationCredential::from_access_key(KEY).unwrap();
    let (url, cred) = parse_client_arguments(" http://localhost:8080/ ", Some(key)).unwrap();
    assert_eq!(url.as_str(), "http://localhost:8080/");
    assert!(matches!(cred, CommunicationCredential::AccessKey(_)));

    // A host that merely contains the word is still a URL.
    let key = CommunicationCredential::from_access_key(KEY).unwrap();
    let (url, _) =
        parse_client_arguments("https://accesskey-endpoint.example.com", Some(key)).unwrap();
    assert_eq!(url.as_str(), "https://accesskey-endpoint.example.com/");
}

#[test]
fn client_arguments_errors() {
    let key = || Some(CommunicationCredential::from_access_key("pw==").unwrap());
    // Bad URL with a credential.
    let m = parse_client_arguments("https://contoso/path", key())
        .unwrap_err()
        .to_string();
    assert_eq!(m, "Invalid endpoint url https://contoso/path");
    // Connection string with a credential: not echoed.
    let m = parse_client_arguments(&format!("endpoint={ENDPOINT};accesskey={KEY}"), key())
        .unwrap_err()
        .to_string();
    assert!(!m.contains(KEY) && m.contains("endpoint URL"), "{m}");
    // URL without a credential.
    let m = parse_client_arguments(ENDPOINT, None)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("connection string") && m.contains("credential"),
        "{m}"
    );
    // Bad connection string without a credential.
    let m = parse_client_arguments(&format!("endpoint={ENDPOINT}"), None)
        .unwrap_err()
        .to_string();
    assert!(m.contains("no accesskey"), "{m}");
}

// ---------------------------------------------------------------------------
// Property tests

/// Standard base64 of 1..=96 random bytes, padded or not.
fn key_strategy() -> impl Strategy<Value = String> {
    (prop::collection::vec(any::<u8>(), 1..=96), any::<bool>()).prop_map(|(bytes, pad)| {
        let k = azure_core::base64::encode(bytes);
        if pad {
            k
        } else {
            k.trim_end_matches('=').to_owned()
        }
    })
}

fn endpoint_strategy() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["http", "https", "HTTPS"]),
        "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9]{0,9}){0,3}",
        prop::option::of(1u16..=65535),
        any::<bool>(),
    )
        .prop_map(|(scheme, host, port, slash)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let slash = if slash { "/" } else { "" };
            format!("{scheme}://{host}{port}{slash}")
        })
}

/// Whitespace that may surround keys and values.
fn ws() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

fn case_variant(name: &str, mask: u32) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask & (1 << (i % 32)) != 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary input: never panics; errors and Debug never contain a key
    /// that was present and valid.
    #[test]
    fn parsing_never_panics(s in "\\PC{0,200}") {
        match s.parse::<ConnectionString>() {
            Ok(cs) => { let _ = format!("{cs:?}"); }
            Err(e) => { let _ = e.to_string(); }
        }
        let _ = parse_client_arguments(&s, None);
    }

    /// Connection-string-shaped noise (the separators the parser cares about).
    #[test]
    fn parsing_structured_noise_never_panics(
        parts in prop::collection::vec(
            prop_oneof![
                Just("endpoint".to_owned()), Just("accesskey".to_owned()), Just("=".to_owned()),
                Just(";".to_owned()), Just(" ".to_owned()), Just("https://".to_owned()),
                Just("pw==".to_owned()), "[a-zA-Z0-9+/=:._-]{0,12}",
            ],
            0..24,
        )
    ) {
        let s: String = parts.concat();
        let _ = s.parse::<ConnectionString>().map(|cs| format!("{cs:?}"));
    }

    /// Any well-formed field list, in any order, with unknown fields, random
    /// key casing, whitespace and empty segments, gives the same result.
    #[test]
    fn any_well_formed_layout_gives_the_same_result(
        key in key_strategy(),
        endpoint in endpoint_strategy(),
        unknown in prop::collection::vec(("[a-z]{1,10}", "[a-zA-Z0-9=:/.+]{0,20}"), 0..4),
        masks in (any::<u32>(), any::<u32>()),
        spaces in prop::collection::vec(ws(), 16),
        empties in prop::collection::vec(0usize..3, 8),
        order_seed in any::<u64>(),
        trailing in any::<bool>(),
    ) {
        // Unknown names must not collide with the known ones or each other.
        let mut names: Vec<String> = Vec::new();
        let mut fields: Vec<(String, String)> = vec![
            (case_variant("endpoint", masks.0), endpoint.clone()),
            (case_variant("accesskey", masks.1), key.clone()),
        ];
        for (name, value) in unknown {
            if name == "endpoint" || name == "accesskey" || names.contains(&name) {
                continue;
            }
            names.push(name.clone());
            fields.push((name, value));
        }
        // Deterministic shuffle from the seed.
        let mut seed = order_seed | 1;
        for i in (1..fields.len()).rev() {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
            fields.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        let mut s = String::new();
        for (i, (k, v)) in fields.iter().enumerate() {
            for _ in 0..empties[i % empties.len()] { s.push(';'); }
            s.push_str(&format!(
                "{}{k}{}={}{v}{};",
                spaces[(4 * i) % 16], spaces[(4 * i + 1) % 16],
                spaces[(4 * i + 2) % 16], spaces[(4 * i + 3) % 16],
            ));
        }
        if !trailing { s.pop(); }

        let canonical: ConnectionString = format!("endpoint={endpoint};accesskey={key}")
            .parse()
            .map_err(|e| TestCaseError::fail(format!("canonical: {e}")))?;
        let parsed: ConnectionString = s
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{s:?}: {e}")))?;
        prop_assert_eq!(&parsed, &canonical);
        prop_assert_eq!(parsed.endpoint(), canonical.endpoint());
        prop_assert_eq!(parsed.access_key().secret(), key.as_str());
        // A key of a few characters can occur in any text by chance (`ng`
        // in `ConnectionString`); the leak check is for recognisable keys,
        // as in `errors_and_debug_never_contain_the_key`.
        let debug = format!("{parsed:?}");
        prop_assert!(key.len() < 8 || !debug.contains(&key), "{}", debug);
        let (url, cred) = parse_client_arguments(&s, None)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&url, canonical.endpoint());
        let debug = format!("{cred:?}");
        prop_assert!(key.len() < 8 || !debug.contains(&key), "{}", debug);
    }

    /// Broken connection strings that contain a real key: no error message
    /// (from parsing or client arguments) ever contains it.
    #[test]
    fn errors_never_contain_the_key(
        key in key_strategy().prop_filter("long enough to be recognisable", |k| k.len() >= 8),
        endpoint in prop_oneof![
            endpoint_strategy(),
            Just("".to_owned()),
            Just("not a url".to_owned()),
            "https://[a-z]{1,8}/[a-z]{1,5}",
            "https://[a-z]{1,8}/\\?[a-z]{1,5}",
        ],
        breakage in 0usize..8,
        extra in "[a-zA-Z0-9=;]{0,10}",
    ) {
        let s = match breakage {
            0 => format!("endpoint={endpoint};accesskey={key};accesskey={key}"),
            1 => format!("endpoint={endpoint};{key}"),
            2 => format!("endpoint={endpoint};accesskey={key}-"),
            3 => format!("endpoint={endpoint}?k={key};accesskey={key}"),
            4 => format!("{extra};accesskey={key};{extra}"),
            5 => format!("endpoint={endpoint};accesskey={key};{key}={key};{key}={key}"),
            6 => format!("endpoint={endpoint};accesskey= {key}_"),
            _ => format!("endpoint={endpoint};accesskey={key};{extra}"),
        };
        if let Err(e) = s.parse::<ConnectionString>() {
            let m = format!("{e} / {e:?}");
            prop_assert!(!m.contains(&key), "error contains the key: {}", m);
        }
        if let Err(e) = parse_client_arguments(&s, None) {
            let m = format!("{e} / {e:?}");
            prop_assert!(!m.contains(&key), "error contains the key: {}", m);
        }
        let with_cred = Some(CommunicationCredential::from_access_key(key.clone()).unwrap());
        if let Err(e) = parse_client_arguments(&s, with_cred) {
            let m = format!("{e} / {e:?}");
            prop_assert!(!m.contains(&key), "error contains the key: {}", m);
        }
    }

    /// Invalid keys given directly to the signer: the error never echoes them.
    #[test]
    fn signer_key_errors_never_contain_the_key(key in "[ -~]{1,60}") {
        if let Err(e) = AccessKeySigner::new(key.clone()) {
            let m = format!("{e} / {e:?}");
            // Short keys may appear by coincidence in the fixed message text.
            if key.len() >= 6 {
                prop_assert!(!m.contains(&key), "{}", m);
            }
        }
    }
}
