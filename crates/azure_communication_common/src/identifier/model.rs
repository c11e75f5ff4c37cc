//! The REST wire model of an identifier (SPEC 1.5) and its conversions.

use super::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier, UnknownIdentifier,
};
use azure_core::error::{Error, ErrorKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `CommunicationIdentifierModel`: how the ACS REST APIs carry an identifier.
///
/// Every property is optional so that a missing one gives a precise error
/// when converting to a [`CommunicationIdentifier`] rather than a generic
/// serde error. Unknown properties are ignored, and an unknown `kind` becomes
/// an [`UnknownIdentifier`] carrying the `rawId`, so older clients keep
/// working when the service adds kinds.
///
/// ```
/// use azure_communication_common::{CommunicationIdentifier, CommunicationIdentifierModel};
///
/// let id = CommunicationIdentifier::from_raw_id("4:+14255550123");
/// let model = CommunicationIdentifierModel::from(&id);
/// assert_eq!(
///     serde_json::to_value(&model).unwrap(),
///     serde_json::json!({"rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123", "isAnonymous": false}}),
/// );
/// assert_eq!(CommunicationIdentifier::try_from(model).unwrap(), id);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentifierModel {
    /// The kind's wire name (`communicationUser`, ...). The service may send
    /// it; this crate infers the kind from the nested model when it is absent
    /// and does not write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The raw id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<String>,
    /// Set for an ACS user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_user: Option<CommunicationUserIdentifierModel>,
    /// Set for a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumberIdentifierModel>,
    /// Set for a Teams user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_user: Option<MicrosoftTeamsUserIdentifierModel>,
    /// Set for a Teams app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_app: Option<MicrosoftTeamsAppIdentifierModel>,
    /// Set for a Teams extension user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_extension_user: Option<TeamsExtensionUserIdentifierModel>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// The nested model of an ACS user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CommunicationUserIdentifierModel {
    /// The user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// The nested model of a phone number.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberIdentifierModel {
    /// The phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether the caller is anonymous (false when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The asserted id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asserted_id: Option<String>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// The nested model of a Teams user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsUserIdentifierModel {
    /// The user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Whether the user is an anonymous visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// The nested model of a Teams app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsAppIdentifierModel {
    /// The app's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// The nested model of a Teams extension user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionUserIdentifierModel {
    /// The user's Entra object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The ACS resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CommunicationCloudEnvironment>,
    /// Properties this version does not know (a newer service may send
    /// them), kept so that the model round-trips unchanged.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

const COMMUNICATION_USER: &str = "communicationUser";
const PHONE_NUMBER: &str = "phoneNumber";
const MICROSOFT_TEAMS_USER: &str = "microsoftTeamsUser";
const MICROSOFT_TEAMS_APP: &str = "microsoftTeamsApp";
const TEAMS_EXTENSION_USER: &str = "teamsExtensionUser";
const UNKNOWN: &str = "unknown";

impl From<&CommunicationIdentifier> for CommunicationIdentifierModel {
    fn from(identifier: &CommunicationIdentifier) -> Self {
        let mut model = CommunicationIdentifierModel {
            raw_id: Some(identifier.raw_id().to_owned()),
            ..Default::default()
        };
        match identifier {
            CommunicationIdentifier::CommunicationUser(i) => {
                model.communication_user = Some(CommunicationUserIdentifierModel {
                    id: Some(i.id().to_owned()),
                    ..Default::default()
                });
            }
            CommunicationIdentifier::PhoneNumber(i) => {
                model.phone_number = Some(PhoneNumberIdentifierModel {
                    value: Some(i.phone_number().to_owned()),
                    is_anonymous: Some(i.is_anonymous()),
                    asserted_id: i.asserted_id().map(str::to_owned),
                    ..Default::default()
                });
            }
            CommunicationIdentifier::MicrosoftTeamsUser(i) => {
                model.microsoft_teams_user = Some(MicrosoftTeamsUserIdentifierModel {
                    user_id: Some(i.user_id().to_owned()),
                    is_anonymous: Some(i.is_anonymous()),
                    cloud: Some(i.cloud()),
                    ..Default::default()
                });
            }
            CommunicationIdentifier::MicrosoftTeamsApp(i) => {
                model.microsoft_teams_app = Some(MicrosoftTeamsAppIdentifierModel {
                    app_id: Some(i.app_id().to_owned()),
                    cloud: Some(i.cloud()),
                    ..Default::default()
                });
            }
            CommunicationIdentifier::TeamsExtensionUser(i) => {
                model.teams_extension_user = Some(TeamsExtensionUserIdentifierModel {
                    user_id: Some(i.user_id().to_owned()),
                    tenant_id: Some(i.tenant_id().to_owned()),
                    resource_id: Some(i.resource_id().to_owned()),
                    cloud: Some(i.cloud()),
                    ..Default::default()
                });
            }
            CommunicationIdentifier::Unknown(_) => {}
        }
        model
    }
}

impl From<CommunicationIdentifier> for CommunicationIdentifierModel {
    fn from(identifier: CommunicationIdentifier) -> Self {
        CommunicationIdentifierModel::from(&identifier)
    }
}

/// `Property {name} is required for identifier of type {kind}.`
fn required<T>(value: Option<T>, name: &str, kind: &str) -> Result<T, Error> {
    value.ok_or_else(|| {
        Error::with_message(
            ErrorKind::DataConversion,
            format!("Property {name} is required for identifier of type {kind}."),
        )
    })
}

impl TryFrom<&CommunicationIdentifierModel> for CommunicationIdentifier {
    type Error = Error;

    /// Converts a wire model to an identifier (SPEC 1.5).
    fn try_from(model: &CommunicationIdentifierModel) -> Result<Self, Error> {
        let nested = [
            (model.communication_user.is_some(), COMMUNICATION_USER),
            (model.microsoft_teams_user.is_some(), MICROSOFT_TEAMS_USER),
            (model.microsoft_teams_app.is_some(), MICROSOFT_TEAMS_APP),
            (model.phone_number.is_some(), PHONE_NUMBER),
            (model.teams_extension_user.is_some(), TEAMS_EXTENSION_USER),
        ];
        let mut present = nested
            .iter()
            .filter_map(|&(is_present, name)| is_present.then_some(name));
        let first_present = present.next();
        if present.next().is_some() {
            let names: Vec<String> = nested
                .iter()
                .filter(|(is_present, _)| *is_present)
                .map(|(_, name)| format!("\"{name}\""))
                .collect();
            return Err(Error::with_message(
                ErrorKind::DataConversion,
                format!(
                    "Only one of the properties in [{}] should be present.",
                    names.join(",")
                ),
            ));
        }
        let kind = model.kind.as_deref().or(first_present).unwrap_or(UNKNOWN);
        let raw_id = model.raw_id.as_deref();

        match kind {
            COMMUNICATION_USER => {
                if let Some(user) = &model.communication_user {
                    let id = required(user.id.as_deref(), "id", kind)?;
                    return Ok(CommunicationUserIdentifier::new(id).into());
                }
            }
            PHONE_NUMBER => {
                if let Some(phone) = &model.phone_number {
                    let value = required(phone.value.as_deref(), "value", kind)?;
                    let raw_id = required(raw_id, "rawId", kind)?;
                    return Ok(PhoneNumberIdentifier::build(
                        value,
                        phone.is_anonymous.unwrap_or(false),
                        phone.asserted_id.as_deref(),
                        Some(raw_id),
                    )
                    .into());
                }
            }
            MICROSOFT_TEAMS_USER => {
                if let Some(user) = &model.microsoft_teams_user {
                    let user_id = required(user.user_id.as_deref(), "userId", kind)?;
                    let is_anonymous = required(user.is_anonymous, "isAnonymous", kind)?;
                    let cloud = required(user.cloud.clone(), "cloud", kind)?;
                    let raw_id = required(raw_id, "rawId", kind)?;
                    return Ok(MicrosoftTeamsUserIdentifier::build(
                        user_id,
                        cloud,
                        is_anonymous,
                        Some(raw_id),
                    )
                    .into());
                }
            }
            MICROSOFT_TEAMS_APP => {
                if let Some(app) = &model.microsoft_teams_app {
                    let app_id = required(app.app_id.as_deref(), "appId", kind)?;
                    let cloud = required(app.cloud.clone(), "cloud", kind)?;
                    let raw_id = required(raw_id, "rawId", kind)?;
                    return Ok(
                        MicrosoftTeamsAppIdentifier::build(app_id, cloud, Some(raw_id)).into(),
                    );
                }
            }
            TEAMS_EXTENSION_USER => {
                if let Some(user) = &model.teams_extension_user {
                    let user_id = required(user.user_id.as_deref(), "userId", kind)?;
                    let tenant_id = required(user.tenant_id.as_deref(), "tenantId", kind)?;
                    let resource_id = required(user.resource_id.as_deref(), "resourceId", kind)?;
                    let cloud = required(user.cloud.clone(), "cloud", kind)?;
                    let raw_id = required(raw_id, "rawId", kind)?;
                    return Ok(TeamsExtensionUserIdentifier::build(
                        user_id,
                        tenant_id,
                        resource_id,
                        cloud,
                        Some(raw_id),
                    )
                    .into());
                }
            }
            _ => {}
        }
        // No nested model, a kind this crate does not know, or a kind whose
        // nested model is missing: keep the raw id.
        let raw_id = required(raw_id, "rawId", UNKNOWN)?;
        Ok(UnknownIdentifier::new(raw_id).into())
    }
}

impl TryFrom<CommunicationIdentifierModel> for CommunicationIdentifier {
    type Error = Error;

    /// Converts a wire model to an identifier (SPEC 1.5).
    fn try_from(model: CommunicationIdentifierModel) -> Result<Self, Error> {
        CommunicationIdentifier::try_from(&model)
    }
}

impl Serialize for CommunicationIdentifier {
    /// Serializes as the wire model ([`CommunicationIdentifierModel`]).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CommunicationIdentifierModel::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CommunicationIdentifier {
    /// Deserializes from the wire model ([`CommunicationIdentifierModel`]);
    /// a model that does not make an identifier gives an error whose message
    /// says which property is missing or in conflict.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let model = CommunicationIdentifierModel::deserialize(deserializer)?;
        CommunicationIdentifier::try_from(&model).map_err(serde::de::Error::custom)
    }
}
