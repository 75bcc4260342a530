//! A small DNS stub client: one question (SRV or MX) to one recursive resolver, over UDP with a
//! TCP retry when the answer is truncated, bounded by one deadline.
//!
//! Why hand-written: discovery needs two record types from the resolver the system already
//! uses, and the maintained resolver crates bring an async runtime. What this file promises:
//! - Every wait is bounded by the [`Deadline`]: a resolver that never answers costs exactly the
//!   time left, not more (UDP is re-sent at growing intervals until then).
//! - The message parser (RFC 1035 §4) never panics and never loops on hostile input: every read
//!   is bounds-checked, compression pointers must point backwards (so they cannot cycle) and a
//!   name is at most 255 bytes, counts from the header are not trusted for allocation.
//! - An answer is accepted only from the server asked, with our random id and our question.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant, SystemTime};

use crate::deadline::Deadline;

/// Record types we ask for or follow (RFC 1035 §3.2.2, RFC 2782).
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_MX: u16 = 15;
pub const TYPE_SRV: u16 = 33;
const CLASS_IN: u16 = 1;

/// A name is at most 255 bytes on the wire (RFC 1035 §2.3.4), a label at most 63.
const MAX_NAME: usize = 255;
const MAX_LABEL: usize = 63;
/// More pointer hops than a 255-byte name could need: a hostile chain ends here at the latest.
const MAX_POINTERS: usize = 128;
/// The largest UDP answer we read; without EDNS a server sends at most 512 bytes.
const UDP_BUFFER: usize = 4096;
/// First wait before re-sending a UDP query; doubled after each silence.
const FIRST_RETRY: Duration = Duration::from_millis(700);
/// CNAME hops followed inside one answer.
const MAX_CNAME_HOPS: usize = 8;

/// Why a lookup gave no answer. Messages are one line and name the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsError {
    /// Nothing (usable) came back before the deadline.
    Timeout { server: SocketAddr, total: Duration },
    /// The server answered with an error code (SERVFAIL, REFUSED, ...).
    Rcode { server: SocketAddr, rcode: u8 },
    /// The server's answer could not be read.
    Malformed { server: SocketAddr, why: String },
    /// The network said no (e.g. nothing listens on that port).
    Io { server: SocketAddr, why: String },
    /// The name cannot be asked for (too long, empty label, ...).
    BadName(String),
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::Timeout { server, total } => write!(
                f,
                "DNS server {server} did not answer within {}",
                seconds(*total)
            ),
            DnsError::Rcode { server, rcode } => {
                write!(f, "DNS server {server} answered {}", rcode_name(*rcode))
            }
            DnsError::Malformed { server, why } => {
                write!(f, "DNS server {server} sent an unreadable answer ({why})")
            }
            DnsError::Io { server, why } => write!(f, "DNS server {server}: {why}"),
            DnsError::BadName(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for DnsError {}

fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

fn rcode_name(rcode: u8) -> String {
    match rcode {
        1 => "FORMERR (it did not understand the question)".into(),
        2 => "SERVFAIL (it could not resolve the name)".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        other => format!("error code {other}"),
    }
}

/// One SRV record (RFC 2782); `target` is "." when the service is not offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

/// One MX record (RFC 1035 §3.3.9); `exchange` is "." for a null MX (RFC 7505).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mx {
    pub preference: u16,
    pub exchange: String,
}

/// The data of one resource record, for the types we read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Srv(Srv),
    Mx(Mx),
    Cname(String),
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name, lowercase, without the final dot (the root is ".").
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub class: u16,
}

/// A parsed message: the header fields we use, the questions and the answer section (authority
/// and additional sections are not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    pub opcode: u8,
    pub truncated: bool,
    pub rcode: u8,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
}

/// Why bytes are not a DNS message. Only ever shown inside [`DnsError::Malformed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub &'static str);

/// Encodes a standard query with recursion desired for `name` (no final dot needed).
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(18 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    out.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    out.extend_from_slice(&[0; 6]); // ANCOUNT, NSCOUNT, ARCOUNT
    encode_name(&mut out, name)?;
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

fn encode_name(out: &mut Vec<u8>, name: &str) -> Result<(), DnsError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut wire_len = 1;
    if !name.is_empty() {
        for label in name.split('.') {
            if label.is_empty() {
                return Err(DnsError::BadName(format!("{name:?} has an empty label")));
            }
            if label.len() > MAX_LABEL {
                return Err(DnsError::BadName(format!(
                    "{name:?} has a label longer than {MAX_LABEL} characters"
                )));
            }
            if !label.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(DnsError::BadName(format!(
                    "{name:?} is not a plain ASCII domain name"
                )));
            }
            wire_len += 1 + label.len();
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    if wire_len > MAX_NAME {
        return Err(DnsError::BadName(format!(
            "{name:?} is longer than {MAX_NAME} characters"
        )));
    }
    out.push(0);
    Ok(())
}

/// Reads a DNS message. Never panics; never allocates by what the header claims.
pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
    let mut reader = Reader { bytes, pos: 0 };
    let id = reader.u16()?;
    let flags = reader.u16()?;
    let qdcount = reader.u16()?;
    let ancount = reader.u16()?;
    let _nscount = reader.u16()?;
    let _arcount = reader.u16()?;
    let mut questions = Vec::new();
    for _ in 0..qdcount {
        let name = reader.name()?;
        let qtype = reader.u16()?;
        let class = reader.u16()?;
        questions.push(Question { name, qtype, class });
    }
    let mut answers = Vec::new();
    for _ in 0..ancount {
        answers.push(reader.record()?);
    }
    Ok(Message {
        id,
        response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0x0f) as u8,
        truncated: flags & 0x0200 != 0,
        rcode: (flags & 0x000f) as u8,
        questions,
        answers,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ParseError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(ParseError("message ends early"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, ParseError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ParseError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A possibly compressed name at the current position (RFC 1035 §4.1.4). Leaves the reader
    /// just after the name as written here (after the first pointer, if any).
    fn name(&mut self) -> Result<String, ParseError> {
        let (name, end) = read_name(self.bytes, self.pos)?;
        self.pos = end;
        Ok(name)
    }

    fn record(&mut self) -> Result<Record, ParseError> {
        let name = self.name()?;
        let rtype = self.u16()?;
        let class = self.u16()?;
        let _ttl = self.u32()?;
        let rdlength = usize::from(self.u16()?);
        let start = self.pos;
        self.take(rdlength)?;
        let end = self.pos;
        // RDATA is read from the whole message (names in it may point backwards), but must
        // stay inside its own RDLENGTH.
        let mut rdata = Reader {
            bytes: &self.bytes[..end],
            pos: start,
        };
        let data = match rtype {
            TYPE_SRV => Data::Srv(Srv {
                priority: rdata.u16()?,
                weight: rdata.u16()?,
                port: rdata.u16()?,
                target: rdata.name()?,
            }),
            TYPE_MX => Data::Mx(Mx {
                preference: rdata.u16()?,
                exchange: rdata.name()?,
            }),
            TYPE_CNAME => Data::Cname(rdata.name()?),
            _ => Data::Other,
        };
        if !matches!(data, Data::Other) && rdata.pos != end {
            return Err(ParseError("record data longer than its contents"));
        }
        Ok(Record {
            name,
            rtype,
            class,
            data,
        })
    }
}

/// Reads the name starting at `start`; returns it (lowercase, dot-separated, bytes outside
/// letters, digits, '-' and '_' escaped as `\DDD`, the root as ".") and the position after it.
fn read_name(bytes: &[u8], start: usize) -> Result<(String, usize), ParseError> {
    let mut text = String::new();
    let mut wire_len = 1usize;
    let mut pos = start;
    let mut after: Option<usize> = None;
    let mut pointers = 0usize;
    loop {
        let len = *bytes.get(pos).ok_or(ParseError("name runs past the end"))?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                let end = after.unwrap_or(pos + 1);
                if text.is_empty() {
                    text.push('.');
                }
                return Ok((text, end));
            }
            0x00 => {
                let len = usize::from(len);
                let label = bytes
                    .get(pos + 1..pos + 1 + len)
                    .ok_or(ParseError("label runs past the end"))?;
                wire_len += 1 + len;
                if wire_len > MAX_NAME {
                    return Err(ParseError("name longer than 255 bytes"));
                }
                if !text.is_empty() {
                    text.push('.');
                }
                for &b in label {
                    let b = b.to_ascii_lowercase();
                    if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                        text.push(char::from(b));
                    } else {
                        text.push_str(&format!("\\{b:03}"));
                    }
                }
                pos += 1 + len;
            }
            0xc0 => {
                let low = *bytes
                    .get(pos + 1)
                    .ok_or(ParseError("pointer runs past the end"))?;
                let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                // A pointer must go back to a name written earlier: forward or self pointers
                // are how loops are built, and no honest encoder needs them.
                if target >= pos {
                    return Err(ParseError("compression pointer does not point backwards"));
                }
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(ParseError("too many compression pointers"));
                }
                after.get_or_insert(pos + 2);
                pos = target;
            }
            _ => return Err(ParseError("unknown label type")),
        }
    }
}

/// One query to one server; the records of type `qtype` answering `name`, CNAMEs followed.
/// No such name (NXDOMAIN) is an empty answer, not an error.
pub fn lookup(
    server: SocketAddr,
    name: &str,
    qtype: u16,
    deadline: Deadline,
) -> Result<Vec<Data>, DnsError> {
    let id = random_id();
    let query = encode_query(id, name, qtype)?;
    let mut message = ask_udp(server, &query, deadline)?;
    if message.truncated {
        log::debug!("dns: {name} answer truncated over UDP, asking again over TCP");
        message = ask_tcp(server, &query, deadline)?;
    }
    answer_records(server, &message, name, qtype)
}

/// Asks `servers` in turn, as the system's resolver does: the next one when a server times
/// out, cannot be reached, answers an error code or garbage. Each is given an equal share of
/// the time left, so one dead server cannot use it all up. A name that cannot be asked fails
/// at once; when every server failed, the last one's error is returned.
pub fn lookup_any(
    servers: &[SocketAddr],
    name: &str,
    qtype: u16,
    deadline: Deadline,
) -> Result<Vec<Data>, DnsError> {
    let mut failed = None;
    for (at, &server) in servers.iter().enumerate() {
        let Some(share) = deadline.share(servers.len() - at) else {
            break;
        };
        match lookup(server, name, qtype, share) {
            Ok(records) => return Ok(records),
            Err(err @ DnsError::BadName(_)) => return Err(err),
            Err(err) => {
                if at + 1 < servers.len() {
                    log::info!("discover: {err}; asking the next DNS server");
                }
                failed = Some(err);
            }
        }
    }
    Err(failed.unwrap_or(DnsError::Timeout {
        server: *servers.first().expect("at least one DNS server"),
        total: deadline.total(),
    }))
}

/// Checks the header and walks the answer section from `name` through CNAMEs.
fn answer_records(
    server: SocketAddr,
    message: &Message,
    name: &str,
    qtype: u16,
) -> Result<Vec<Data>, DnsError> {
    match message.rcode {
        0 => {}
        3 => return Ok(Vec::new()), // NXDOMAIN
        rcode => return Err(DnsError::Rcode { server, rcode }),
    }
    let mut owner = normalize(name);
    let mut found = Vec::new();
    for _ in 0..=MAX_CNAME_HOPS {
        found.extend(
            message
                .answers
                .iter()
                .filter(|r| r.rtype == qtype && r.class == CLASS_IN && r.name == owner)
                .map(|r| r.data.clone()),
        );
        if !found.is_empty() {
            break;
        }
        let alias = message.answers.iter().find_map(|r| match &r.data {
            Data::Cname(target) if r.name == owner => Some(target.clone()),
            _ => None,
        });
        match alias {
            Some(target) => owner = target,
            None => break,
        }
    }
    Ok(found)
}

/// Lowercase, no final dot: the form [`read_name`] produces.
pub fn normalize(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether `message` answers `query` (same id, a response, same single question).
fn answers_query(message: &Message, query: &[u8]) -> bool {
    let Ok(asked) = parse(query) else {
        return false;
    };
    message.response
        && message.id == asked.id
        && message.opcode == 0
        && message.questions == asked.questions
}

fn ask_udp(server: SocketAddr, query: &[u8], deadline: Deadline) -> Result<Message, DnsError> {
    let io_error = |err: io::Error| DnsError::Io {
        server,
        why: if err.kind() == io::ErrorKind::ConnectionRefused {
            // On a connected UDP socket, the ICMP "port unreachable" of an earlier datagram.
            "connection refused (no DNS server listens there)".into()
        } else {
            err.to_string()
        },
    };
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("a valid address")
    } else {
        "[::]:0".parse().expect("a valid address")
    };
    let socket = UdpSocket::bind(local).map_err(io_error)?;
    // connect() makes the kernel drop datagrams from anyone but the server.
    socket.connect(server).map_err(io_error)?;
    let timeout = || DnsError::Timeout {
        server,
        total: deadline.total(),
    };
    let mut buf = vec![0u8; UDP_BUFFER];
    let mut wait = FIRST_RETRY;
    let mut malformed = None;
    loop {
        let Some(left) = deadline.remaining() else {
            return Err(malformed.unwrap_or_else(timeout));
        };
        socket.send(query).map_err(io_error)?;
        let resend_at = Instant::now() + wait.min(left);
        wait = wait.saturating_mul(2);
        loop {
            let now = Instant::now();
            let Some(slice) = deadline
                .remaining()
                .map(|left| left.min(resend_at.saturating_duration_since(now)))
                .filter(|d| !d.is_zero())
            else {
                break; // time to re-send (or to give up, checked above)
            };
            socket.set_read_timeout(Some(slice)).map_err(io_error)?;
            match socket.recv(&mut buf) {
                Ok(n) => match parse(&buf[..n]) {
                    Ok(message) if answers_query(&message, query) => return Ok(message),
                    Ok(_) => log::debug!("dns: ignoring an answer to another question"),
                    Err(ParseError(why)) => {
                        log::debug!("dns: ignoring an unreadable answer: {why}");
                        malformed = Some(DnsError::Malformed {
                            server,
                            why: why.to_string(),
                        });
                    }
                },
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(io_error(err)),
            }
        }
    }
}

fn ask_tcp(server: SocketAddr, query: &[u8], deadline: Deadline) -> Result<Message, DnsError> {
    let timeout = || DnsError::Timeout {
        server,
        total: deadline.total(),
    };
    let io_error = |err: io::Error| {
        if matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            timeout()
        } else {
            DnsError::Io {
                server,
                why: format!("over TCP: {err}"),
            }
        }
    };
    let left = deadline.remaining().ok_or_else(timeout)?;
    let mut stream = TcpStream::connect_timeout(&server, left).map_err(io_error)?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
    framed.extend_from_slice(query);
    stream
        .set_write_timeout(Some(deadline.remaining().ok_or_else(timeout)?))
        .map_err(io_error)?;
    stream.write_all(&framed).map_err(io_error)?;
    let mut length = [0u8; 2];
    read_full(&mut stream, &mut length, deadline).map_err(io_error)?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(length))];
    read_full(&mut stream, &mut answer, deadline).map_err(io_error)?;
    let message = parse(&answer).map_err(|ParseError(why)| DnsError::Malformed {
        server,
        why: why.to_string(),
    })?;
    if !answers_query(&message, query) {
        return Err(DnsError::Malformed {
            server,
            why: "the TCP answer is for another question".into(),
        });
    }
    Ok(message)
}

/// `read_exact` with the socket timeout reset to the time left before every read, so a server
/// trickling bytes cannot stretch the wait past the deadline.
fn read_full(stream: &mut TcpStream, buf: &mut [u8], deadline: Deadline) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline
            .remaining()
            .ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))?;
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// A query id that an off-path attacker cannot guess: std's `RandomState` is seeded from the
/// OS's randomness (the source port, chosen by the kernel, adds more).
fn random_id() -> u16 {
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.finish() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response header: id 0x1234, QR + RD + RA, the given counts.
    fn header(rcode: u8, qd: u16, an: u16) -> Vec<u8> {
        let mut out = vec![0x12, 0x34, 0x81, 0x80 | rcode];
        out.extend_from_slice(&qd.to_be_bytes());
        out.extend_from_slice(&an.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out
    }

    fn name(out: &mut Vec<u8>, name: &str) {
        for label in name.split('.').filter(|l| !l.is_empty()) {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
    }

    fn srv_answer_with_compression() -> Vec<u8> {
        let mut m = header(0, 1, 2);
        name(&mut m, "_imaps._tcp.Example.COM"); // at offset 12
        m.extend_from_slice(&[0, 33, 0, 1]);
        // Answer 1: owner = pointer to the question; target "imap" + pointer to "example.com"
        // (offset 12 + 7 ("_imaps") + 5 ("_tcp") = 24).
        m.extend_from_slice(&[0xc0, 12, 0, 33, 0, 1, 0, 0, 0x0e, 0x10]);
        let rdata = [0, 10, 0, 5, 0x03, 0xe1, 4, b'i', b'm', b'a', b'p', 0xc0, 24];
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(&rdata);
        // Answer 2: owner pointer, target "." (not offered).
        m.extend_from_slice(&[0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, 7]);
        m.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0]);
        m
    }

    #[test]
    fn encodes_a_query_like_dig() {
        let query = encode_query(0xbeef, "_imaps._tcp.example.com.", TYPE_SRV).unwrap();
        let mut expected = vec![0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        name(&mut expected, "_imaps._tcp.example.com");
        expected.extend_from_slice(&[0, 33, 0, 1]);
        assert_eq!(query, expected);
        let parsed = parse(&query).unwrap();
        assert!(!parsed.response);
        assert_eq!(
            parsed.questions,
            vec![Question {
                name: "_imaps._tcp.example.com".into(),
                qtype: TYPE_SRV,
                class: 1
            }]
        );
    }

    #[test]
    fn refuses_names_that_do_not_fit_the_wire() {
        assert!(encode_query(1, "a..b", TYPE_MX).is_err());
        assert!(encode_query(1, &"a".repeat(64), TYPE_MX).is_err());
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(long.len() > 255);
        assert!(encode_query(1, &long, TYPE_MX).is_err());
        assert!(encode_query(1, "bücher.de", TYPE_MX).is_err());
        assert!(encode_query(1, "a b.de", TYPE_MX).is_err());
    }

    #[test]
    fn reads_srv_records_through_compression_pointers() {
        let message = parse(&srv_answer_with_compression()).unwrap();
        assert!(message.response);
        assert_eq!(message.id, 0x1234);
        assert_eq!(message.questions[0].name, "_imaps._tcp.example.com");
        assert_eq!(message.answers.len(), 2);
        assert_eq!(message.answers[0].name, "_imaps._tcp.example.com");
        assert_eq!(
            message.answers[0].data,
            Data::Srv(Srv {
                priority: 10,
                weight: 5,
                port: 993,
                target: "imap.example.com".into()
            })
        );
        assert_eq!(
            message.answers[1].data,
            Data::Srv(Srv {
                priority: 0,
                weight: 0,
                port: 0,
                target: ".".into()
            })
        );
    }

    #[test]
    fn follows_cnames_in_the_answer() {
        let mut m = header(0, 1, 2);
        name(&mut m, "example.com");
        m.extend_from_slice(&[0, 15, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60]);
        let mut alias = Vec::new();
        name(&mut alias, "mail.example.net");
        m.extend_from_slice(&(alias.len() as u16).to_be_bytes());
        let alias_at = m.len();
        m.extend_from_slice(&alias);
        m.extend_from_slice(&[0xc0, alias_at as u8, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 5]);
        m.extend_from_slice(&[0xc0, alias_at as u8]);
        let message = parse(&m).unwrap();
        let server = "127.0.0.1:53".parse().unwrap();
        let records = answer_records(server, &message, "Example.com.", TYPE_MX).unwrap();
        assert_eq!(
            records,
            vec![Data::Mx(Mx {
                preference: 5,
                exchange: "mail.example.net".into()
            })]
        );
    }

    #[test]
    fn nxdomain_is_empty_and_servfail_is_an_error() {
        let server = "127.0.0.1:53".parse().unwrap();
        let mut m = header(3, 0, 0);
        let message = parse(&m).unwrap();
        assert_eq!(
            answer_records(server, &message, "x.org", TYPE_MX),
            Ok(vec![])
        );
        m[3] = 0x82;
        let message = parse(&m).unwrap();
        let err = answer_records(server, &message, "x.org", TYPE_MX).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DNS server 127.0.0.1:53 answered SERVFAIL (it could not resolve the name)"
        );
    }

    #[test]
    fn escapes_odd_bytes_in_names() {
        let mut m = header(0, 1, 0);
        m.extend_from_slice(&[3, b'a', b'.', 0xff, 2, b'E', b'x', 0]);
        m.extend_from_slice(&[0, 15, 0, 1]);
        assert_eq!(parse(&m).unwrap().questions[0].name, "a\\046\\255.ex");
    }

    #[test]
    fn compression_loops_and_forward_pointers_are_rejected() {
        // A pointer to itself.
        let mut m = header(0, 1, 0);
        m.extend_from_slice(&[0xc0, 12, 0, 15, 0, 1]);
        assert!(parse(&m).is_err());
        // Two names pointing at each other: the second points back to the first, which
        // points forward to the second.
        let mut m = header(0, 2, 0);
        m.extend_from_slice(&[1, b'a', 0xc0, 20, 0, 15, 0, 1]);
        m.extend_from_slice(&[1, b'b', 0xc0, 12, 0, 15, 0, 1]);
        assert!(parse(&m).is_err());
        // A long chain of pointers, each to the one before it, ends at MAX_POINTERS.
        let mut m = header(0, 1, 0);
        m.push(0); // offset 12: the root
        let mut previous = 12usize;
        for _ in 0..200 {
            let at = m.len();
            m.extend_from_slice(&[0xc0 | (previous >> 8) as u8, previous as u8]);
            previous = at;
        }
        assert_eq!(
            read_name(&m, previous),
            Err(ParseError("too many compression pointers"))
        );
        // A short chain is fine.
        assert_eq!(
            read_name(&m, 13 + 2 * 5),
            Ok((".".to_string(), 13 + 2 * 5 + 2))
        );
    }

    #[test]
    fn names_longer_than_255_bytes_are_rejected() {
        let mut m = header(0, 1, 0);
        for _ in 0..5 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.push(0);
        m.extend_from_slice(&[0, 15, 0, 1]);
        assert_eq!(parse(&m), Err(ParseError("name longer than 255 bytes")));
    }

    #[test]
    fn rdata_must_fit_its_length() {
        let mut m = header(0, 0, 1);
        name(&mut m, "example.com");
        // MX whose RDLENGTH (3) cuts the exchange name short.
        m.extend_from_slice(&[0, 15, 0, 1, 0, 0, 0, 60, 0, 3, 0, 10, 4]);
        m.extend_from_slice(b"mail");
        m.push(0);
        assert!(parse(&m).is_err());
        // MX whose RDLENGTH is longer than the data it holds.
        let mut m = header(0, 0, 1);
        name(&mut m, "example.com");
        m.extend_from_slice(&[0, 15, 0, 1, 0, 0, 0, 60, 0, 5, 0, 10, 0, 0xff, 0xff]);
        assert_eq!(
            parse(&m),
            Err(ParseError("record data longer than its contents"))
        );
    }

    #[test]
    fn header_counts_are_not_trusted() {
        let mut m = header(0, 0xffff, 0xffff);
        name(&mut m, "example.com");
        m.extend_from_slice(&[0, 15, 0, 1]);
        assert!(parse(&m).is_err());
    }

    #[test]
    fn every_truncation_and_every_byte_flip_is_survived() {
        let good = srv_answer_with_compression();
        for len in 0..good.len() {
            let _ = parse(&good[..len]);
        }
        for i in 0..good.len() {
            for value in [0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff] {
                let mut bad = good.clone();
                bad[i] = value;
                let _ = parse(&bad);
            }
        }
    }

    #[test]
    fn random_garbage_is_survived() {
        // A small xorshift: deterministic, no dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Bias towards plausible headers so the parser gets past them.
            if bytes.len() >= 12 {
                bytes[4] = 0;
                bytes[5] = (next() % 3) as u8;
                bytes[6] = 0;
                bytes[7] = (next() % 4) as u8;
            }
            let _ = parse(&bytes);
        }
    }

    #[test]
    fn only_our_question_is_an_answer() {
        let query = encode_query(0x1234, "_imaps._tcp.example.com", TYPE_SRV).unwrap();
        let message = parse(&srv_answer_with_compression()).unwrap();
        assert!(answers_query(&message, &query));
        let other_id = encode_query(0x1235, "_imaps._tcp.example.com", TYPE_SRV).unwrap();
        assert!(!answers_query(&message, &other_id));
        let other_type = encode_query(0x1234, "_imaps._tcp.example.com", TYPE_MX).unwrap();
        assert!(!answers_query(&message, &other_type));
        let other_name = encode_query(0x1234, "_imap._tcp.example.com", TYPE_SRV).unwrap();
        assert!(!answers_query(&message, &other_name));
        let asked = parse(&query).unwrap();
        assert!(!answers_query(&asked, &query), "a query is not a response");
    }
}
