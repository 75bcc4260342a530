//! `FakeDns`: a scripted DNS server on 127.0.0.1 for the autodiscovery tests.
//!
//! It answers SRV, MX and CNAME questions from a fixed zone and records every question it gets,
//! so a test can also assert that *no* question was asked. It stands in for the system's
//! recursive resolver; `mailboxes` is pointed at it with `MAILBOXES_DNS_SERVER`.
//!
//! Copies (RFC 1035 §4): the message layout, the question echoed back, NXDOMAIN for a name
//! without any record, CNAMEs followed inside the answer, owner names compressed as a pointer
//! to the question (as real servers do), UDP answers with TC set and the full answer over TCP
//! (in [`Behaviour::TruncateUdp`]).
//! Leaves out: recursion, the authority and additional sections, EDNS, classes other than IN,
//! compressed names in queries (clients do not send them).
//!
//! Std only, on purpose: the unit tests in `src/discover/` include this same file with
//! `#[path]`, so both test layers use one fake.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub const TYPE_CNAME: u16 = 5;
pub const TYPE_MX: u16 = 15;
pub const TYPE_SRV: u16 = 33;

/// One record of the fake's zone. Names are written without the final dot.
#[derive(Debug, Clone)]
pub enum Record {
    Srv {
        name: String,
        priority: u16,
        weight: u16,
        port: u16,
        /// "." for "service not offered".
        target: String,
    },
    Mx {
        name: String,
        preference: u16,
        exchange: String,
    },
    Cname {
        name: String,
        target: String,
    },
}

pub fn srv(name: &str, priority: u16, weight: u16, port: u16, target: &str) -> Record {
    Record::Srv {
        name: name.to_string(),
        priority,
        weight,
        port,
        target: target.to_string(),
    }
}

pub fn mx(name: &str, preference: u16, exchange: &str) -> Record {
    Record::Mx {
        name: name.to_string(),
        preference,
        exchange: exchange.to_string(),
    }
}

pub fn cname(name: &str, target: &str) -> Record {
    Record::Cname {
        name: name.to_string(),
        target: target.to_string(),
    }
}

impl Record {
    fn name(&self) -> &str {
        match self {
            Record::Srv { name, .. } | Record::Mx { name, .. } | Record::Cname { name, .. } => name,
        }
    }

    fn rtype(&self) -> u16 {
        match self {
            Record::Srv { .. } => TYPE_SRV,
            Record::Mx { .. } => TYPE_MX,
            Record::Cname { .. } => TYPE_CNAME,
        }
    }
}

/// How the fake treats every question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers from the zone.
    Answer,
    /// Reads questions and never answers (a firewall eating packets, a dead resolver).
    Silent,
    /// Answers SERVFAIL.
    ServFail,
    /// Answers over UDP with TC set and no records; the full answer only over TCP.
    TruncateUdp,
    /// Answers from the zone, but with the wrong query id (a blind spoofing attempt).
    WrongId,
    /// Answers from the zone, cut off in the middle of the answer section.
    Garbled,
}

/// A question the fake received: the name (lowercase) and the type.
pub type Asked = (String, u16);

pub struct FakeDns {
    addr: SocketAddr,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

struct Shared {
    zone: Vec<Record>,
    behaviour: Behaviour,
    asked: Mutex<Vec<Asked>>,
    stop: AtomicBool,
}

impl FakeDns {
    /// A fake answering from `zone`.
    pub fn start(zone: Vec<Record>) -> FakeDns {
        FakeDns::with(zone, Behaviour::Answer)
    }

    /// A fake that never answers.
    pub fn silent() -> FakeDns {
        FakeDns::with(Vec::new(), Behaviour::Silent)
    }

    pub fn with(zone: Vec<Record>, behaviour: Behaviour) -> FakeDns {
        let shared = Arc::new(Shared {
            zone,
            behaviour,
            asked: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        // TCP, when needed, must listen on the UDP port: try a few ports until both bind.
        for _ in 0..20 {
            let udp = UdpSocket::bind("127.0.0.1:0").expect("binding the fake DNS UDP socket");
            let addr = udp.local_addr().expect("the fake DNS address");
            let tcp = if behaviour == Behaviour::TruncateUdp {
                match TcpListener::bind(addr) {
                    Ok(listener) => Some(listener),
                    Err(_) => continue,
                }
            } else {
                None
            };
            let mut threads = Vec::new();
            let udp_shared = Arc::clone(&shared);
            threads.push(thread::spawn(move || serve_udp(udp, &udp_shared)));
            if let Some(listener) = tcp {
                let tcp_shared = Arc::clone(&shared);
                threads.push(thread::spawn(move || serve_tcp(listener, &tcp_shared)));
            }
            return FakeDns {
                addr,
                shared,
                threads,
            };
        }
        panic!("could not bind UDP and TCP on one loopback port for the fake DNS server");
    }

    /// Where the fake listens, for `MAILBOXES_DNS_SERVER`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every question received so far, in order.
    pub fn asked(&self) -> Vec<Asked> {
        self.shared.asked.lock().unwrap().clone()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn serve_udp(socket: UdpSocket, shared: &Shared) {
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("setting a read timeout");
    let mut buf = [0u8; 1500];
    while !shared.stop.load(Ordering::SeqCst) {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if let Some(answer) = respond(shared, &buf[..n], true) {
            let _ = socket.send_to(&answer, peer);
        }
    }
}

fn serve_tcp(listener: TcpListener, shared: &Shared) {
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = serve_tcp_connection(stream, shared);
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve_tcp_connection(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut length = [0u8; 2];
    stream.read_exact(&mut length)?;
    let mut query = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut query)?;
    if let Some(answer) = respond(shared, &query, false) {
        stream.write_all(&(answer.len() as u16).to_be_bytes())?;
        stream.write_all(&answer)?;
    }
    Ok(())
}

/// The answer to `query`, or `None` to stay silent (or when the query is unreadable).
fn respond(shared: &Shared, query: &[u8], udp: bool) -> Option<Vec<u8>> {
    let (id, qname, qtype, question_end) = read_question(query)?;
    shared.asked.lock().unwrap().push((qname.clone(), qtype));
    let (rcode, records, truncated) = match shared.behaviour {
        Behaviour::Silent => return None,
        Behaviour::ServFail => (2, Vec::new(), false),
        Behaviour::TruncateUdp if udp => (0, Vec::new(), true),
        Behaviour::Answer | Behaviour::TruncateUdp | Behaviour::WrongId | Behaviour::Garbled => {
            let exists = shared
                .zone
                .iter()
                .any(|r| r.name().eq_ignore_ascii_case(&qname));
            let rcode = if exists { 0 } else { 3 };
            (rcode, answer(&shared.zone, &qname, qtype), false)
        }
    };
    let id = if shared.behaviour == Behaviour::WrongId {
        id.wrapping_add(1)
    } else {
        id
    };
    let mut out = Vec::new();
    out.extend_from_slice(&id.to_be_bytes());
    let flags: u16 = 0x8180 | if truncated { 0x0200 } else { 0 } | rcode;
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&query[12..question_end]);
    for record in records {
        if record.name().eq_ignore_ascii_case(&qname) {
            out.extend_from_slice(&[0xc0, 12]); // pointer to the question's name
        } else {
            write_name(&mut out, record.name());
        }
        out.extend_from_slice(&record.rtype().to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&300u32.to_be_bytes());
        let mut data = Vec::new();
        match record {
            Record::Srv {
                priority,
                weight,
                port,
                target,
                ..
            } => {
                data.extend_from_slice(&priority.to_be_bytes());
                data.extend_from_slice(&weight.to_be_bytes());
                data.extend_from_slice(&port.to_be_bytes());
                write_name(&mut data, target);
            }
            Record::Mx {
                preference,
                exchange,
                ..
            } => {
                data.extend_from_slice(&preference.to_be_bytes());
                write_name(&mut data, exchange);
            }
            Record::Cname { target, .. } => write_name(&mut data, target),
        }
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    if shared.behaviour == Behaviour::Garbled {
        out.truncate(question_end + (out.len() - question_end) / 2);
    }
    Some(out)
}

/// The records answering `qname`/`qtype`, following CNAMEs as a recursive resolver would.
fn answer<'a>(zone: &'a [Record], qname: &str, qtype: u16) -> Vec<&'a Record> {
    let mut out = Vec::new();
    let mut owner = qname.to_string();
    for _ in 0..8 {
        let direct: Vec<&Record> = zone
            .iter()
            .filter(|r| r.rtype() == qtype && r.name().eq_ignore_ascii_case(&owner))
            .collect();
        if !direct.is_empty() {
            out.extend(direct);
            break;
        }
        match zone
            .iter()
            .find(|r| matches!(r, Record::Cname { .. }) && r.name().eq_ignore_ascii_case(&owner))
        {
            Some(alias @ Record::Cname { target, .. }) => {
                out.push(alias);
                owner = target.clone();
            }
            _ => break,
        }
    }
    out
}

/// id, name (lowercase), type and the end offset of the single question.
fn read_question(query: &[u8]) -> Option<(u16, String, u16, usize)> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let id = u16::from_be_bytes([query[0], query[1]]);
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(pos)?);
        if len == 0 {
            pos += 1;
            break;
        }
        if len > 63 {
            return None;
        }
        let label = query.get(pos + 1..pos + 1 + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        pos += 1 + len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    query.get(pos + 3)?; // the class
    Some((id, labels.join("."), qtype, pos + 4))
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|label| !label.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}
