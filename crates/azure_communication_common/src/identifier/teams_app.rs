//! Microsoft Teams applications (bots, voice apps).

use super::raw_id::teams_app_prefix;
use super::text::{layout, IdText, Span};
use super::CommunicationCloudEnvironment;

/// A Microsoft Teams application, e.g. `28:orgid:<app id>`.
///
/// ```
/// use azure_communication_common::{CommunicationCloudEnvironment, MicrosoftTeamsAppIdentifier};
///
/// let app = MicrosoftTeamsAppIdentifier::new("0123", CommunicationCloudEnvironment::Dod);
/// assert_eq!(app.raw_id(), "28:dod:0123");
/// ```
#[derive(Clone)]
pub struct MicrosoftTeamsAppIdentifier {
    text: IdText,
    app_id: Span,
    cloud: CommunicationCloudEnvironment,
}

impl MicrosoftTeamsAppIdentifier {
    /// A Teams app with its id.
    pub fn new(app_id: impl AsRef<str>, cloud: CommunicationCloudEnvironment) -> Self {
        Self::build(app_id.as_ref(), cloud, None)
    }

    pub(crate) fn build(
        app_id: &str,
        cloud: CommunicationCloudEnvironment,
        raw_id: Option<&str>,
    ) -> Self {
        let (text, [app_id]) = layout(raw_id, [app_id], |b, [app_id]| {
            b.push(&teams_app_prefix(&cloud));
            [b.push(app_id)]
        });
        MicrosoftTeamsAppIdentifier {
            text,
            app_id,
            cloud,
        }
    }

    /// Parsed from a raw id whose app id starts at byte `app_start`.
    pub(crate) fn parsed(
        raw_id: &str,
        app_start: usize,
        cloud: CommunicationCloudEnvironment,
    ) -> Self {
        MicrosoftTeamsAppIdentifier {
            text: IdText::from_raw(raw_id),
            app_id: Span::at(app_start, raw_id.len() - app_start),
            cloud,
        }
    }

    /// Carries the raw id the service gave this identifier; it is then the
    /// identifier's raw id even if it disagrees with the fields.
    pub fn with_raw_id(self, raw_id: impl AsRef<str>) -> Self {
        Self::build(self.app_id(), self.cloud.clone(), Some(raw_id.as_ref()))
    }

    /// The app's id.
    pub fn app_id(&self) -> &str {
        self.text.get(self.app_id)
    }

    /// The app's cloud.
    pub fn cloud(&self) -> CommunicationCloudEnvironment {
        self.cloud.clone()
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for MicrosoftTeamsAppIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftTeamsAppIdentifier")
            .field("app_id", &self.app_id())
            .field("cloud", &self.cloud)
            .field("raw_id", &self.raw_id())
            .finish()
    }
}

super::by_raw_id!(MicrosoftTeamsAppIdentifier, MicrosoftTeamsApp);
