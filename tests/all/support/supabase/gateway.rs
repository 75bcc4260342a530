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
                let body = response.into_body().read_to_vec().unwrap_or_default();
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
