//! A stand-in for an OAuth2 provider (Google's and Microsoft's wire formats, as in
//! shared/fixtures/oauth2-imap.md); no real provider runs here. It serves:
//! - `GET /authorize`: the consent page, approved at once for `user` (or refused with
//!   `error=access_denied` after `deny_next`), redirecting to the `redirect_uri` with `code`
//!   and the `state` it was given; it insists on `code_challenge_method=S256`;
//! - `POST /token`: `authorization_code` (single-use codes, the same `redirect_uri` and client,
//!   and the PKCE verifier whose SHA-256 is the challenge), `refresh_token` (rotated on every
//!   use, as Microsoft does; a spent or unknown one is `invalid_grant`) and the device code
//!   grant (`authorization_pending` until the person "enters the code", `slow_down` when polled
//!   too fast);
//! - `POST /devicecode` (RFC 8628) and `POST /revoke` (RFC 7009, Google's).
//!
//! Access tokens it issues are registered with the introspection stand-in, so the real Dovecot
//! accepts them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::Digest as _;

use super::introspection::{decode_form, Introspection};

pub const CLIENT_ID: &str = "test-client.apps.example";

/// Answers wait until this says go (or 10 s pass).
type Hold = Box<dyn Fn() -> bool + Send>;

#[derive(Default)]
struct State {
    /// refresh token → user
    grants: HashMap<String, String>,
    /// code → (user, redirect_uri, challenge)
    codes: HashMap<String, (String, String, String)>,
    /// device code → (user, approved after this many polls, last poll)
    devices: HashMap<String, (String, usize, Option<Instant>)>,
    /// Who the next consent signs in.
    user: String,
    deny_next: bool,
    revoked: Vec<String>,
    /// Every request's path and form fields, for tests to check what was sent.
    seen: Vec<(String, HashMap<String, String>)>,
}

pub struct TokenEndpoint {
    base: String,
    url: String,
    state: Arc<Mutex<State>>,
    requests: Arc<AtomicUsize>,
    failures_first: Arc<AtomicUsize>,
    hold: Arc<Mutex<Option<Hold>>>,
}

fn query_fields(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (decode_form(key), decode_form(value)))
        .collect()
}

fn json(status: u16, value: serde_json::Value) -> tiny_http::ResponseBox {
    let header =
        tiny_http::Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    tiny_http::Response::from_string(value.to_string())
        .with_status_code(status)
        .with_header(header)
        .boxed()
}

impl TokenEndpoint {
    pub fn start(introspection: &'static Introspection) -> TokenEndpoint {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("binding the token stand-in");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state: Arc<Mutex<State>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let failures_first = Arc::new(AtomicUsize::new(0));
        let hold: Arc<Mutex<Option<Hold>>> = Arc::default();
        let (shared, count, fail, held) = (
            Arc::clone(&state),
            Arc::clone(&requests),
            Arc::clone(&failures_first),
            Arc::clone(&hold),
        );
        thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let (path, query) = {
                    let url = request.url().to_owned();
                    match url.split_once('?') {
                        Some((path, query)) => (path.to_owned(), query.to_owned()),
                        None => (url, String::new()),
                    }
                };
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let mut fields = query_fields(&query);
                fields.extend(query_fields(&body));
                if path == "/authorize" {
                    let response = authorize(&shared, &fields);
                    let _ = request.respond(response);
                    continue;
                }
                let n = count.fetch_add(1, Ordering::SeqCst);
                if let Some(go) = held.lock().unwrap().take() {
                    let until = Instant::now() + Duration::from_secs(10);
                    while !go() && Instant::now() < until {
                        thread::sleep(Duration::from_millis(5));
                    }
                }
                shared
                    .lock()
                    .unwrap()
                    .seen
                    .push((path.clone(), fields.clone()));
                let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
                let response = if n < fail.load(Ordering::SeqCst) {
                    json(503, serde_json::json!({"error": "temporarily_unavailable"}))
                } else {
                    match path.as_str() {
                        "/revoke" => {
                            let mut state = shared.lock().unwrap();
                            let token = field("token");
                            match state.grants.remove(&token) {
                                Some(_) => {
                                    state.revoked.push(token);
                                    json(200, serde_json::json!({}))
                                }
                                None => json(400, serde_json::json!({"error": "invalid_token"})),
                            }
                        }
                        "/devicecode" if field("client_id") == CLIENT_ID => {
                            let mut state = shared.lock().unwrap();
                            let device = format!("device-{n}");
                            let user = state.user.clone();
                            state.devices.insert(device.clone(), (user, 2, None));
                            json(
                                200,
                                serde_json::json!({"device_code": device, "user_code": "ABCD-EFGH",
                                "verification_uri": "https://microsoft.com/devicelogin",
                                "expires_in": 900, "interval": 1}),
                            )
                        }
                        "/token" if field("client_id") != CLIENT_ID => {
                            json(401, serde_json::json!({"error": "invalid_client"}))
                        }
                        "/token" => token(&shared, introspection, n, &field),
                        _ => json(404, serde_json::json!({"error": "not_found"})),
                    }
                };
                let _ = request.respond(response);
            }
        });
        TokenEndpoint {
            base: format!("http://127.0.0.1:{port}"),
            url: format!("http://127.0.0.1:{port}/token"),
            state,
            requests,
            failures_first,
            hold,
        }
    }

    /// The next answer waits until `go` says so (at most 10 s).
    pub fn hold_next_until(&self, go: impl Fn() -> bool + Send + 'static) {
        *self.hold.lock().unwrap() = Some(Box::new(go));
    }

    /// The token endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The authorization endpoint.
    pub fn auth_url(&self) -> String {
        format!("{}/authorize", self.base)
    }

    /// A refresh token for `user`, good for one refresh (it rotates).
    pub fn grant(&self, refresh_token: &str, user: &str) {
        self.state
            .lock()
            .unwrap()
            .grants
            .insert(refresh_token.to_owned(), user.to_owned());
    }

    /// Whether `refresh_token` is live (issued and neither spent nor revoked).
    pub fn is_live(&self, refresh_token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .grants
            .contains_key(refresh_token)
    }

    /// Who the consent page signs in from now on.
    pub fn sign_in_as(&self, user: &str) {
        self.state.lock().unwrap().user = user.to_owned();
    }

    /// The next consent is refused (`error=access_denied`).
    pub fn deny_next(&self) {
        self.state.lock().unwrap().deny_next = true;
    }

    pub fn revoked(&self) -> Vec<String> {
        self.state.lock().unwrap().revoked.clone()
    }

    /// The form fields of every request to `path` so far.
    pub fn seen(&self, path: &str) -> Vec<HashMap<String, String>> {
        let state = self.state.lock().unwrap();
        state
            .seen
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, fields)| fields.clone())
            .collect()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The next `n` requests are answered 503.
    pub fn fail_next(&self, n: usize) {
        self.failures_first
            .store(self.requests() + n, Ordering::SeqCst);
    }
}

/// The consent page: approves (or refuses) at once and redirects back.
fn authorize(state: &Mutex<State>, fields: &HashMap<String, String>) -> tiny_http::ResponseBox {
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let redirect = field("redirect_uri");
    let loopback = redirect.starts_with("http://127.0.0.1:");
    if field("client_id") != CLIENT_ID
        || !loopback
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || field("code_challenge").len() != 43
    {
        return json(400, serde_json::json!({"error": "invalid_request"}));
    }
    let mut state = state.lock().unwrap();
    let answer = if std::mem::take(&mut state.deny_next) {
        "error=access_denied".to_owned()
    } else {
        let code = format!("code-{}", state.codes.len() + state.seen.len());
        let user = state.user.clone();
        state.codes.insert(
            code.clone(),
            (user, redirect.clone(), field("code_challenge")),
        );
        format!("code={code}")
    };
    let location = format!(
        "{redirect}?{answer}&state={}",
        crate::support::introspection::encode_form(&field("state"))
    );
    tiny_http::Response::from_string("")
        .with_status_code(302)
        .with_header(tiny_http::Header::from_bytes("Location", location).expect("a valid header"))
        .boxed()
}

/// `POST /token`: every grant type the flows use.
fn token(
    shared: &Mutex<State>,
    introspection: &Introspection,
    n: usize,
    field: &dyn Fn(&str) -> String,
) -> tiny_http::ResponseBox {
    let mut state = shared.lock().unwrap();
    let user = match field("grant_type").as_str() {
        "refresh_token" => state.grants.remove(&field("refresh_token")),
        "authorization_code" => match state.codes.remove(&field("code")) {
            Some((user, redirect, challenge)) => {
                let digest = sha2::Sha256::digest(field("code_verifier").as_bytes());
                let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                if redirect != field("redirect_uri") || expected != challenge {
                    return json(
                        400,
                        serde_json::json!({"error": "invalid_grant",
                        "error_description": "PKCE verification failed or redirect_uri differs"}),
                    );
                }
                Some(user)
            }
            None => None,
        },
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let device = field("device_code");
            match state.devices.get_mut(&device) {
                Some((_, _, Some(last))) if last.elapsed() < Duration::from_millis(900) => {
                    return json(400, serde_json::json!({"error": "slow_down"}));
                }
                Some((_, left, last)) if *left > 0 => {
                    *left -= 1;
                    *last = Some(Instant::now());
                    return json(400, serde_json::json!({"error": "authorization_pending"}));
                }
                Some(_) => state.devices.remove(&device).map(|(user, _, _)| user),
                None => return json(400, serde_json::json!({"error": "expired_token"})),
            }
        }
        _ => return json(400, serde_json::json!({"error": "unsupported_grant_type"})),
    };
    match user {
        Some(user) => {
            let access = format!("ya29.access-{n}");
            let rotated = format!("1//rotated-{n}");
            introspection.issue(&access, &user);
            state.grants.insert(rotated.clone(), user);
            json(
                200,
                serde_json::json!({"access_token": access, "token_type": "Bearer",
                "expires_in": 3599, "refresh_token": rotated}),
            )
        }
        None => json(
            400,
            serde_json::json!({"error": "invalid_grant",
            "error_description": "Token has been expired or revoked."}),
        ),
    }
}
