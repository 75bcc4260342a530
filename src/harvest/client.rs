//! The IMAP conversation of a harvest, after the probe's connection layer logged in
//! (`probe::open`: deadline-bounded connect, TLS or STARTTLS, LOGIN, failures worded alike).
//!
//! Commands are written with tags `h1`, `h2`, … and may be pipelined (several written before
//! any answer is read: RFC 9051 §5.5). Responses come from the IMAP layer's one reader
//! (`imap::reader`), literals inline, capped for harvest: a response's text at [`MAX_LINE`], a
//! literal at [`MAX_LITERAL`] (a bigger one is read and discarded, and reported as such).

use std::io::{self, Write};

use crate::imap::connection::Connection;
use crate::imap::error::sanitize;
pub use crate::imap::reader::Response;
use crate::imap::reader::{Limits, ReadError, Reader};
use crate::imap::wire::push_quoted;
use crate::secret::Masker;

/// Longest response line (without literals) we accept.
pub const MAX_LINE: usize = 1024 * 1024;
/// Largest literal kept; a bigger one is skipped (its message counted as malformed).
pub const MAX_LITERAL: usize = 4 * 1024 * 1024;
/// Largest literal skipped over; a bigger announcement is nonsense, not mail.
const MAX_SKIP: u64 = 1024 * 1024 * 1024;

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

/// A tagged completion: `OK`, `NO` or `BAD`, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub ok: bool,
    pub text: String,
}

pub struct Client {
    reader: Option<Reader<Connection>>,
    tag: u32,
    /// Hides the credentials in server text (a completion's text, a logged BYE).
    masker: Masker,
}

impl Client {
    pub fn new(connection: Connection) -> Client {
        let limits = Limits {
            line: MAX_LINE,
            keep_literal: MAX_LITERAL,
            skip_literal: MAX_SKIP,
        };
        Client {
            masker: connection.masker().clone(),
            reader: Some(Reader::new(connection, limits)),
            tag: 0,
        }
    }

    fn connection(&self) -> Option<&Connection> {
        self.reader.as_ref().map(Reader::get_ref)
    }

    /// Whether LOGIN's answer listed capability `name` (`None`: it listed none).
    pub fn has_capability(&self, name: &str) -> Option<bool> {
        self.connection()?.has_capability(name)
    }

    pub fn round_trips(&self) -> u32 {
        self.connection().map_or(0, Connection::round_trips)
    }

    pub fn bytes_read(&self) -> u64 {
        self.reader.as_ref().map_or(0, Reader::bytes_read)
    }

    /// Queues `command` (without tag or CRLF) and returns its tag. Nothing is sent until
    /// [`Client::flush`], so several commands go out in one packet.
    pub fn send(&mut self, command: &str) -> Result<String, ClientError> {
        self.tag += 1;
        let tag = format!("h{}", self.tag);
        log::debug!("harvest: C: {tag} {command}");
        let reader = self.reader.as_mut().ok_or_else(not_connected)?;
        reader
            .get_mut()
            .write_all(format!("{tag} {command}\r\n").as_bytes())?;
        Ok(tag)
    }

    pub fn flush(&mut self) -> Result<(), ClientError> {
        let reader = self.reader.as_mut().ok_or_else(not_connected)?;
        reader.get_mut().flush()?;
        Ok(())
    }

    /// The next response; valid until the next call.
    pub fn next(&mut self) -> Result<Response<'_>, ClientError> {
        let reader = self.reader.as_mut().ok_or_else(not_connected)?;
        reader.next().map_err(|err| match err {
            ReadError::Io(err) if err.kind() == io::ErrorKind::TimedOut => {
                ClientError::Stalled(err.to_string())
            }
            ReadError::Io(err) => ClientError::Io(err),
            ReadError::LineTooLong => ClientError::LineTooLong,
            ReadError::LiteralTooLarge(size) => {
                ClientError::Protocol(format!("server announced a literal of {size} bytes"))
            }
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
        if let Some(connection) = self.connection() {
            connection.start_answer();
        }
        let masker = self.masker.clone();
        let shown = |bytes: &[u8]| shown(masker.mask(&String::from_utf8_lossy(bytes)).as_bytes());
        loop {
            let response = self.next()?;
            let (got, rest) = response.split_tag();
            if got == tag.as_bytes() {
                let text = masker.mask(&String::from_utf8_lossy(rest));
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
        if let Some(reader) = self.reader.take() {
            reader.into_parts().0.close();
        }
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
    fn names_are_quoted() {
        assert_eq!(quote(r#"Sent "x"\y"#), r#""Sent \"x\"\\y""#);
    }
}
