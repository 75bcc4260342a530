//! The few bits of IMAP (RFC 9051 / RFC 3501) the probe speaks: reading bounded response lines,
//! parsing status responses with their `[CODE]`, and encoding LOGIN's arguments.
//!
//! Responses are read by the one reader (`super::reader`): for the probe, at most [`MAX_LINE`]
//! of text; a literal (`{n}`) is skipped, and one larger than what the read budget still
//! allows fails at once instead of being read or allocated.
//! LOGIN arguments are quoted strings with `"` and `\` escaped (Gmail App Passwords contain
//! spaces); 8-bit text, which a quoted string cannot carry, is sent as a literal; CR, LF and NUL
//! cannot be sent at all and are refused before connecting, so nothing can be injected.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::rc::Rc;

use zeroize::Zeroizing;

use super::deadline::{DeadlineStream, Meter};
use super::reader::{Limits, Reader};

/// Longest response line we accept, literals included. Capability lists are well under 4 kB.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// The connection, plain or TLS, both over a [`DeadlineStream`].
pub(crate) enum Stream {
    Plain(DeadlineStream),
    Tls(Box<super::tls::TlsStream>),
}

impl Stream {
    /// The deadline-bounded TCP stream under the (possible) TLS layer.
    pub(crate) fn deadline_stream_mut(&mut self) -> &mut DeadlineStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_mut(),
        }
    }

    /// Sends TLS close_notify (if TLS) and closes the socket, without waiting for anything.
    pub(crate) fn close(self) {
        match self {
            Stream::Plain(stream) => stream.shutdown(),
            Stream::Tls(mut tls) => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                tls.get_ref().shutdown();
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

pub(crate) use super::reader::ReadError as WireError;

/// The probe's side of a connection: commands written, responses read through the one
/// [`Reader`], at most [`MAX_LINE`] of text each, every literal skipped (the probe never needs
/// their content), and one the read budget could never hold refused before it is read.
pub(crate) struct Wire {
    reader: Reader<Stream>,
    meter: Rc<Meter>,
}

impl Wire {
    pub(crate) fn new(stream: Stream, meter: Rc<Meter>) -> Self {
        let limits = Limits {
            line: MAX_LINE,
            keep_literal: 0,
            skip_literal: meter.budget_left(),
        };
        Wire {
            reader: Reader::new(stream, limits),
            meter,
        }
    }

    /// The plain stream back, for the TLS handshake after STARTTLS. `Err` if the server already
    /// sent more (bytes it sent before TLS must not be read as if they came after: RFC 9051
    /// §6.2.1, CVE-2011-0411-style injection), or if the stream is already TLS.
    pub(crate) fn into_plain(self) -> Result<DeadlineStream, ()> {
        match self.reader.into_parts() {
            (Stream::Plain(stream), unread) if unread.is_empty() => Ok(stream),
            _ => Err(()),
        }
    }

    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let stream = self.reader.get_mut();
        stream.write_all(bytes)?;
        stream.flush()
    }

    /// Sends TLS close_notify (if TLS) and closes the socket, without waiting for anything.
    pub(crate) fn close(self) {
        self.reader.into_parts().0.close();
    }

    /// The stream and whatever the server sent that was read but not consumed yet.
    pub(crate) fn into_parts(self) -> (Stream, Vec<u8>) {
        self.reader.into_parts()
    }

    /// One response without its CRLF, literals skipped (`{0}` in their place).
    pub(crate) fn read_line(&mut self) -> Result<String, WireError> {
        let limits = Limits {
            skip_literal: self.meter.budget_left(),
            ..self.reader.limits()
        };
        self.reader.set_limits(limits);
        Ok(self.reader.next()?.text())
    }
}

/// `value` as an IMAP quoted string, `"` and `\` escaped (the caller checked it holds no CR,
/// LF or NUL).
pub(crate) fn push_quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    for b in value.bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    No,
    Bad,
    Bye,
    PreAuth,
}

/// `[NAME args]` at the start of a response text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Code {
    pub(crate) name: String,
    pub(crate) args: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Response {
    /// `* OK|NO|BAD|BYE|PREAUTH [code] text`
    Status {
        status: Status,
        code: Option<Code>,
        text: String,
    },
    /// `* CAPABILITY …`
    Capability(Capabilities),
    /// Any other untagged data (`* 3 EXISTS`, …): irrelevant to a probe.
    Data,
    /// `+ …`
    Continuation,
    /// `tag OK|NO|BAD [code] text`
    Tagged {
        tag: String,
        status: Status,
        code: Option<Code>,
        text: String,
    },
    /// Anything else.
    Garbage,
}

/// Capability names, upper-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Capabilities(HashSet<String>);

impl Capabilities {
    fn parse(list: &str) -> Self {
        Capabilities(
            list.split_ascii_whitespace()
                .map(str::to_ascii_uppercase)
                .collect(),
        )
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains(name)
    }

    /// Capabilities carried by a `[CAPABILITY …]` response code.
    pub(crate) fn from_code(code: Option<&Code>) -> Option<Self> {
        code.filter(|c| c.name == "CAPABILITY")
            .map(|c| Capabilities::parse(&c.args))
    }
}

pub(crate) fn parse(line: &str) -> Response {
    if line == "+" || line.starts_with("+ ") {
        return Response::Continuation;
    }
    let Some((first, rest)) = line.split_once(' ') else {
        return Response::Garbage;
    };
    let (word, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let status = match word.to_ascii_uppercase().as_str() {
        "OK" => Some(Status::Ok),
        "NO" => Some(Status::No),
        "BAD" => Some(Status::Bad),
        "BYE" => Some(Status::Bye),
        "PREAUTH" => Some(Status::PreAuth),
        "CAPABILITY" if first == "*" => return Response::Capability(Capabilities::parse(rest)),
        _ => None,
    };
    let (code, text) = split_code(rest);
    match (first, status) {
        ("*", Some(status)) => Response::Status { status, code, text },
        ("*", None) => Response::Data,
        (tag, Some(status @ (Status::Ok | Status::No | Status::Bad)))
            if !tag.is_empty() && tag.bytes().all(is_tag_char) =>
        {
            Response::Tagged {
                tag: tag.to_owned(),
                status,
                code,
                text,
            }
        }
        _ => Response::Garbage,
    }
}

fn is_tag_char(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b'+')
}

/// `[NAME args] text` → (code, text).
fn split_code(rest: &str) -> (Option<Code>, String) {
    let Some(inside) = rest.strip_prefix('[') else {
        return (None, rest.trim().to_owned());
    };
    let Some(close) = inside.find(']') else {
        return (None, rest.trim().to_owned());
    };
    let (name, args) = inside[..close]
        .split_once(' ')
        .unwrap_or((&inside[..close], ""));
    let code = Code {
        name: name.to_ascii_uppercase(),
        args: args.trim().to_owned(),
    };
    (Some(code), inside[close + 1..].trim().to_owned())
}

/// Whether a user name or password can be sent at all. CR and LF would end the command (and let
/// the rest be read as a new one); NUL is not allowed in IMAP strings.
pub(crate) fn sendable(value: &str) -> bool {
    !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// Which literals the server accepts without a "+" continuation first (RFC 7888).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Literals {
    /// Neither LITERAL+ nor LITERAL-: every literal waits for "+".
    Synchronizing,
    /// LITERAL+: any literal may be sent at once (`{n+}`).
    Plus,
    /// LITERAL-: only literals of up to [`LITERAL_MINUS_MAX`] bytes may; bigger ones wait.
    Minus,
}

/// The largest non-synchronizing literal LITERAL- allows (RFC 7888 §5); a server answers a
/// bigger `{n+}` with BAD.
pub(crate) const LITERAL_MINUS_MAX: usize = 4096;

impl Literals {
    /// From the capabilities that hold on this connection; LITERAL+ wins when both are listed.
    pub(crate) fn of(caps: &Capabilities) -> Self {
        if caps.has("LITERAL+") {
            Literals::Plus
        } else if caps.has("LITERAL-") {
            Literals::Minus
        } else {
            Literals::Synchronizing
        }
    }

    fn non_synchronizing(self, size: usize) -> bool {
        match self {
            Literals::Synchronizing => false,
            Literals::Plus => true,
            Literals::Minus => size <= LITERAL_MINUS_MAX,
        }
    }
}

/// The `LOGIN` command for `tag`, split where the server must first say "+ go ahead" to a
/// synchronizing literal. A literal the server takes at once (`literals`) is sent as `{n+}` in
/// the same chunk. Buffers are zeroed on drop.
pub(crate) fn login_command(
    tag: &str,
    user: &str,
    password: &str,
    literals: Literals,
) -> Vec<Zeroizing<Vec<u8>>> {
    let capacity = tag.len() + 2 * (user.len() + password.len()) + 40;
    let fresh = || Zeroizing::new(Vec::with_capacity(capacity));
    let mut chunks = Vec::new();
    let mut current = fresh();
    current.extend_from_slice(tag.as_bytes());
    current.extend_from_slice(b" LOGIN");
    for value in [user, password] {
        current.push(b' ');
        if value.is_ascii() {
            push_quoted(&mut current, value);
        } else if literals.non_synchronizing(value.len()) {
            current.extend_from_slice(format!("{{{}+}}\r\n", value.len()).as_bytes());
            current.extend_from_slice(value.as_bytes());
        } else {
            current.extend_from_slice(format!("{{{}}}\r\n", value.len()).as_bytes());
            chunks.push(std::mem::replace(&mut current, fresh()));
            current.extend_from_slice(value.as_bytes());
        }
    }
    current.extend_from_slice(b"\r\n");
    chunks.push(current);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(chunks: &[Zeroizing<Vec<u8>>]) -> Vec<String> {
        chunks
            .iter()
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn login_quotes_spaces_quotes_and_backslashes() {
        let chunks = login_command(
            "a1",
            "me@example.com",
            r#"abcd efgh "ij" k\l"#,
            Literals::Synchronizing,
        );
        assert_eq!(
            joined(&chunks),
            ["a1 LOGIN \"me@example.com\" \"abcd efgh \\\"ij\\\" k\\\\l\"\r\n"]
        );
    }

    #[test]
    fn login_sends_8bit_text_as_literals() {
        let sync = login_command("a1", "jörg", "pässwörd", Literals::Synchronizing);
        assert_eq!(
            joined(&sync),
            ["a1 LOGIN {5}\r\n", "jörg {10}\r\n", "pässwörd\r\n"]
        );
        let nonsync = login_command("a1", "joe", "pässwörd", Literals::Plus);
        assert_eq!(joined(&nonsync), ["a1 LOGIN \"joe\" {10+}\r\npässwörd\r\n"]);
        let minus = login_command("a1", "joe", "pässwörd", Literals::Minus);
        assert_eq!(joined(&minus), joined(&nonsync));
    }

    #[test]
    fn literal_minus_waits_for_the_server_above_4096_bytes() {
        let at_limit = "é".repeat(2048);
        let chunks = login_command("a1", "joe", &at_limit, Literals::Minus);
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].starts_with(b"a1 LOGIN \"joe\" {4096+}\r\n"));
        let over = format!("{at_limit}x");
        let chunks = login_command("a1", "joe", &over, Literals::Minus);
        assert_eq!(chunks.len(), 2);
        assert_eq!(&chunks[0][..], b"a1 LOGIN \"joe\" {4097}\r\n");
        // LITERAL+ has no such limit.
        assert_eq!(login_command("a1", "joe", &over, Literals::Plus).len(), 1);
        let caps = Capabilities::parse("IMAP4rev1 LITERAL-");
        assert_eq!(Literals::of(&caps), Literals::Minus);
        let caps = Capabilities::parse("IMAP4rev1 LITERAL- LITERAL+");
        assert_eq!(Literals::of(&caps), Literals::Plus);
        assert_eq!(
            Literals::of(&Capabilities::default()),
            Literals::Synchronizing
        );
    }

    #[test]
    fn line_breaks_and_nul_cannot_be_sent() {
        assert!(sendable("abcd efgh ijkl mnop"));
        assert!(!sendable("secret\n"));
        assert!(!sendable("a\rb"));
        assert!(!sendable("a\0b"));
    }

    #[test]
    fn parses_status_responses_with_codes() {
        assert_eq!(
            parse("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot ready."),
            Response::Status {
                status: Status::Ok,
                code: Some(Code {
                    name: "CAPABILITY".into(),
                    args: "IMAP4rev1 STARTTLS LOGINDISABLED".into()
                }),
                text: "Dovecot ready.".into()
            }
        );
        assert_eq!(
            parse("a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
            Response::Tagged {
                tag: "a1".into(),
                status: Status::No,
                code: Some(Code {
                    name: "AUTHENTICATIONFAILED".into(),
                    args: String::new()
                }),
                text: "Invalid credentials (Failure)".into()
            }
        );
        assert_eq!(parse("+ go ahead"), Response::Continuation);
        assert_eq!(parse("* 3 EXISTS"), Response::Data);
        assert_eq!(parse("HTTP/1.1 400 Bad Request"), Response::Garbage);
        assert_eq!(parse("SSH-2.0-OpenSSH_9.6"), Response::Garbage);
        let Response::Capability(caps) = parse("* CAPABILITY IMAP4rev1 starttls") else {
            panic!("not a capability response");
        };
        assert!(caps.has("STARTTLS"));
    }
}
