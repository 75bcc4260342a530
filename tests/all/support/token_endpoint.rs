//! A stand-in for an OAuth2 token endpoint's refresh grant (RFC 6749 §6), as Google's and
//! Microsoft's answer it (shared/fixtures/oauth2-imap.md). No real provider runs here. It
//! checks the client id, rotates the refresh token (as Microsoft does), issues access tokens
//! that the introspection stand-in then vouches for (so the real Dovecot accepts them), and
//! answers a spent or unknown refresh token `400 {"error":"invalid_grant", …}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use super::introspection::{decode_form, Introspection};

pub struct TokenEndpoint {
    url: String,
    grants: Arc<Mutex<HashMap<String, String>>>,
    requests: Arc<AtomicUsize>,
    failures_first: Arc<AtomicUsize>,
    hold: Arc<Mutex<Option<Hold>>>,
}

/// Answers wait until this says go (or 10 s pass).
type Hold = Box<dyn Fn() -> bool + Send>;

pub const CLIENT_ID: &str = "test-client.apps.example";

impl TokenEndpoint {
    pub fn start(introspection: &'static Introspection) -> TokenEndpoint {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("binding the token stand-in");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let grants: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let failures_first = Arc::new(AtomicUsize::new(0));
        let (known, count, fail) = (
            Arc::clone(&grants),
            Arc::clone(&requests),
            Arc::clone(&failures_first),
        );
        let hold: Arc<Mutex<Option<Hold>>> = Arc::default();
        let held = Arc::clone(&hold);
        thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let n = count.fetch_add(1, Ordering::SeqCst);
                if let Some(go) = held.lock().unwrap().take() {
                    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
                    while !go() && std::time::Instant::now() < until {
                        thread::sleep(std::time::Duration::from_millis(5));
                    }
                }
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let field = |name: &str| {
                    body.split('&')
                        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                        .map(decode_form)
                        .unwrap_or_default()
                };
                let (status, answer) = if n < fail.load(Ordering::SeqCst) {
                    (503, serde_json::json!({"error": "temporarily_unavailable"}))
                } else if field("grant_type") != "refresh_token" || field("client_id") != CLIENT_ID
                {
                    (401, serde_json::json!({"error": "invalid_client"}))
                } else {
                    let mut grants = known.lock().unwrap();
                    match grants.remove(&field("refresh_token")) {
                        Some(user) => {
                            let access = format!("ya29.access-{n}");
                            let rotated = format!("1//rotated-{n}");
                            introspection.issue(&access, &user);
                            grants.insert(rotated.clone(), user);
                            (
                                200,
                                serde_json::json!({"access_token": access, "token_type": "Bearer",
                                "expires_in": 3599, "refresh_token": rotated}),
                            )
                        }
                        None => (
                            400,
                            serde_json::json!({"error": "invalid_grant",
                            "error_description": "Token has been expired or revoked."}),
                        ),
                    }
                };
                let header = tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .expect("a valid header");
                let response = tiny_http::Response::from_string(answer.to_string())
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
        });
        TokenEndpoint {
            url: format!("http://127.0.0.1:{port}/token"),
            grants,
            requests,
            failures_first,
            hold,
        }
    }

    /// The next answer waits until `go` says so (at most 10 s).
    pub fn hold_next_until(&self, go: impl Fn() -> bool + Send + 'static) {
        *self.hold.lock().unwrap() = Some(Box::new(go));
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A refresh token for `user`, good for one refresh (it rotates).
    pub fn grant(&self, refresh_token: &str, user: &str) {
        self.grants
            .lock()
            .unwrap()
            .insert(refresh_token.to_owned(), user.to_owned());
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
