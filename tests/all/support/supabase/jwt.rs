//! HS256 JSON Web Tokens signed with the stack's shared secret: the one PostgREST verifies
//! (`jwt-secret`) and the auth stand-in signs access tokens and the anon key with, as a
//! Supabase project does with its JWT secret (RFC 7519, RFC 7515 §A.1 for HS256).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// Why a token was refused; the text follows GoTrue's `invalid JWT: ...` messages.
#[derive(Debug, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JwtError::Malformed => {
                "invalid JWT: unable to parse or verify signature, token is malformed: token contains an invalid number of segments"
            }
            JwtError::BadSignature => {
                "invalid JWT: unable to parse or verify signature, signature is invalid"
            }
            JwtError::Expired => {
                "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"
            }
        })
    }
}

/// The shared HS256 secret.
#[derive(Clone)]
pub struct JwtKey {
    secret: String,
}

impl JwtKey {
    pub fn new(secret: String) -> Self {
        assert!(
            secret.len() >= 32,
            "PostgREST wants a JWT secret of at least 32 characters"
        );
        JwtKey { secret }
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Signs `claims` as a compact JWS.
    pub fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&signing_input).finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// Checks the signature and `exp` (no leeway) and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Value, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        if decode_part(header)?["alg"] != "HS256" {
            return Err(JwtError::BadSignature);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Malformed)?;
        self.mac(&format!("{header}.{payload}"))
            .verify_slice(&signature)
            .map_err(|_| JwtError::BadSignature)?;
        let claims: Value = decode_part(payload)?;
        match claims["exp"].as_i64() {
            Some(exp) if exp <= now() => Err(JwtError::Expired),
            _ => Ok(claims),
        }
    }

    fn mac(&self, signing_input: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).expect("HMAC takes any key");
        mac.update(signing_input.as_bytes());
        mac
    }
}

fn decode_part(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}
