//! A stand-in for an OAuth2 provider's token introspection endpoint (RFC 7662), for the real
//! Dovecot's oauth2 passdb to check access tokens against. No real provider runs here; this
//! follows the wire format Dovecot uses (shared/fixtures/oauth2-imap.md): a form-encoded
//! `POST` with `token=…`, answered `200 {"active": true, "email": USER}` for a token it issued
//! and `200 {"active": false}` for any other (never 401, which Dovecot takes as "unavailable").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Introspection {
    url: String,
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl Introspection {
    /// Serves on a free loopback port, from a thread that lives as long as the test binary.
    pub fn start() -> Introspection {
        let server =
            tiny_http::Server::http("127.0.0.1:0").expect("binding the introspection stand-in");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let known = Arc::clone(&tokens);
        thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let token = body
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("token="))
                    .map(decode_form)
                    .unwrap_or_default();
                let answer = match known.lock().unwrap().get(&token) {
                    Some(user) => serde_json::json!({"active": true, "email": user}),
                    None => serde_json::json!({"active": false}),
                };
                let header = tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .expect("a valid header");
                let _ = request.respond(
                    tiny_http::Response::from_string(answer.to_string()).with_header(header),
                );
            }
        });
        Introspection {
            url: format!("http://127.0.0.1:{port}/introspect"),
            tokens,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Issues `token` to `user` (Dovecot checks that `email` is the user logging in).
    pub fn issue(&self, token: &str, user: &str) {
        self.tokens
            .lock()
            .unwrap()
            .insert(token.to_owned(), user.to_owned());
    }
}

/// `application/x-www-form-urlencoded` value decoding (`+`, `%XX`).
pub fn decode_form(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value (unreserved characters kept).
pub fn encode_form(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
