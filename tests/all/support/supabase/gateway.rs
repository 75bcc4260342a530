//! One origin like a Supabase project's API gateway (Kong): `/rest/v1/*` goes to PostgREST
//! with the prefix stripped, `/auth/v1/*` to the auth stand-in. Like Supabase's gateway it
//! refuses a request without an `apikey` header (401) and, when there is no `Authorization`
//! header, forwards the apikey as `Authorization: Bearer <apikey>`. Unlike it, an apikey in
//! the query string is not accepted: the CLI must never put a key in a URL.
//!
//! Every request line (method, path and query) is recorded in memory and appended to
//! `requests.log` in the gateway's directory, so tests can assert that no secret was ever
//! in a URL. Interceptors (see [`Gateway::intercept`]) run before routing: the seam for
//! fault injection.
//!
//! Faults below HTTP (a reset in the middle of a body, an answer that never ends, a body cut
//! short) cannot be made through tiny_http, which keeps its connections open: a
//! [`FaultFront`] in front of the gateway forwards each request and damages the real answer.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use super::auth::Auth;

/// A request as the gateway received it.
pub struct Request {
    pub method: String,
    /// Path and query, as on the request line.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }

    /// The value of query parameter `name` (no percent-decoding: the stand-in's parameters
    /// are plain words).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        let query = self.url.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then_some(value)
        })
    }

    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A response to send back.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// Runs before routing; returning `Some` answers the request instead of the upstream.
pub type Interceptor = Box<dyn Fn(&Request) -> Option<Reply> + Send + Sync>;

type SharedInterceptor = Arc<dyn Fn(&Request) -> Option<Reply> + Send + Sync>;

const WORKERS: usize = 16;

pub struct Gateway {
    port: u16,
    log_path: PathBuf,
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
}

struct Shared {
    rest_url: String,
    auth: Arc<Auth>,
    agent: ureq::Agent,
    lines: Mutex<Vec<String>>,
    log: Mutex<fs::File>,
    interceptors: Mutex<Vec<SharedInterceptor>>,
}

impl Gateway {
    pub fn start(dir: PathBuf, rest_url: String, auth: Arc<Auth>) -> Gateway {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the gateway"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let log_path = dir.join("requests.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open requests.log");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .allow_non_standard_methods(true)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let shared = Arc::new(Shared {
            rest_url,
            auth,
            agent,
            lines: Mutex::new(Vec::new()),
            log: Mutex::new(log),
            interceptors: Mutex::new(Vec::new()),
        });
        for _ in 0..WORKERS {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    shared.serve(request);
                }
            });
        }
        Gateway {
            port,
            log_path,
            shared,
            server,
        }
    }

    /// The project URL, e.g. `http://127.0.0.1:PORT`; clients append `/auth/v1/...` and
    /// `/rest/v1/...`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request line seen so far, e.g. `POST /auth/v1/token?grant_type=password`.
    pub fn request_lines(&self) -> Vec<String> {
        self.shared.lines.lock().expect("lines lock").clone()
    }

    /// `requests.log`: one request line per line.
    pub fn log_path(&self) -> &PathBuf {
        &self.log_path
    }

    /// Adds an interceptor; interceptors run in the order added, before routing.
    pub fn intercept(&self, interceptor: Interceptor) {
        let interceptor: SharedInterceptor = Arc::from(interceptor);
        self.shared
            .interceptors
            .lock()
            .expect("interceptors lock")
            .push(interceptor);
    }

    /// Removes all interceptors.
    pub fn clear_interceptors(&self) {
        self.shared
            .interceptors
            .lock()
            .expect("interceptors lock")
            .clear();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        for _ in 0..WORKERS {
            self.server.unblock();
        }
    }
}

impl Shared {
    fn serve(&self, mut incoming: tiny_http::Request) {
        let mut body = Vec::new();
        let _ = incoming.as_reader().read_to_end(&mut body);
        let request = Request {
            method: incoming.method().as_str().to_owned(),
            url: incoming.url().to_owned(),
            headers: incoming
                .headers()
                .iter()
                .map(|h| {
                    (
                        h.field.as_str().as_str().to_owned(),
                        h.value.as_str().to_owned(),
                    )
                })
                .collect(),
            body,
        };
        self.record(&request);
        let reply = self.route(request);
        let mut response =
            tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
        for (name, value) in reply.headers {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
        let _ = incoming.respond(response);
    }

    fn record(&self, request: &Request) {
        let line = format!("{} {}", request.method, request.url);
        let _ = writeln!(self.log.lock().expect("log lock"), "{line}");
        self.lines.lock().expect("lines lock").push(line);
    }

    fn route(&self, mut request: Request) -> Reply {
        // Cloned out of the lock, so an interceptor that sleeps (a slow upstream) does not
        // hold up other requests.
        let interceptors = self.interceptors.lock().expect("interceptors lock").clone();
        for interceptor in interceptors {
            if let Some(reply) = interceptor(&request) {
                return reply;
            }
        }
        let Some(apikey) = request.header("apikey").map(str::to_owned) else {
            // Kong's key-auth answer on Supabase.
            return Reply::json(
                401,
                &json!({
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found."
                }),
            );
        };
        if request.header("authorization").is_none() {
            request
                .headers
                .push(("Authorization".into(), format!("Bearer {apikey}")));
        }
        if let Some(rest) = request.url.strip_prefix("/rest/v1") {
            if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') {
                let upstream = format!(
                    "{}{}",
                    self.rest_url,
                    if rest.is_empty() { "/" } else { rest }
                );
                return self.proxy(&request, &upstream);
            }
        }
        if let Some(rest) = request.path().strip_prefix("/auth/v1") {
            let rest = rest.to_owned();
            return self.auth.handle(&request, &rest);
        }
        Reply::json(
            404,
            &json!({"message": "no Route matched with those values"}),
        )
    }

    fn proxy(&self, request: &Request, upstream: &str) -> Reply {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(upstream);
        for (name, value) in &request.headers {
            if !is_hop_header(name) {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        let result = if request.body.is_empty() {
            self.agent.run(builder.body(()).expect("a valid request"))
        } else {
            self.agent
                .run(builder.body(request.body.clone()).expect("a valid request"))
        };
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .filter(|(name, _)| !is_hop_header(name.as_str()))
                    .map(|(name, value)| {
                        (
                            name.as_str().to_owned(),
                            value.to_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                // ureq stops at 10 MB by default; a 10 MB entry (issue 4) must pass whole.
                let body = response
                    .into_body()
                    .into_with_config()
                    .limit(64 * 1024 * 1024)
                    .read_to_vec()
                    .unwrap_or_default();
                Reply {
                    status,
                    headers,
                    body,
                }
            }
            Err(err) => Reply::json(
                502,
                &json!({"message": format!("An invalid response was received from the upstream server: {err}")}),
            ),
        }
    }
}

fn is_hop_header(name: &str) -> bool {
    [
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "keep-alive",
        "date",
        "server",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

// ---------------------------------------------------------------------------------------------
// Fault front (issue 4): byte-level HTTP faults the interceptor hook cannot make

/// What the [`FaultFront`] does to one answer. The request is always forwarded to the gateway
/// first (so it is recorded, routed and, for a write, applied), then the real answer is
/// delivered damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Status line, headers (with the real Content-Length) and half the body, then a TCP reset
    /// (`SO_LINGER` 0): the connection breaks in the middle of the body (in the middle of the
    /// head when the body is shorter than 2 bytes).
    ResetMidBody,
    /// A complete HTTP answer whose body is the first half of the real one (Content-Length
    /// says so): well-formed HTTP carrying truncated JSON.
    TruncatedBody,
    /// Status line, headers and half the body (half the head when the body is shorter than 2
    /// bytes), then silence with the connection held open until the client gives up: an
    /// answer that never ends.
    NeverEnds,
    /// Answer `status` with a JSON error body (and `Retry-After: secs` when given) WITHOUT
    /// forwarding: the request is never seen by the gateway, as when a load balancer or rate
    /// limiter in front of Supabase refuses it.
    Answer {
        status: u16,
        retry_after: Option<u32>,
    },
}

/// Decides, per request (method and path with query), whether and how to damage its answer.
pub type FaultRule = Box<dyn Fn(&str, &str) -> Option<Fault> + Send + Sync>;

type SharedFaultRule = Arc<dyn Fn(&str, &str) -> Option<Fault> + Send + Sync>;

/// A loopback HTTP/1.1 front for a gateway: one request per connection, forwarded to the
/// gateway and relayed back, unless a rule damages the answer. Clients use [`FaultFront::url`]
/// as the project URL (log in through it). Interceptors of the gateway behind it still apply.
/// Stops (and releases held connections) when dropped.
pub struct FaultFront {
    port: u16,
    shared: Arc<FrontShared>,
}

struct FrontShared {
    upstream: String,
    rules: Mutex<Vec<SharedFaultRule>>,
    stop: std::sync::atomic::AtomicBool,
    /// (method path, fault) of every damaged answer, in order.
    applied: Mutex<Vec<(String, Fault)>>,
    /// Every request line that reached the front, in order.
    seen: Mutex<Vec<String>>,
}

impl FaultFront {
    /// A front for the gateway at `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> FaultFront {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fault front");
        let port = listener.local_addr().expect("the front's address").port();
        let shared = Arc::new(FrontShared {
            upstream: upstream
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
            rules: Mutex::new(Vec::new()),
            stop: std::sync::atomic::AtomicBool::new(false),
            applied: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
        });
        let accept = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept.stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accept);
                std::thread::spawn(move || {
                    let _ = shared.relay(stream);
                });
            }
        });
        FaultFront { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a rule; the first rule that returns a fault wins.
    pub fn rule(&self, rule: FaultRule) {
        self.shared
            .rules
            .lock()
            .expect("rules lock")
            .push(Arc::from(rule));
    }

    pub fn clear_rules(&self) {
        self.shared.rules.lock().expect("rules lock").clear();
    }

    /// Every request line that reached the front: `POST /rest/v1/rpc/mailboxes_add`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.seen.lock().expect("seen lock").clone()
    }

    /// Every damaged answer so far: `("POST /rest/v1/rpc/mailboxes_add", fault)`.
    pub fn applied(&self) -> Vec<(String, Fault)> {
        self.shared.applied.lock().expect("applied lock").clone()
    }
}

impl Drop for FaultFront {
    fn drop(&mut self) {
        self.shared
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The position just past the blank line that ends an HTTP head.
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

impl FrontShared {
    fn relay(&self, mut client: std::net::TcpStream) -> std::io::Result<()> {
        use std::io::Read;
        client.set_read_timeout(Some(Duration::from_secs(30)))?;
        // The request: head, then Content-Length bytes of body.
        let mut request = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_len = loop {
            if let Some(end) = head_end(&request) {
                break end;
            }
            let n = client.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            request.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&request[..head_len]).into_owned();
        let body_len = content_length(&head).unwrap_or(0);
        while request.len() < head_len + body_len {
            let n = client.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            request.extend_from_slice(&chunk[..n]);
        }
        let mut words = head.split_whitespace();
        let (method, target) = (
            words.next().unwrap_or_default().to_owned(),
            words.next().unwrap_or_default().to_owned(),
        );
        self.seen
            .lock()
            .expect("seen lock")
            .push(format!("{method} {target}"));
        let rules = self.rules.lock().expect("rules lock").clone();
        let fault = rules.iter().find_map(|rule| rule(&method, &target));
        if let Some(fault) = fault {
            let path = target.split('?').next().unwrap_or_default();
            self.applied
                .lock()
                .expect("applied lock")
                .push((format!("{method} {path}"), fault));
        }
        if let Some(Fault::Answer {
            status,
            retry_after,
        }) = fault
        {
            let body = json!({"message": format!("injected HTTP {status}")}).to_string();
            let retry_after = retry_after
                .map(|secs| format!("Retry-After: {secs}\r\n"))
                .unwrap_or_default();
            let answer = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{retry_after}\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes())?;
            let _ = client.shutdown(std::net::Shutdown::Write);
            return Ok(());
        }
        // Forward as HTTP/1.0 with `Connection: close`: the gateway then answers with a plain
        // body and closes, so the whole answer is what arrives before EOF.
        let mut forwarded = format!("{method} {target} HTTP/1.0\r\n");
        for line in head.lines().skip(1) {
            let name = line.split(':').next().unwrap_or_default().trim();
            if line.is_empty() || name.eq_ignore_ascii_case("connection") {
                continue;
            }
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
        forwarded.push_str("Connection: close\r\n\r\n");
        let mut upstream = std::net::TcpStream::connect(&self.upstream)?;
        upstream.write_all(forwarded.as_bytes())?;
        upstream.write_all(&request[head_len..head_len + body_len])?;
        let mut answer = Vec::new();
        upstream.read_to_end(&mut answer)?;
        let answer_head_len = head_end(&answer).unwrap_or(answer.len());
        let answer_head = String::from_utf8_lossy(&answer[..answer_head_len]).into_owned();
        let body = &answer[answer_head_len..];
        let status_line = answer_head
            .lines()
            .next()
            .unwrap_or("HTTP/1.0 502 Bad Gateway");
        let status_line = status_line.replacen("HTTP/1.0", "HTTP/1.1", 1);
        let mut headers = String::new();
        for line in answer_head.lines().skip(1) {
            let name = line.split(':').next().unwrap_or_default().trim();
            if line.is_empty()
                || ["connection", "content-length", "transfer-encoding"]
                    .iter()
                    .any(|h| name.eq_ignore_ascii_case(h))
            {
                continue;
            }
            headers.push_str(line);
            headers.push_str("\r\n");
        }
        let half = body.len() / 2;
        let head_with = |length: usize| {
            format!(
                "{status_line}\r\n{headers}Content-Length: {length}\r\nConnection: close\r\n\r\n"
            )
        };
        match fault {
            None => {
                client.write_all(head_with(body.len()).as_bytes())?;
                client.write_all(body)?;
            }
            Some(Fault::TruncatedBody) => {
                client.write_all(head_with(half).as_bytes())?;
                client.write_all(&body[..half])?;
            }
            Some(Fault::ResetMidBody) => {
                let head = head_with(body.len());
                if body.len() < 2 {
                    // No body worth cutting (a `void` RPC): cut the head instead.
                    client.write_all(&head.as_bytes()[..head.len() / 2])?;
                } else {
                    client.write_all(head.as_bytes())?;
                    client.write_all(&body[..half])?;
                }
                client.flush()?;
                std::thread::sleep(Duration::from_millis(50));
                // Linger 0: closing sends RST instead of FIN.
                socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
                drop(client);
                return Ok(());
            }
            Some(Fault::Answer { .. }) => unreachable!("answered before forwarding"),
            Some(Fault::NeverEnds) => {
                let head = head_with(body.len());
                if body.len() < 2 {
                    // No body worth cutting (a `void` RPC): stop in the middle of the head.
                    client.write_all(&head.as_bytes()[..head.len() / 2])?;
                } else {
                    client.write_all(head.as_bytes())?;
                    client.write_all(&body[..half])?;
                }
                client.flush()?;
                client.set_read_timeout(Some(Duration::from_millis(100)))?;
                // Hold the connection until the client leaves or the front is dropped.
                loop {
                    if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    match client.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(err)
                            if matches!(
                                err.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        Err(_) => break,
                    }
                }
                return Ok(());
            }
        }
        client.flush()?;
        let _ = client.shutdown(std::net::Shutdown::Write);
        Ok(())
    }
}
