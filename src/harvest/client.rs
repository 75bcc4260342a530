//! The IMAP conversation of a harvest, after the probe's connection layer logged in
//! (`probe::open`: deadline-bounded connect, TLS or STARTTLS, LOGIN, failures worded alike).
//!
//! Commands are written with tags `h1`, `h2`, … and may be pipelined (several written before
//! any answer is read: RFC 9051 §5.5). Responses are read one at a time into a reused buffer,
//! literals inline (`{n}\r\n` + n bytes), so a FETCH of 25,000 messages is parsed as it
//! streams in and memory stays flat. Every response is capped: a line at [`MAX_LINE`], a
//! literal at [`MAX_LITERAL`] (a bigger one is read and discarded, and reported as such).

use std::io::{self, Read, Write};

use crate::imap::connection::Connection;
use crate::imap::error::sanitize;
use crate::imap::wire::{push_quoted, trailing_literal};

/// Longest response line (without literals) we accept.
pub const MAX_LINE: usize = 1024 * 1024;
/// Largest literal kept; a bigger one is skipped (its message counted as malformed).
pub const MAX_LITERAL: usize = 4 * 1024 * 1024;
/// Largest literal skipped over; a bigger announcement is nonsense, not mail.
const MAX_SKIP: usize = 1024 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connection to the IMAP server lost: {0}")]
    Io(#[from] io::Error),
    #[error("the IMAP server sent a response line longer than 1 MiB; giving up")]
    LineTooLong,
    #[error("unexpected IMAP response: {0}")]
    Protocol(String),
    /// The server was too slow for the harvest's pace rule (`--help` says it).
    #[error("{0}; giving up (see `mailboxes harvest --help`: Timeouts)")]
    Stalled(String),
}

/// One complete response, literals inline, without the final CRLF.
pub struct Response<'a> {
    pub bytes: &'a [u8],
    /// A literal larger than [`MAX_LITERAL`] was dropped from it.
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
}

/// A tagged completion: `OK`, `NO` or `BAD`, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub ok: bool,
    pub text: String,
}

pub struct Client {
    session: Option<Connection>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    response: Vec<u8>,
    tag: u32,
    bytes_read: u64,
}

impl Client {
    pub fn new(session: Connection) -> Client {
        Client {
            session: Some(session),
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            response: Vec::with_capacity(16 * 1024),
            tag: 0,
            bytes_read: 0,
        }
    }

    /// Whether LOGIN's answer listed capability `name` (`None`: it listed none).
    pub fn has_capability(&self, name: &str) -> Option<bool> {
        self.session.as_ref()?.has_capability(name)
    }

    pub fn round_trips(&self) -> u32 {
        self.session.as_ref().map_or(0, Connection::round_trips)
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Queues `command` (without tag or CRLF) and returns its tag. Nothing is sent until
    /// [`Client::flush`], so several commands go out in one packet.
    pub fn send(&mut self, command: &str) -> Result<String, ClientError> {
        self.tag += 1;
        let tag = format!("h{}", self.tag);
        log::debug!("harvest: C: {tag} {command}");
        let session = self.session.as_mut().ok_or_else(not_connected)?;
        session.write_all(format!("{tag} {command}\r\n").as_bytes())?;
        Ok(tag)
    }

    pub fn flush(&mut self) -> Result<(), ClientError> {
        let session = self.session.as_mut().ok_or_else(not_connected)?;
        session.flush()?;
        Ok(())
    }

    /// The next response; valid until the next call.
    pub fn next(&mut self) -> Result<Response<'_>, ClientError> {
        self.response.clear();
        let mut truncated = false;
        loop {
            let line_start = self.response.len();
            self.read_line()?;
            let line = &self.response[line_start..];
            match trailing_literal(line).map(|size| usize::try_from(size).unwrap_or(usize::MAX)) {
                None => {
                    // Drop the CRLF.
                    while matches!(self.response.last(), Some(b'\r' | b'\n')) {
                        self.response.pop();
                    }
                    break;
                }
                Some(size) if size <= MAX_LITERAL => self.read_exact_into(size)?,
                Some(size) if size > MAX_SKIP => {
                    return Err(ClientError::Protocol(format!(
                        "server announced a literal of {size} bytes"
                    )))
                }
                Some(size) => {
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

    /// Reads responses until the completion of `tag`, handing each untagged one to `each`.
    pub fn complete(
        &mut self,
        tag: &str,
        mut each: impl FnMut(&Response<'_>),
    ) -> Result<Completion, ClientError> {
        self.complete_with(tag, |response| {
            each(response);
            Ok(())
        })
    }

    /// [`Client::complete`] where `each` may end the read with an error.
    pub fn complete_with(
        &mut self,
        tag: &str,
        mut each: impl FnMut(&Response<'_>) -> Result<(), ClientError>,
    ) -> Result<Completion, ClientError> {
        if let Some(session) = &self.session {
            session.start_answer();
        }
        loop {
            let response = self.next()?;
            let (got, rest) = response.split_tag();
            if got == tag.as_bytes() {
                let text = String::from_utf8_lossy(rest).into_owned();
                let ok = text.len() >= 2 && text[..2].eq_ignore_ascii_case("OK");
                return Ok(Completion { ok, text });
            }
            if got == b"*" {
                if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"BYE") {
                    log::info!("harvest: server says {}", shown(response.bytes));
                }
                each(&response)?;
                continue;
            }
            if got == b"+" {
                return Err(ClientError::Protocol(
                    "server asked for more input where none was due".into(),
                ));
            }
            // The completion of an earlier pipelined command arriving here is a bug upstream.
            return Err(ClientError::Protocol(shown(response.bytes)));
        }
    }

    /// Sends LOGOUT without waiting, and closes.
    pub fn logout(mut self) {
        if self.send("LOGOUT").is_ok() {
            let _ = self.flush();
        }
        if let Some(session) = self.session.take() {
            session.close();
        }
    }

    fn fill(&mut self) -> Result<(), ClientError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        let session = self.session.as_mut().ok_or_else(not_connected)?;
        loop {
            match session.read(&mut self.buf[self.end..]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => {
                    self.end += n;
                    self.bytes_read += n as u64;
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                    return Err(ClientError::Stalled(err.to_string()))
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Appends one line, CRLF included, to `self.response`.
    fn read_line(&mut self) -> Result<(), ClientError> {
        let mut taken = 0usize;
        loop {
            let window = &self.buf[self.start..self.end];
            if let Some(at) = window.iter().position(|&b| b == b'\n') {
                self.response.extend_from_slice(&window[..=at]);
                self.start += at + 1;
                return Ok(());
            }
            taken += window.len();
            if taken > MAX_LINE {
                return Err(ClientError::LineTooLong);
            }
            self.response.extend_from_slice(window);
            self.start = self.end;
            self.fill()?;
        }
    }

    fn read_exact_into(&mut self, mut size: usize) -> Result<(), ClientError> {
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

    fn skip(&mut self, mut size: usize) -> Result<(), ClientError> {
        while size > 0 {
            if self.start == self.end {
                self.fill()?;
            }
            let take = size.min(self.end - self.start);
            self.start += take;
            size -= take;
        }
        Ok(())
    }
}

fn not_connected() -> ClientError {
    ClientError::Io(io::ErrorKind::NotConnected.into())
}

/// A quoted string with `"` and `\` escaped, for a mailbox name already in modified UTF-7
/// (printable ASCII: nothing in it can end the command line).
pub fn quote(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len() + 2);
    push_quoted(&mut out, name);
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

/// A response made safe and short for an error message (the probe's rules for server text).
pub fn shown(bytes: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(bytes))
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

    #[test]
    fn names_are_quoted() {
        assert_eq!(quote(r#"Sent "x"\y"#), r#""Sent \"x\"\\y""#);
    }
}
