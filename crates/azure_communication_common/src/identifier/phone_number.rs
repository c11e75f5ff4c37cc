//! Phone numbers.

use super::raw_id::{asserted_id_start, ANONYMOUS_PHONE_NUMBER, PHONE_NUMBER_PREFIX};
use super::text::{IdText, IdTextBuilder, Span};

/// A phone number, e.g. `+14255550123` (raw id `4:+14255550123`).
///
/// A number of the form `{number}_{asserted id}` carries an asserted id (the
/// text after the last `_`), and the number `anonymous` is an anonymous caller.
///
/// ```
/// use azure_communication_common::PhoneNumberIdentifier;
///
/// let phone = PhoneNumberIdentifier::new("+14255550123");
/// assert_eq!(phone.raw_id(), "4:+14255550123");
/// assert!(!phone.is_anonymous());
///
/// let asserted = PhoneNumberIdentifier::new("+14255550123_abc");
/// assert_eq!(asserted.asserted_id(), Some("abc"));
/// assert!(PhoneNumberIdentifier::new("anonymous").is_anonymous());
/// ```
#[derive(Clone)]
pub struct PhoneNumberIdentifier {
    text: IdText,
    number: Span,
    asserted_id: Option<Span>,
    is_anonymous: bool,
}

impl PhoneNumberIdentifier {
    /// A phone number. `is_anonymous` and `asserted_id` are derived from it
    /// exactly as parsing the raw id `4:{number}` would.
    pub fn new(phone_number: impl AsRef<str>) -> Self {
        let number = phone_number.as_ref();
        let mut b = IdTextBuilder::with_capacity(PHONE_NUMBER_PREFIX.len() + number.len());
        b.push(PHONE_NUMBER_PREFIX);
        let number_span = b.push(number);
        b.end_raw_id();
        Self::from_number_span(b.finish(), number_span)
    }

    /// A phone number with `is_anonymous` and `asserted_id` given explicitly
    /// (as the wire model carries them). The raw id is `4:{number}` unless
    /// [`with_raw_id`](Self::with_raw_id) sets one.
    pub fn from_parts(
        phone_number: impl AsRef<str>,
        is_anonymous: bool,
        asserted_id: Option<&str>,
    ) -> Self {
        Self::build(phone_number.as_ref(), is_anonymous, asserted_id, None)
    }

    /// Lays out the fields after `raw_id`, or after the derived `4:{number}`.
    pub(crate) fn build(
        number: &str,
        is_anonymous: bool,
        asserted_id: Option<&str>,
        raw_id: Option<&str>,
    ) -> Self {
        let mut b = IdTextBuilder::with_capacity(
            raw_id.map_or(PHONE_NUMBER_PREFIX.len(), str::len)
                + number.len()
                + asserted_id.map_or(0, str::len),
        );
        let number = match raw_id {
            Some(raw_id) => {
                b.push(raw_id);
                b.end_raw_id();
                b.push(number)
            }
            None => {
                b.push(PHONE_NUMBER_PREFIX);
                let number = b.push(number);
                b.end_raw_id();
                number
            }
        };
        let asserted_id = asserted_id.map(|a| b.push(a));
        PhoneNumberIdentifier {
            text: b.finish(),
            number,
            asserted_id,
            is_anonymous,
        }
    }

    /// Parsed from a raw id `4:{number}`.
    pub(crate) fn parsed(raw_id: &str, number: &str) -> Self {
        let span = Span::at(PHONE_NUMBER_PREFIX.len(), number.len());
        Self::from_number_span(IdText::from_raw(raw_id), span)
    }

    /// `number` is the tail of `text`'s raw id (after `4:`); the anonymous
    /// flag and the asserted id are derived from it.
    fn from_number_span(text: IdText, number: Span) -> Self {
        let n = text.get(number);
        let is_anonymous = n == ANONYMOUS_PHONE_NUMBER;
        let number_start = text.raw().len() - n.len();
        let asserted_id =
            asserted_id_start(n).map(|start| Span::at(number_start + start, n.len() - start));
        PhoneNumberIdentifier {
            text,
            number,
            asserted_id,
            is_anonymous,
        }
    }

    /// Carries the raw id the service gave this identifier; it is then the
    /// identifier's raw id even if it disagrees with the fields.
    pub fn with_raw_id(self, raw_id: impl AsRef<str>) -> Self {
        Self::build(
            self.phone_number(),
            self.is_anonymous,
            self.asserted_id(),
            Some(raw_id.as_ref()),
        )
    }

    /// The phone number (any asserted-id suffix included).
    pub fn phone_number(&self) -> &str {
        self.text.get(self.number)
    }

    /// Whether this is an anonymous caller.
    pub fn is_anonymous(&self) -> bool {
        self.is_anonymous
    }

    /// The asserted id, when the number carries one.
    pub fn asserted_id(&self) -> Option<&str> {
        self.asserted_id.map(|s| self.text.get(s))
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for PhoneNumberIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneNumberIdentifier")
            .field("phone_number", &self.phone_number())
            .field("is_anonymous", &self.is_anonymous)
            .field("asserted_id", &self.asserted_id())
            .field("raw_id", &self.raw_id())
            .finish()
    }
}

super::by_raw_id!(PhoneNumberIdentifier, PhoneNumber);
