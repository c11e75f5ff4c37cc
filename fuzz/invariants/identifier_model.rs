//! The identifier REST wire model and serde (SPEC 1.5).
//!
//! Invariants, for any bytes read as JSON:
//! * never panics;
//! * a `CommunicationIdentifierModel` that deserializes re-serializes to JSON
//!   that deserializes to an equal model;
//! * deserializing a `CommunicationIdentifier` succeeds exactly when the model
//!   deserializes and converts (`TryFrom`), and gives the same identifier
//!   (same kind, same fields);
//! * an identifier that deserializes re-serializes to JSON that deserializes
//!   to an equal identifier of the same kind with the same fields, whose
//!   model is the model of the first;
//! * the model written for an identifier carries its raw id, at most one
//!   nested model, and converts back to the same identifier.
//!
//! Shared by `fuzz/fuzz_targets/identifier_model.rs` and the property run in
//! `crates/azure_communication_common/tests/fuzz_invariants.rs`.

use azure_communication_common::{CommunicationIdentifier as Id, CommunicationIdentifierModel};

fn nested_count(model: &CommunicationIdentifierModel) -> usize {
    [
        model.communication_user.is_some(),
        model.phone_number.is_some(),
        model.microsoft_teams_user.is_some(),
        model.microsoft_teams_app.is_some(),
        model.teams_extension_user.is_some(),
    ]
    .into_iter()
    .filter(|&present| present)
    .count()
}

/// Checks one input; panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let model = serde_json::from_slice::<CommunicationIdentifierModel>(data);
    let id = serde_json::from_slice::<Id>(data);

    if let Ok(model) = &model {
        let json = serde_json::to_vec(model).unwrap();
        let again: CommunicationIdentifierModel =
            serde_json::from_slice(&json).expect("a serialized model deserializes");
        assert_eq!(&again, model);
    }

    let converted = model.as_ref().ok().map(Id::try_from);
    match (&id, &converted) {
        (Ok(id), Some(Ok(converted))) => {
            assert_eq!(format!("{id:?}"), format!("{converted:?}"));
        }
        (Err(_), None | Some(Err(_))) => {}
        (id, converted) => panic!("deserialize gave {id:?}, the model gave {converted:?}"),
    }
    // A conversion error is a message, never a panic, and says what is wrong.
    if let Some(Err(e)) = &converted {
        let message = e.to_string();
        assert!(
            message.starts_with("Property ") || message.starts_with("Only one of the properties"),
            "{message}"
        );
    }

    let Ok(id) = id else {
        return;
    };
    let written = CommunicationIdentifierModel::from(&id);
    assert_eq!(written.raw_id.as_deref(), Some(id.raw_id()));
    assert!(nested_count(&written) <= 1);
    if let Some(kind) = &written.kind {
        assert_eq!(kind, id.kind().as_str());
    }
    let back = Id::try_from(&written).expect("the model of an identifier converts back");
    assert_eq!(format!("{back:?}"), format!("{id:?}"));

    let json = serde_json::to_vec(&id).unwrap();
    let again: Id = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "{id:?} serializes to {} which does not deserialize: {e}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(again, id);
    assert_eq!(again.kind(), id.kind());
    assert_eq!(format!("{again:?}"), format!("{id:?}"));
    assert_eq!(CommunicationIdentifierModel::from(&again), written);
}
