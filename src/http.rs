//! The one HTTP client of a run: a `ureq` agent bound to a Supabase project (base URL + anon
//! key), and the lenient reading of Supabase's error bodies.
//!
//! One `Api` per command, so the connection is reused across requests. Every request has a
//! connect timeout and a whole-request timeout, carries `apikey: <anon key>`, and is built from a
//! path that never holds a secret: passwords and tokens go in JSON bodies and headers only
//! (proxies and Supabase log request URLs). Transport failures are split into "not sent" (the
//! connection was never made: always safe to retry) and "lost" (the server may have acted).

use std::io::ErrorKind;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::secret::Secret;

/// Connecting to the server may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One whole request (connect, send, receive the full body) may take this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Replies larger than this are not Supabase answering us.
const MAX_REPLY_BYTES: u64 = 16 * 1024 * 1024;

/// A Supabase project: where it is and the anon (publishable) key every request carries.
pub struct Api {
    agent: ureq::Agent,
    base: String,
    anon_key: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
}

/// One request: a path below the base URL (with its query; never a secret) and a JSON body.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub bearer: Option<Secret>,
    /// The serialized JSON body; zeroed on drop since it may hold a password or token.
    pub body: Option<Zeroizing<Vec<u8>>>,
    pub prefer: Option<&'static str>,
    pub timeout: Option<Duration>,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            bearer: None,
            body: None,
            prefer: None,
            timeout: None,
        }
    }

    pub fn json(mut self, body: &impl Serialize) -> Request {
        let bytes = serde_json::to_vec(body).expect("request bodies always serialize");
        self.body = Some(Zeroizing::new(bytes));
        self
    }

    pub fn bearer(mut self, token: &Secret) -> Request {
        self.bearer = Some(token.clone());
        self
    }

    pub fn prefer(mut self, prefer: &'static str) -> Request {
        self.prefer = Some(prefer);
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }
}

/// An HTTP answer, whatever its status. Its Debug shows no body, and the body is zeroed on
/// drop: it can be the user's mailboxes with their passwords, a session's tokens, or the whole
/// `settings` (API keys).
pub struct Reply {
    pub status: u16,
    pub body: Zeroizing<String>,
    /// `Retry-After` in seconds (a 429 or 503 asking the client to wait); an HTTP-date is not
    /// read (`None`). Issue 4: a rate-limited request is waited out, not failed.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Result<Value, String> {
        if self.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&self.body)
            .map_err(|err| format!("the server sent invalid JSON: {err}"))
    }

    /// The error this reply carries (meaningful when `!is_success()`).
    pub fn error(&self) -> ApiError {
        ApiError::parse(self.status, &self.body)
    }
}

/// The request did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection was made, so the server cannot have acted: always safe to retry.
    NotSent(String),
    /// The connection broke or timed out after the request may have been sent.
    Lost(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::NotSent(message) | Failure::Lost(message) => message,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl Api {
    /// A client for the project at `url` (e.g. `https://xyz.supabase.co`).
    pub fn new(url: &str, anon_key: Secret) -> Api {
        Api {
            agent: agent(url),
            base: normalize_url(url),
            anon_key,
        }
    }

    /// The project URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one request and reads the whole answer.
    pub fn send(&self, request: &Request) -> Result<Reply, Failure> {
        let uri = format!("{}{}", self.base, request.path);
        let method = match request.method {
            Method::Get => ureq::http::Method::GET,
            Method::Post => ureq::http::Method::POST,
            Method::Patch => ureq::http::Method::PATCH,
        };
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("apikey", self.anon_key.expose())
            .header("accept", "application/json");
        if let Some(token) = &request.bearer {
            builder = builder.header("authorization", format!("Bearer {}", token.expose()));
        }
        if let Some(prefer) = request.prefer {
            builder = builder.header("prefer", prefer);
        }
        if request.body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let body: &[u8] = request.body.as_deref().map_or(&[], |body| body.as_slice());
        let http_request = builder
            .body(body)
            .map_err(|err| Failure::NotSent(format!("invalid request to {}: {err}", self.base)))?;
        let mut config = self.agent.configure_request(http_request);
        if let Some(timeout) = request.timeout {
            config = config.timeout_global(Some(timeout));
        }
        let http_request = config.build();
        log::debug!("{:?} {}{}", request.method, self.base, request.path);
        let response = self
            .agent
            .run(http_request)
            .map_err(|err| classify(&self.base, err))?;
        read_reply(response, &self.base)
    }
}

/// POSTs `fields` form-encoded to `url` (an OAuth2 token endpoint) and reads the answer; the
/// body is zeroed on drop (it holds tokens), and the URL holds none.
pub fn post_form(url: &str, fields: &[(&str, &str)]) -> Result<Reply, Failure> {
    let body = Zeroizing::new(
        fields
            .iter()
            .map(|(key, value)| format!("{}={}", percent_encode(key), percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&"),
    );
    log::debug!("POST {url} (form)");
    let response = agent(url)
        .post(url)
        .header("accept", "application/json")
        .content_type("application/x-www-form-urlencoded")
        .send(body.as_bytes())
        .map_err(|err| classify(url, err))?;
    read_reply(response, url)
}

/// The agent every request goes through: the system's trusted roots, both timeouts, any
/// status read as an answer.
fn agent(url: &str) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .tls_config(tls_config(url))
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(REQUEST_TIMEOUT))
        .user_agent(concat!("mailboxes/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// The whole answer (at most [`MAX_REPLY_BYTES`]), its status and `Retry-After`.
fn read_reply(
    mut response: ureq::http::Response<ureq::Body>,
    base: &str,
) -> Result<Reply, Failure> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_string()
        .map_err(|err| classify(base, err))?;
    log::debug!("-> {status}");
    Ok(Reply {
        status,
        body: Zeroizing::new(body),
        retry_after,
    })
}

/// Percent-encoding for a query-string or form value: unreserved characters (RFC 3986) as
/// they are, every other byte `%XX`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Undoes [`percent_encode`] (and a form's `+` for a space); bad escapes are kept as they are.
pub fn percent_decode(value: &str) -> String {
    let hex = |byte: u8| (byte as char).to_digit(16).map(|d| d as u8);
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `https://x.supabase.co/` and `https://x.supabase.co` are the same project.
pub fn normalize_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

fn classify(base: &str, err: ureq::Error) -> Failure {
    use ureq::Timeout;
    // A failed TLS handshake means the request was never sent: say why in the probe's words.
    if let Some(tls) = tls_error(&err) {
        let (host, port) = host_and_port(base);
        return Failure::NotSent(format!(
            "cannot connect to {base}: {}",
            crate::imap::tls::describe(host, port, tls)
        ));
    }
    match err {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            Failure::NotSent(format!("cannot connect to {base}: {err}"))
        }
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => {
            Failure::NotSent(format!("cannot connect to {base}: timed out"))
        }
        ureq::Error::Io(ref io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable | ErrorKind::NotFound
            ) =>
        {
            Failure::NotSent(format!("cannot connect to {base}: {io}"))
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            Failure::NotSent(format!("invalid Supabase URL {base}: {err}"))
        }
        ureq::Error::Timeout(_) => Failure::Lost(format!("{base} did not answer in time")),
        other => Failure::Lost(format!("request to {base} failed: {other}")),
    }
}

/// HTTPS trusts the system's roots, as the IMAP probe does (`SSL_CERT_FILE`, the
/// distribution's bundle): a company CA, a TLS-inspecting proxy in CI or a self-hosted
/// Supabase behind a private CA then work as they do for curl. Mozilla's roots compiled into
/// ureq are the fallback where the system has none. Plain `http://` reads nothing.
fn tls_config(url: &str) -> ureq::tls::TlsConfig {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let system = if url.trim_start().starts_with("https://") {
        crate::imap::tls::system_root_certificates()
    } else {
        &[]
    };
    let roots = if system.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::new_with_certs(
            &system
                .iter()
                .map(|cert| Certificate::from_der(cert.as_ref()))
                .collect::<Vec<_>>(),
        )
    };
    TlsConfig::builder().root_certs(roots).build()
}

/// The rustls error under `err`, if TLS is what failed (ureq passes handshake errors up
/// wrapped in an I/O error).
fn tls_error(err: &ureq::Error) -> Option<&rustls::Error> {
    match err {
        ureq::Error::Rustls(tls) => Some(tls),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// Host and port of an `https://host[:port]/…` URL (IPv6 in brackets), for messages.
fn host_and_port(url: &str) -> (&str, u16) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => (bracketed, None),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    (host, port.and_then(|port| port.parse().ok()).unwrap_or(443))
}

/// An error answer, read leniently: GoTrue says `msg` + `error_code` (older: `error` +
/// `error_description`), PostgREST says `message` + `code` (+ `details`, `hint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// `error_code` (GoTrue) or a string `code` (PostgREST, e.g. `PGRST202`, `42501`).
    pub code: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn parse(status: u16, body: &str) -> ApiError {
        let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_string)
        };
        // GoTrue's `code` is the HTTP status as a number; PostgREST's is a string.
        let code = text("error_code")
            .or_else(|| text("code"))
            .or_else(|| text("error"));
        let message = text("msg")
            .or_else(|| text("message"))
            .or_else(|| text("error_description"))
            .or_else(|| text("error"))
            .or_else(|| {
                let trimmed = body.trim();
                (!trimmed.is_empty() && value.is_null() && trimmed.len() <= 200)
                    .then(|| trimmed.to_string())
            })
            .unwrap_or_else(|| format!("HTTP {status}"));
        ApiError {
            status,
            code,
            message,
        }
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} (HTTP {}, {code})", self.message, self.status),
            None => write!(f, "{} (HTTP {})", self.message, self.status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gotrue_errors() {
        let err = ApiError::parse(
            400,
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
        );
        assert_eq!(err.code.as_deref(), Some("invalid_credentials"));
        assert_eq!(err.message, "Invalid login credentials");
        let old = ApiError::parse(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token"}"#,
        );
        assert_eq!(old.code.as_deref(), Some("invalid_grant"));
        assert_eq!(old.message, "Invalid Refresh Token");
    }

    #[test]
    fn postgrest_errors() {
        let err = ApiError::parse(
            404,
            r#"{"code":"PGRST202","details":"x","hint":null,"message":"Could not find the function public.mailboxes_add(entry) in the schema cache"}"#,
        );
        assert!(err.has_code("PGRST202"));
        assert!(err.message.starts_with("Could not find the function"));
        let rls = ApiError::parse(
            403,
            r#"{"code":"42501","message":"new row violates row-level security policy for table \"user_secrets\""}"#,
        );
        assert!(rls.has_code("42501"));
    }

    #[test]
    fn odd_error_bodies() {
        assert_eq!(ApiError::parse(502, "").message, "HTTP 502");
        assert_eq!(ApiError::parse(502, "Bad Gateway").message, "Bad Gateway");
        assert_eq!(ApiError::parse(500, "<html>...").code, None);
        assert_eq!(ApiError::parse(500, "[1,2]").message, "HTTP 500");
    }

    #[test]
    fn urls_are_normalized() {
        assert_eq!(normalize_url(" http://127.0.0.1:5/ "), "http://127.0.0.1:5");
    }

    #[test]
    fn connection_refused_is_not_sent() {
        // A port nobody listens on: bind, read the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let api = Api::new(&format!("http://127.0.0.1:{port}"), Secret::new("anon"));
        let failure = api
            .send(&Request::new(Method::Get, "/rest/v1/user_secrets"))
            .unwrap_err();
        assert!(matches!(failure, Failure::NotSent(_)), "{failure:?}");
    }

    #[test]
    fn urls_give_their_host_and_port_for_messages() {
        assert_eq!(
            host_and_port("https://x.supabase.co"),
            ("x.supabase.co", 443)
        );
        assert_eq!(
            host_and_port("https://127.0.0.1:8443/rest/v1"),
            ("127.0.0.1", 8443)
        );
        assert_eq!(host_and_port("https://[::1]:8443"), ("::1", 8443));
        assert_eq!(host_and_port("https://[::1]"), ("::1", 443));
        assert_eq!(host_and_port("x.example"), ("x.example", 443));
    }
}
