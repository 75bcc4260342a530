//! The one IMAP response reader: a whole response at a time (a line, and each literal it
//! announces with the text after it), from any byte stream, every part of it bounded.
//!
//! Bounds ([`Limits`]): the text of a response (without literal bodies) at `line`; a literal
//! is kept inline up to `keep_literal` bytes, and a bigger one up to `skip_literal` is read
//! and dropped, `{0}` standing in its place (the response says it was `truncated`); a literal
//! announced beyond `skip_literal` fails at once, before a byte of it is read or allocated.
//! Time is bounded by the stream (`deadline::DeadlineStream`: one overall deadline, an idle
//! timeout, a byte budget, a pace). Reads go through one reused buffer, so a FETCH of 25,000
//! messages is parsed as it streams in and memory stays flat.

use std::io::{self, Read};

/// How much of a response is read (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub line: usize,
    pub keep_literal: usize,
    pub skip_literal: u64,
}

#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// The response's text is longer than [`Limits::line`].
    LineTooLong,
    /// A literal of this many bytes was announced, beyond [`Limits::skip_literal`].
    LiteralTooLarge(u64),
}

impl From<io::Error> for ReadError {
    fn from(err: io::Error) -> ReadError {
        ReadError::Io(err)
    }
}

/// One complete response, literals inline, without the final CRLF.
pub struct Response<'a> {
    pub bytes: &'a [u8],
    /// A literal larger than [`Limits::keep_literal`] was dropped from it.
    pub truncated: bool,
}

impl Response<'_> {
    /// The tag (or `*`, `+`) and the rest.
    pub fn split_tag(&self) -> (&[u8], &[u8]) {
        match self.bytes.iter().position(|&b| b == b' ') {
            Some(at) => (&self.bytes[..at], &self.bytes[at + 1..]),
            None => (self.bytes, &[]),
        }
    }

    /// The response as text (8-bit bytes that are not UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.bytes).into_owned()
    }
}

pub struct Reader<S> {
    stream: S,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    response: Vec<u8>,
    limits: Limits,
    bytes_read: u64,
}

impl<S: Read> Reader<S> {
    pub fn new(stream: S, limits: Limits) -> Reader<S> {
        Reader {
            stream,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            response: Vec::new(),
            limits,
            bytes_read: 0,
        }
    }

    /// Changes the limits for the responses read from now on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, to write commands to.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Bytes read from the stream so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Bytes the server sent that were read but not consumed yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The stream back, with what was read from it but not consumed.
    pub fn into_parts(self) -> (S, Vec<u8>) {
        let unread = self.buf[self.start..self.end].to_vec();
        (self.stream, unread)
    }

    /// The next response; valid until the next call.
    pub fn next(&mut self) -> Result<Response<'_>, ReadError> {
        self.response.clear();
        let mut truncated = false;
        let mut text = 0usize;
        loop {
            let line_start = self.response.len();
            self.read_line(&mut text)?;
            let line = &self.response[line_start..];
            let Some(size) = trailing_literal(line) else {
                while matches!(self.response.last(), Some(b'\r' | b'\n')) {
                    self.response.pop();
                }
                break;
            };
            if size
                > self
                    .limits
                    .skip_literal
                    .saturating_add(self.buffered().len() as u64)
            {
                return Err(ReadError::LiteralTooLarge(size));
            }
            match usize::try_from(size) {
                Ok(size) if size <= self.limits.keep_literal => self.read_exact_into(size)?,
                _ => {
                    // Too large to keep: skip it, and say `{0}` in its place.
                    truncated = true;
                    while matches!(self.response.last(), Some(b'\r' | b'\n')) {
                        self.response.pop();
                    }
                    let open = self.response.iter().rposition(|&b| b == b'{').unwrap_or(0);
                    self.response.truncate(open);
                    self.response.extend_from_slice(b"{0}\r\n");
                    self.skip(size)?;
                }
            }
        }
        Ok(Response {
            bytes: &self.response,
            truncated,
        })
    }

    fn fill(&mut self) -> Result<(), ReadError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => {
                    self.end += n;
                    self.bytes_read += n as u64;
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Appends one line, CRLF included, to `self.response`; `text` counts the response's text.
    fn read_line(&mut self, text: &mut usize) -> Result<(), ReadError> {
        loop {
            let window = &self.buf[self.start..self.end];
            let (take, done) = match window.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (window.len(), false),
            };
            *text += take;
            if *text > self.limits.line {
                return Err(ReadError::LineTooLong);
            }
            self.response.extend_from_slice(&window[..take]);
            self.start += take;
            if done {
                return Ok(());
            }
            self.fill()?;
        }
    }

    fn read_exact_into(&mut self, mut size: usize) -> Result<(), ReadError> {
        self.response.reserve(size);
        while size > 0 {
            if self.start == self.end {
                self.fill()?;
            }
            let take = size.min(self.end - self.start);
            self.response
                .extend_from_slice(&self.buf[self.start..self.start + take]);
            self.start += take;
            size -= take;
        }
        Ok(())
    }

    fn skip(&mut self, mut size: u64) -> Result<(), ReadError> {
        while size > 0 {
            if self.start == self.end {
                self.fill()?;
            }
            let take = size.min((self.end - self.start) as u64) as usize;
            self.start += take;
            size -= take as u64;
        }
        Ok(())
    }
}

/// The size `n` when a line ends with a literal announcement `{n}` (or `{n+}`); a trailing
/// CRLF is ignored.
pub(crate) fn trailing_literal(line: &[u8]) -> Option<u64> {
    let mut line = line;
    while let [rest @ .., b'\r' | b'\n'] = line {
        line = rest;
    }
    let inner = line.strip_suffix(b"}")?;
    let inner = inner.strip_suffix(b"+").unwrap_or(inner);
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // More digits than fit in a u64 is "too large", not "not a literal".
    Some(
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(u64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_announcements() {
        assert_eq!(trailing_literal(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(trailing_literal(b"* 1 FETCH (BODY[] {12+}\r\n"), Some(12));
        assert_eq!(trailing_literal(b"* OK done\r\n"), None);
        assert_eq!(trailing_literal(b"* OK {}\r\n"), None);
    }

    const LIMITS: Limits = Limits {
        line: 64,
        keep_literal: 8,
        skip_literal: 1000,
    };

    /// A stream that hands out its bytes `chunk` at a time.
    struct Trickle<'a> {
        bytes: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn all(bytes: &[u8], chunk: usize) -> Vec<Result<(String, bool), String>> {
        let mut reader = Reader::new(Trickle { bytes, chunk }, LIMITS);
        let mut out = Vec::new();
        loop {
            match reader.next() {
                Ok(response) => out.push(Ok((response.text(), response.truncated))),
                Err(ReadError::Io(err)) if err.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(err) => {
                    out.push(Err(format!("{err:?}")));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn literals_are_kept_inline_or_skipped_whatever_the_chunking() {
        let input = b"* OK hi\r\n* 1 FETCH (BODY[] {5}\r\nhello UID 7)\r\n* 2 FETCH (BODY[] {12}\r\nhello world! UID 8)\r\na1 OK done\r\n";
        for chunk in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(
                all(input, chunk),
                [
                    Ok(("* OK hi".to_string(), false)),
                    Ok(("* 1 FETCH (BODY[] {5}\r\nhello UID 7)".to_string(), false)),
                    Ok(("* 2 FETCH (BODY[] {0}\r\n UID 8)".to_string(), true)),
                    Ok(("a1 OK done".to_string(), false)),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn text_and_announced_literals_are_bounded() {
        let long = [b"* OK ".as_slice(), &[b'x'; 100], b"\r\n"].concat();
        assert_eq!(all(&long, 16), [Err("LineTooLong".to_string())]);
        assert_eq!(
            all(b"* OK {1073741824}\r\n", 16),
            [Err("LiteralTooLarge(1073741824)".to_string())]
        );
        // Text split by literals counts as one response's text.
        let many = [
            b"* 1 FETCH (".as_slice(),
            &b"A {1}\r\nx ".repeat(10),
            b")\r\n",
        ]
        .concat();
        assert_eq!(all(&many, 5), [Err("LineTooLong".to_string())]);
    }

    #[test]
    fn what_was_read_past_a_response_is_handed_back() {
        let mut reader = Reader::new(
            Trickle {
                bytes: b"a1 OK begin TLS\r\n\x16\x03\x01",
                chunk: 4096,
            },
            LIMITS,
        );
        assert_eq!(reader.next().unwrap().text(), "a1 OK begin TLS");
        assert_eq!(reader.buffered(), b"\x16\x03\x01");
        let (_, unread) = reader.into_parts();
        assert_eq!(unread, b"\x16\x03\x01");
    }

    #[test]
    fn finds_literal_announcements() {
        assert_eq!(trailing_literal(b"* OK {1073741824}"), Some(1 << 30));
        assert_eq!(trailing_literal(b"* OK {12+}"), Some(12));
        assert_eq!(
            trailing_literal(b"* OK {99999999999999999999999}"),
            Some(u64::MAX)
        );
        assert_eq!(trailing_literal(b"* OK {}"), None);
        assert_eq!(trailing_literal(b"* OK done"), None);
    }
}
