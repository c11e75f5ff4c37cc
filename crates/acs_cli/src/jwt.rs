//! Reading a JWT's header and claims for display.
//!
//! azure_communication_common reads only a token's `exp` (its `parse_token`);
//! it has no public function that returns the header or the claims, so this
//! tool decodes them itself, with the same leniency as the library: a part is
//! base64url or standard base64, padding optional, of a JSON object.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine as _, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// The decoded parts of a token that looks like a JWT.
#[derive(Debug, Default, PartialEq)]
pub struct Decoded {
    /// The first part, when it is base64 of a JSON object.
    pub header: Option<Map<String, Value>>,
    /// The second part, when it is base64 of a JSON object.
    pub claims: Option<Map<String, Value>>,
}

impl Decoded {
    /// A numeric claim as seconds since the epoch (`exp`, `iat`, `nbf`).
    pub fn seconds(&self, name: &str) -> Option<f64> {
        self.claims
            .as_ref()?
            .get(name)?
            .as_f64()
            .filter(|s| s.is_finite())
    }
}

/// Decodes the header and claims of `token`; parts that are not base64 JSON
/// objects are `None`.
pub fn decode(token: &str) -> Decoded {
    let mut parts = token.split('.');
    let header = parts.next().and_then(json_object);
    let claims = parts.next().and_then(json_object);
    Decoded { header, claims }
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE
        .decode(part)
        .or_else(|_| STANDARD.decode(part))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(value: &Value, engine: &GeneralPurpose) -> String {
        engine.encode(value.to_string())
    }

    #[test]
    fn decodes_both_alphabets_with_or_without_padding() {
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({"exp": 1_700_000_000, "skypeid": "acs:r_u", "x": "??>>"});
        let padded = part(&claims, &STANDARD);
        for claims_part in [
            part(&claims, &URL_SAFE),
            padded.clone(),
            padded.trim_end_matches('=').to_owned(),
        ] {
            let token = format!("{}.{claims_part}.sig", part(&header, &URL_SAFE));
            let decoded = decode(&token);
            assert_eq!(decoded.header, header.as_object().cloned());
            assert_eq!(decoded.claims, claims.as_object().cloned());
            assert_eq!(decoded.seconds("exp"), Some(1_700_000_000.0));
            assert_eq!(decoded.seconds("iat"), None);
        }
    }

    #[test]
    fn non_objects_are_none() {
        assert_eq!(decode("opaque"), Decoded::default());
        let array = URL_SAFE.encode("[1]");
        assert_eq!(decode(&format!("{array}.{array}")), Decoded::default());
        let claims = URL_SAFE.encode(r#"{"exp":"soon"}"#);
        assert_eq!(decode(&format!("x.{claims}")).seconds("exp"), None);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn json_object() -> impl Strategy<Value = Map<String, Value>> {
            let leaf = prop_oneof![
                any::<i64>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                ".{0,12}".prop_map(Value::from),
            ];
            prop::collection::btree_map(".{0,8}", leaf, 0..6).prop_map(|m| m.into_iter().collect())
        }

        proptest! {
            #[test]
            fn encoded_parts_decode_to_themselves(
                header in json_object(),
                claims in json_object(),
                url_safe in any::<bool>(),
                padded in any::<bool>(),
            ) {
                let encode = |map: &Map<String, Value>| {
                    let text = Value::Object(map.clone()).to_string();
                    let encoded = if url_safe { URL_SAFE.encode(&text) } else { STANDARD.encode(&text) };
                    if padded { encoded } else { encoded.trim_end_matches('=').to_owned() }
                };
                let token = format!("{}.{}.sig", encode(&header), encode(&claims));
                let decoded = decode(&token);
                prop_assert_eq!(decoded.header, Some(header));
                prop_assert_eq!(decoded.claims, Some(claims));
            }

            #[test]
            fn any_text_decodes_without_panicking(text in ".{0,64}") {
                let _ = decode(&text);
            }
        }
    }
}
