//! Properties of the scope parser: total, exact, and a round trip through
//! its text and its JSON.

use azure_communication_identity::CommunicationTokenScope;
use proptest::prelude::*;

const KNOWN: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];

fn scope_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(KNOWN.to_vec()).prop_map(str::to_owned),
        // Near misses of known names: case, spaces, suffixes.
        proptest::sample::select(KNOWN.to_vec())
            .prop_flat_map(|k| ("[ .A-Za-z]{0,3}", Just(k), "[ .A-Za-z]{0,3}"))
            .prop_map(|(a, k, b)| format!("{a}{k}{b}")),
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn parsing_is_total_and_keeps_the_text(text in scope_text()) {
        let scope: CommunicationTokenScope = text.parse().unwrap();
        prop_assert_eq!(scope.as_str(), text.as_str());
        prop_assert_eq!(scope.to_string(), text.clone());
        let known = KNOWN.contains(&text.as_str());
        prop_assert_eq!(matches!(scope, CommunicationTokenScope::UnknownValue(_)), !known);
        prop_assert_eq!(CommunicationTokenScope::from(text.clone()), scope.clone());
    }

    #[test]
    fn json_round_trips(text in scope_text()) {
        let scope = CommunicationTokenScope::from(text.as_str());
        let json = serde_json::to_string(&scope).unwrap();
        prop_assert_eq!(&json, &serde_json::to_string(&text).unwrap());
        let back: CommunicationTokenScope = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, scope);
    }
}
