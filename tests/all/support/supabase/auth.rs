//! A STAND-IN for Supabase Auth (GoTrue), served under `/auth/v1` by the gateway, because no
//! GoTrue server can be installed on the test machines. It follows the wire format of
//! supabase/auth (`internal/api/token.go`, `token_refresh.go`, `logout.go`, `user.go`,
//! `errors.go`), keeps all its state in Postgres (`auth.users`, `auth.sessions`,
//! `auth.refresh_tokens`), so concurrent requests agree, and signs HS256 access tokens with
//! the secret PostgREST verifies.
//!
//! Copied from GoTrue:
//! - `POST /token?grant_type=password` `{email, password}`: bcrypt check with pgcrypto
//!   `crypt()` against `auth.users.encrypted_password`; a new session and refresh token;
//!   wrong email or password → 400 `invalid_credentials` "Invalid login credentials".
//! - `POST /token?grant_type=refresh_token` `{refresh_token}`: rotation, serialised by a lock
//!   on the session row. A used (revoked) token that is the parent of the session's active
//!   token yields the active token again (a client that lost the answer, or two processes
//!   refreshing at once); another revoked token inside the 10 s reuse interval is swapped for a
//!   new one; outside it, the session is revoked → 400 `refresh_token_already_used`.
//!   Unknown token → 400 `refresh_token_not_found`.
//! - `GET /user`; `POST /logout?scope=global|local|others` → 204; bearer checks: bad or
//!   expired JWT → 403 `bad_jwt`, no `sub` (the anon key) → 403 `bad_jwt` "invalid claim:
//!   missing sub claim", deleted session → 403 `session_not_found`.
//! - Token response `{access_token, token_type: "bearer", expires_in, expires_at,
//!   refresh_token, user}`; claims iss, sub, aud, exp, iat, email, phone, app_metadata,
//!   user_metadata, role, aal, amr, session_id, is_anonymous; error bodies
//!   `{"code", "error_code", "msg"}`.
//!
//! Left out: sign-up, e-mail confirmation, OTP/magic links, OAuth, MFA, anonymous sign-in,
//! PKCE, rate limits, captcha, hooks, audit log, session timeboxes and single-session mode,
//! asymmetric (ES256) signing keys, `/admin`. One deliberate difference: where GoTrue answers
//! a reuse outside the interval by marking the session's tokens revoked (which leaves a 10 s
//! window in which they work again), the stand-in deletes the session, so every token of it
//! then fails with `refresh_token_not_found`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client, NoTls};
use serde_json::{json, Value};
use uuid::Uuid;

use super::gateway::{Reply, Request};
use super::jwt::{now, JwtKey};

/// GoTrue's default `GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL`.
pub const REUSE_INTERVAL: Duration = Duration::from_secs(10);
/// GoTrue's default `GOTRUE_JWT_EXP`.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);

const ISSUER: &str = "http://127.0.0.1/auth/v1";

pub struct Auth {
    jwt: JwtKey,
    db_url: String,
    pool: Mutex<Vec<Client>>,
    access_token_ttl: Mutex<HashMap<Uuid, Duration>>,
}

/// A GoTrue error answer.
struct AuthError(Reply);

impl AuthError {
    fn new(status: u16, error_code: &str, msg: &str) -> AuthError {
        AuthError(Reply::json(
            status,
            &json!({"code": status, "error_code": error_code, "msg": msg}),
        ))
    }
}

impl From<postgres::Error> for AuthError {
    fn from(err: postgres::Error) -> AuthError {
        AuthError::new(500, "unexpected_failure", &format!("Database error: {err}"))
    }
}

type AuthResult<T> = Result<T, AuthError>;

impl Auth {
    pub fn new(db_url: String, jwt: JwtKey) -> Auth {
        Auth {
            jwt,
            db_url,
            pool: Mutex::new(Vec::new()),
            access_token_ttl: Mutex::new(HashMap::new()),
        }
    }

    /// Access tokens issued to `user` from now on expire after `ttl` (default one hour).
    pub fn set_access_token_ttl(&self, user: Uuid, ttl: Duration) {
        self.access_token_ttl
            .lock()
            .expect("ttl lock")
            .insert(user, ttl);
    }

    /// Answers a request for `path`, the part after `/auth/v1`.
    pub fn handle(&self, request: &Request, path: &str) -> Reply {
        let result = match (request.method.as_str(), path) {
            ("POST", "/token") => match request.query_param("grant_type") {
                Some("password") => self.password_grant(request),
                Some("refresh_token") => self.refresh_grant(request),
                _ => Err(AuthError::new(
                    400,
                    "validation_failed",
                    "unsupported_grant_type",
                )),
            },
            ("GET", "/user") => self.user(request),
            ("POST", "/logout") => self.logout(request),
            ("GET", "/health") => Ok(Reply::json(
                200,
                &json!({"name": "GoTrue", "version": "stand-in", "description": "mailboxes test stand-in"}),
            )),
            _ => Err(AuthError::new(404, "not_found", "Not Found")),
        };
        let mut reply = result.unwrap_or_else(|AuthError(reply)| reply);
        reply
            .headers
            .push(("X-Supabase-Api-Version".into(), "2024-01-01".into()));
        reply
    }

    fn password_grant(&self, request: &Request) -> AuthResult<Reply> {
        let body = request.json_body().unwrap_or(Value::Null);
        let (Some(email), Some(password)) = (body["email"].as_str(), body["password"].as_str())
        else {
            return Err(AuthError::new(
                400,
                "validation_failed",
                "missing email or phone",
            ));
        };
        self.with_db(|db| {
            let mut tx = db.transaction()?;
            let user: Option<Uuid> = tx
                .query_opt(
                    "select id from auth.users
                     where email = lower($1)
                       and encrypted_password = extensions.crypt($2, encrypted_password)",
                    &[&email, &password],
                )?
                .map(|row| row.get(0));
            let Some(user) = user else {
                return Err(AuthError::new(
                    400,
                    "invalid_credentials",
                    "Invalid login credentials",
                ));
            };
            let session = Uuid::new_v4();
            tx.execute(
                "insert into auth.sessions (id, user_id) values ($1, $2)",
                &[&session, &user],
            )?;
            let refresh_token = new_refresh_token();
            tx.execute(
                "insert into auth.refresh_tokens (token, user_id, session_id) values ($1, $2, $3)",
                &[&refresh_token, &user.to_string(), &session],
            )?;
            tx.execute(
                "update auth.users set last_sign_in_at = now() where id = $1",
                &[&user],
            )?;
            let reply = self.token_reply(&mut tx, user, session, &refresh_token)?;
            tx.commit()?;
            Ok(reply)
        })
    }

    fn refresh_grant(&self, request: &Request) -> AuthResult<Reply> {
        let body = request.json_body().unwrap_or(Value::Null);
        let Some(presented) = body["refresh_token"].as_str() else {
            return Err(AuthError::new(
                400,
                "validation_failed",
                "refresh_token required",
            ));
        };
        let not_found = || {
            AuthError::new(
                400,
                "refresh_token_not_found",
                "Invalid Refresh Token: Refresh Token Not Found",
            )
        };
        self.with_db(|db| {
            let mut tx = db.transaction()?;
            let session: Uuid = tx
                .query_opt("select session_id from auth.refresh_tokens where token = $1", &[&presented])?
                .ok_or_else(not_found)?
                .get(0);
            // Lock the session first: concurrent refreshes of one session take turns.
            tx.query_opt("select id from auth.sessions where id = $1 for update", &[&session])?
                .ok_or_else(not_found)?;
            let token = tx
                .query_opt(
                    "select id, user_id::uuid, revoked,
                            extract(epoch from now() - updated_at)::float8
                     from auth.refresh_tokens where token = $1 for update",
                    &[&presented],
                )?
                .ok_or_else(not_found)?;
            let (token_id, user, revoked, age): (i64, Uuid, bool, f64) =
                (token.get(0), token.get(1), token.get(2), token.get(3));

            let mut issued = None;
            if revoked {
                let active = tx.query_opt(
                    "select token, parent from auth.refresh_tokens
                     where session_id = $1 and not revoked order by id desc limit 1",
                    &[&session],
                )?;
                match active {
                    Some(row) if row.get::<_, Option<String>>(1).as_deref() == Some(presented) => {
                        issued = Some(row.get::<_, String>(0));
                    }
                    _ if age > REUSE_INTERVAL.as_secs_f64() => {
                        tx.execute("delete from auth.sessions where id = $1", &[&session])?;
                        tx.commit()?;
                        return Err(AuthError::new(
                            400,
                            "refresh_token_already_used",
                            "Invalid Refresh Token: Already Used",
                        ));
                    }
                    _ => {}
                }
            }
            let issued = match issued {
                Some(token) => token,
                None => {
                    tx.execute(
                        "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1",
                        &[&token_id],
                    )?;
                    let token = new_refresh_token();
                    tx.execute(
                        "insert into auth.refresh_tokens (token, user_id, session_id, parent)
                         values ($1, $2, $3, $4)",
                        &[&token, &user.to_string(), &session, &presented],
                    )?;
                    token
                }
            };
            tx.execute(
                "update auth.sessions set updated_at = now(), refreshed_at = now() at time zone 'utc'
                 where id = $1",
                &[&session],
            )?;
            let reply = self.token_reply(&mut tx, user, session, &issued)?;
            tx.commit()?;
            Ok(reply)
        })
    }

    fn user(&self, request: &Request) -> AuthResult<Reply> {
        let (user, _) = self.authenticate(request)?;
        self.with_db(|db| Ok(Reply::json(200, &user_json(db, user)?)))
    }

    fn logout(&self, request: &Request) -> AuthResult<Reply> {
        let scope = request.query_param("scope").unwrap_or("global");
        if !["", "global", "local", "others"].contains(&scope) {
            return Err(AuthError::new(
                400,
                "validation_failed",
                &format!("Unsupported logout scope {scope:?}"),
            ));
        }
        let (user, session) = self.authenticate(request)?;
        self.with_db(|db| {
            match scope {
                "local" => db.execute("delete from auth.sessions where id = $1", &[&session])?,
                "others" => db.execute(
                    "delete from auth.sessions where user_id = $1 and id <> $2",
                    &[&user, &session],
                )?,
                _ => db.execute("delete from auth.sessions where user_id = $1", &[&user])?,
            };
            Ok(Reply::empty(204))
        })
    }

    /// GoTrue's `requireAuthentication` + `maybeLoadUserOrSession`: the bearer's user and session.
    fn authenticate(&self, request: &Request) -> AuthResult<(Uuid, Uuid)> {
        let bearer = request
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                AuthError::new(
                    401,
                    "no_authorization",
                    "This endpoint requires a Bearer token",
                )
            })?;
        let claims = self
            .jwt
            .verify(bearer.trim())
            .map_err(|err| AuthError::new(403, "bad_jwt", &err.to_string()))?;
        let user = claims["sub"]
            .as_str()
            .ok_or_else(|| AuthError::new(403, "bad_jwt", "invalid claim: missing sub claim"))?;
        let user = Uuid::parse_str(user).map_err(|_| {
            AuthError::new(400, "bad_jwt", "invalid claim: sub claim must be a UUID")
        })?;
        let session = claims["session_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| {
                AuthError::new(
                    403,
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                )
            })?;
        self.with_db(|db| {
            if db
                .query_opt("select 1 from auth.users where id = $1", &[&user])?
                .is_none()
            {
                return Err(AuthError::new(
                    403,
                    "user_not_found",
                    "User from sub claim in JWT does not exist",
                ));
            }
            let found = db.query_opt(
                "select 1 from auth.sessions where id = $1 and user_id = $2",
                &[&session, &user],
            )?;
            if found.is_none() {
                return Err(AuthError::new(
                    403,
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                ));
            }
            Ok((user, session))
        })
    }

    fn token_reply(
        &self,
        db: &mut impl postgres::GenericClient,
        user: Uuid,
        session: Uuid,
        refresh_token: &str,
    ) -> AuthResult<Reply> {
        let user_json = user_json(db, user)?;
        let ttl = self
            .access_token_ttl
            .lock()
            .expect("ttl lock")
            .get(&user)
            .copied()
            .unwrap_or(DEFAULT_ACCESS_TOKEN_TTL)
            .as_secs() as i64;
        let iat = now();
        let claims = json!({
            "iss": ISSUER,
            "sub": user.to_string(),
            "aud": "authenticated",
            "exp": iat + ttl,
            "iat": iat,
            "email": user_json["email"],
            "phone": "",
            "app_metadata": user_json["app_metadata"],
            "user_metadata": user_json["user_metadata"],
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": iat}],
            "session_id": session.to_string(),
            "is_anonymous": false,
        });
        Ok(Reply::json(
            200,
            &json!({
                "access_token": self.jwt.sign(&claims),
                "token_type": "bearer",
                "expires_in": ttl,
                "expires_at": iat + ttl,
                "refresh_token": refresh_token,
                "user": user_json,
            }),
        ))
    }

    /// Runs `f` on a pooled superuser connection (GoTrue connects as its own admin role).
    fn with_db<T>(&self, f: impl FnOnce(&mut Client) -> AuthResult<T>) -> AuthResult<T> {
        let pooled = self.pool.lock().expect("pool lock").pop();
        let mut client = match pooled {
            Some(client) => client,
            None => Client::connect(&self.db_url, NoTls)?,
        };
        let result = f(&mut client);
        if !client.is_closed() {
            self.pool.lock().expect("pool lock").push(client);
        }
        result
    }
}

/// GoTrue's user object.
fn user_json(db: &mut impl postgres::GenericClient, user: Uuid) -> AuthResult<Value> {
    let row = db.query_one(
        "select json_build_object(
           'id', id, 'aud', aud, 'role', role, 'email', email,
           'email_confirmed_at', email_confirmed_at, 'phone', '',
           'confirmed_at', email_confirmed_at, 'last_sign_in_at', last_sign_in_at,
           'app_metadata', raw_app_meta_data, 'user_metadata', raw_user_meta_data,
           'identities', '[]'::json, 'created_at', created_at, 'updated_at', updated_at,
           'is_anonymous', is_anonymous)::jsonb
         from auth.users where id = $1",
        &[&user],
    )?;
    Ok(row.get(0))
}

/// An opaque refresh token (GoTrue's are short random strings too).
fn new_refresh_token() -> String {
    Uuid::new_v4().simple().to_string()
}
