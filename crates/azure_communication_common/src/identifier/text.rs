//! Compact storage for an identifier's text.
//!
//! Every identifier keeps its raw id and its fields in ONE heap allocation: the
//! raw id first, then any field text that is not already a part of the raw id.
//! Fields are kept as byte ranges into that buffer. Parsing a raw id therefore
//! costs a single allocation (every field is a slice of the raw id), and
//! `raw_id()`, comparing and hashing never allocate.

/// A byte range into an [`IdText`] buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// A range of `len` bytes starting at `start`.
    pub(crate) const fn at(start: usize, len: usize) -> Self {
        Span {
            start,
            end: start + len,
        }
    }
}

/// The raw id followed by field text that does not occur in it.
#[derive(Clone)]
pub(crate) struct IdText {
    buf: Box<str>,
    raw_len: usize,
}

impl IdText {
    /// Text whose raw id is the whole of `raw_id` (fields are spans into it).
    pub(crate) fn from_raw(raw_id: &str) -> Self {
        IdText {
            buf: raw_id.into(),
            raw_len: raw_id.len(),
        }
    }

    /// The raw id.
    #[inline]
    pub(crate) fn raw(&self) -> &str {
        &self.buf[..self.raw_len]
    }

    /// The text of a field.
    #[inline]
    pub(crate) fn get(&self, span: Span) -> &str {
        &self.buf[span.start..span.end]
    }
}

/// Builds an [`IdText`]: push the raw id's pieces, mark the end of the raw id,
/// then push fields that are stored apart from it.
pub(crate) struct IdTextBuilder {
    buf: String,
    raw_len: Option<usize>,
}

impl IdTextBuilder {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        IdTextBuilder {
            buf: String::with_capacity(capacity),
            raw_len: None,
        }
    }

    /// Appends text and returns where it lies.
    pub(crate) fn push(&mut self, text: &str) -> Span {
        let start = self.buf.len();
        self.buf.push_str(text);
        Span::at(start, text.len())
    }

    /// Marks everything pushed so far as the raw id.
    pub(crate) fn end_raw_id(&mut self) {
        self.raw_len = Some(self.buf.len());
    }

    pub(crate) fn finish(self) -> IdText {
        let raw_len = self.raw_len.unwrap_or(self.buf.len());
        IdText {
            buf: self.buf.into_boxed_str(),
            raw_len,
        }
    }
}

/// Lays out an identifier's text: when `explicit_raw_id` is given it becomes
/// the raw id and the fields are stored after it; otherwise `derive` pushes the
/// computed raw id, whose pieces are the fields themselves.
pub(crate) fn layout<const N: usize>(
    explicit_raw_id: Option<&str>,
    fields: [&str; N],
    derive: impl FnOnce(&mut IdTextBuilder, [&str; N]) -> [Span; N],
) -> (IdText, [Span; N]) {
    let fields_len: usize = fields.iter().map(|f| f.len()).sum();
    match explicit_raw_id {
        Some(raw) => {
            let mut b = IdTextBuilder::with_capacity(raw.len() + fields_len);
            b.push(raw);
            b.end_raw_id();
            let spans = fields.map(|f| b.push(f));
            (b.finish(), spans)
        }
        None => {
            // Prefixes are short; 16 bytes covers the longest (`8:gcch-acs:`) plus separators.
            let mut b = IdTextBuilder::with_capacity(fields_len + 16);
            let spans = derive(&mut b, fields);
            b.end_raw_id();
            (b.finish(), spans)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_raw_id_keeps_fields_apart() {
        let (text, [a, b]) = layout(Some("RAW"), ["x", "yz"], |_, _| unreachable!());
        assert_eq!(text.raw(), "RAW");
        assert_eq!(text.get(a), "x");
        assert_eq!(text.get(b), "yz");
    }

    #[test]
    fn derived_raw_id_contains_fields() {
        let (text, [a]) = layout(None, ["abc"], |b, [f]| {
            b.push("p:");
            [b.push(f)]
        });
        assert_eq!(text.raw(), "p:abc");
        assert_eq!(text.get(a), "abc");
    }
}
