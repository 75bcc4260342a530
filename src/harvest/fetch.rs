//! Streamed FETCH parsing: one `* n FETCH (UID … INTERNALDATE … BODY[HEADER.FIELDS (…)] {n}…)`
//! response at a time, borrowed from the client's buffer, into the few fields a harvest needs.
//!
//! Only the header fields named in [`FETCH_ITEMS`] are asked for, never bodies: Dovecot answers
//! them from its cache. Items may come in any order; unknown ones are skipped.
//!
//! Promises: any bytes are parsed without panicking; parenthesized lists nested deeper than
//! [`MAX_DEPTH`] are refused ([`TooDeep`]) instead of recursed into, so a hostile server cannot
//! overflow the stack (issue 15: 140,000 `(` in one 140 KB line aborted the process).

use chrono::{DateTime, NaiveDateTime};

/// What is fetched for every message.
pub const FETCH_ITEMS: &str = "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE FROM TO CC BCC)])";

/// Deepest nesting of parenthesized lists accepted in a FETCH response. What is asked for
/// nests 2 deep; BODYSTRUCTURE, were a server to send it unasked, rarely goes past 10.
pub const MAX_DEPTH: usize = 100;

/// A FETCH response nested deeper than [`MAX_DEPTH`]: a protocol error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep;

/// The fields of one message, borrowed from the response.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fetched<'a> {
    pub uid: Option<u32>,
    pub internal_date: Option<&'a [u8]>,
    pub header: Option<&'a [u8]>,
}

/// Parses an untagged response if it is a FETCH (`n FETCH (…)` after `* `); `Ok(None)` for
/// anything else, [`TooDeep`] for lists nested beyond [`MAX_DEPTH`].
pub fn parse_fetch(rest: &[u8]) -> Result<Option<Fetched<'_>>, TooDeep> {
    let mut p = Parser {
        s: rest,
        i: 0,
        too_deep: false,
    };
    let fetched = p.fetch();
    if p.too_deep {
        return Err(TooDeep);
    }
    Ok(fetched)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Set when a list nested beyond [`MAX_DEPTH`] stopped the parse.
    too_deep: bool,
}

impl<'a> Parser<'a> {
    fn fetch(&mut self) -> Option<Fetched<'a>> {
        self.number()?;
        self.space();
        if !self.keyword(b"FETCH") {
            return None;
        }
        self.space();
        if !self.eat(b'(') {
            return None;
        }
        let mut fetched = Fetched::default();
        loop {
            self.space();
            if self.eat(b')') || self.done() {
                break;
            }
            let key = self.item_name()?;
            self.space();
            if key.eq_ignore_ascii_case(b"UID") {
                fetched.uid = self.number().and_then(|n| u32::try_from(n).ok());
            } else if key.eq_ignore_ascii_case(b"INTERNALDATE") {
                fetched.internal_date = self.string();
            } else if key.len() >= 5 && key[..5].eq_ignore_ascii_case(b"BODY[") {
                fetched.header = self.string();
            } else {
                self.skip_value(1)?;
            }
        }
        Some(fetched)
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn space(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn keyword(&mut self, word: &[u8]) -> bool {
        let end = self.i + word.len();
        if self.s.len() >= end && self.s[self.i..end].eq_ignore_ascii_case(word) {
            self.i = end;
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start || self.i - start > 19 {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    /// `UID`, `INTERNALDATE`, `BODY[HEADER.FIELDS (DATE FROM)]`, `BODY[]<0>`: up to a space
    /// outside brackets.
    fn item_name(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        let mut depth = 0;
        while let Some(b) = self.peek() {
            match b {
                b'[' => depth += 1,
                b']' => depth -= 1,
                b' ' | b'(' | b')' if depth == 0 => break,
                _ => {}
            }
            self.i += 1;
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// A quoted string (escapes left in: dates and headers have none), a literal, or NIL.
    fn string(&mut self) -> Option<&'a [u8]> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                let start = self.i;
                while let Some(b) = self.peek() {
                    match b {
                        b'\\' => self.i += 2,
                        b'"' => break,
                        _ => self.i += 1,
                    }
                }
                let end = self.i.min(self.s.len());
                self.i = end + 1;
                Some(&self.s[start..end])
            }
            b'{' => {
                self.i += 1;
                let size = usize::try_from(self.number()?).ok()?;
                self.eat(b'+');
                if !self.eat(b'}') {
                    return None;
                }
                self.eat(b'\r');
                self.eat(b'\n');
                let start = self.i;
                let end = start.checked_add(size)?.min(self.s.len());
                self.i = end;
                Some(&self.s[start..end])
            }
            _ => {
                self.keyword(b"NIL");
                None
            }
        }
    }

    /// Skips one value: a string, a number, an atom or a parenthesized list. `depth` counts
    /// the lists around it (the FETCH list is 1); beyond [`MAX_DEPTH`] the parse stops.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' | b'{' => {
                self.string();
            }
            b'(' => {
                if depth >= MAX_DEPTH {
                    self.too_deep = true;
                    return None;
                }
                self.i += 1;
                loop {
                    self.space();
                    match self.peek()? {
                        b')' => {
                            self.i += 1;
                            break;
                        }
                        _ => self.skip_value(depth + 1)?,
                    }
                }
            }
            _ => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b' ' | b'(' | b')'))
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
            }
        }
        Some(())
    }
}

/// The header fields a harvest reads, unfolded, as raw bytes.
#[derive(Debug, Default)]
pub struct Fields<'a> {
    pub date: Option<&'a [u8]>,
    pub from: Vec<&'a [u8]>,
    pub to: Vec<&'a [u8]>,
}

/// Splits a header block into the fields we need. Unfolding is left to the address parser,
/// which reads CR/LF as space. A line without a colon is ignored.
pub fn header_fields(header: &[u8]) -> Fields<'_> {
    let mut fields = Fields::default();
    let mut start = 0;
    let n = header.len();
    while start < n {
        // One field: up to a line break not followed by whitespace.
        let mut end = start;
        loop {
            match header[end..].iter().position(|&b| b == b'\n') {
                None => {
                    end = n;
                    break;
                }
                Some(at) => {
                    end += at + 1;
                    if end >= n || !matches!(header[end], b' ' | b'\t') {
                        break;
                    }
                }
            }
        }
        let field = &header[start..end];
        start = end;
        let Some(colon) = field.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = field[..colon].trim_ascii();
        let value = field[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"from") {
            fields.from.push(value);
        } else if name.eq_ignore_ascii_case(b"to")
            || name.eq_ignore_ascii_case(b"cc")
            || name.eq_ignore_ascii_case(b"bcc")
        {
            fields.to.push(value);
        } else if name.eq_ignore_ascii_case(b"date") && fields.date.is_none() {
            fields.date = Some(value);
        }
    }
    fields
}

/// A `Date:` header (RFC 5322, with the usual sloppiness) as Unix seconds.
pub fn parse_date(raw: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(raw);
    // Drop a trailing comment such as "(UTC)" or "(CET)" and collapse whitespace.
    let text = match text.find('(') {
        Some(at) => &text[..at],
        None => &text[..],
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Ok(date) = DateTime::parse_from_rfc2822(&text) {
        return Some(date.timestamp());
    }
    // Without the weekday, or with a zone name chrono does not know: read it as UTC.
    let without_weekday = text
        .split_once(", ")
        .map_or(text.as_str(), |(_, rest)| rest);
    let mut parts: Vec<&str> = without_weekday.split(' ').collect();
    if parts.len() >= 4 {
        parts.truncate(4);
        let joined = parts.join(" ");
        for format in ["%d %b %Y %H:%M:%S", "%d %b %Y %H:%M"] {
            if let Ok(date) = NaiveDateTime::parse_from_str(&joined, format) {
                return Some(date.and_utc().timestamp());
            }
        }
    }
    None
}

/// INTERNALDATE (`25-Nov-2026 10:00:00 +0000`) as Unix seconds.
pub fn parse_internal_date(raw: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(raw).ok()?.trim();
    DateTime::parse_from_str(text, "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|date| date.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fetch_items_in_any_order() {
        let header = b"From: a@example.com\r\nTo: b@example.com\r\n\r\n";
        let mut line = b"12 FETCH (INTERNALDATE \"25-Nov-2026 10:00:00 +0000\" UID 345 BODY[HEADER.FIELDS (DATE FROM TO CC BCC)] {".to_vec();
        line.extend_from_slice(header.len().to_string().as_bytes());
        line.extend_from_slice(b"}\r\n");
        line.extend_from_slice(header);
        line.extend_from_slice(b" FLAGS (\\Seen))");
        let fetched = parse_fetch(&line).unwrap().expect("a FETCH");
        assert_eq!(fetched.uid, Some(345));
        assert_eq!(fetched.header, Some(&header[..]));
        assert_eq!(
            parse_internal_date(fetched.internal_date.unwrap()),
            Some(1_795_600_800)
        );
        assert_eq!(parse_fetch(b"3 EXISTS"), Ok(None));
        assert_eq!(
            parse_fetch(b"1 FETCH (UID 7 BODY[HEADER.FIELDS (FROM)] NIL)")
                .unwrap()
                .unwrap()
                .uid,
            Some(7)
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed_into() {
        let nested = |depth: usize| {
            let mut line = b"1 FETCH (UID 5 X ".to_vec();
            line.extend(std::iter::repeat_n(b'(', depth));
            line.extend(std::iter::repeat_n(b')', depth));
            line.push(b')');
            line
        };
        // The FETCH list itself is level 1.
        let fine = nested(MAX_DEPTH - 1);
        assert_eq!(parse_fetch(&fine).unwrap().unwrap().uid, Some(5));
        assert_eq!(parse_fetch(&nested(MAX_DEPTH)), Err(TooDeep));
        // What crashed the process: 140,000 `(` in one line (no closing ones).
        let mut hostile = b"1 FETCH (UID 5 X ".to_vec();
        hostile.extend(std::iter::repeat_n(b'(', 140_000));
        assert_eq!(parse_fetch(&hostile), Err(TooDeep));
    }

    /// Arbitrary bytes, and bytes made of FETCH's own tokens, never panic (proptest; raise the
    /// cases with `PROPTEST_CASES`).
    #[test]
    fn fetch_and_header_parsers_take_any_bytes() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::default());
        let token = prop_oneof![
            Just(b"1 FETCH (".to_vec()),
            Just(b"UID ".to_vec()),
            Just(b"INTERNALDATE ".to_vec()),
            Just(b"BODY[HEADER.FIELDS (FROM)] ".to_vec()),
            Just(b"{5}\r\n".to_vec()),
            Just(b"{99999999999999999999}".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"[".to_vec()),
            Just(b"]".to_vec()),
            Just(b"NIL ".to_vec()),
            Just(b"From: a@b\r\n".to_vec()),
            Just(b"Date: Tue, 1 Jul 2025 08:00:00 +0000\r\n".to_vec()),
            Just(b"\r\n ".to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ];
        let line = prop::collection::vec(token, 0..60).prop_map(|parts| parts.concat());
        runner
            .run(&line, |bytes| {
                if let Ok(Some(fetched)) = parse_fetch(&bytes) {
                    if let Some(header) = fetched.header {
                        let fields = header_fields(header);
                        let _ = fields.date.map(parse_date);
                    }
                    let _ = fetched.internal_date.map(parse_internal_date);
                }
                let _ = header_fields(&bytes);
                let _ = parse_date(&bytes);
                let _ = parse_internal_date(&bytes);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn splits_folded_header_fields() {
        let fields = header_fields(
            b"From: \"Doe, Jane\"\r\n <jane@example.com>\r\nCC: x@example.com\r\nto: y@example.com\r\nDate: Tue, 1 Jul 2025 10:00:00 +0200\r\nbroken line\r\n\r\n",
        );
        assert_eq!(fields.from, [&b"\"Doe, Jane\"\r\n <jane@example.com>"[..]]);
        assert_eq!(fields.to.len(), 2);
        assert_eq!(parse_date(fields.date.unwrap()), Some(1_751_356_800));
    }

    #[test]
    fn sloppy_dates() {
        assert_eq!(
            parse_date(b"Tue, 1 Jul 2025 08:00:00 +0000 (UTC)"),
            Some(1_751_356_800)
        );
        assert_eq!(parse_date(b"1 Jul 2025 08:00:00 GMT"), Some(1_751_356_800));
        assert_eq!(
            parse_date(b"Tue, 1 Jul 2025 08:00:00 XYZ"),
            Some(1_751_356_800)
        );
        assert_eq!(parse_date(b"yesterday"), None);
    }
}
