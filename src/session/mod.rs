//! Signing in to Supabase and keeping the session: one file per verb (`login`, `logout`,
//! `status`), and the signed-in `Connection` that the PostgREST client (`crate::postgrest`)
//! sends its requests through.
//!
//! The session (access token, refresh token, expiry, user id, email) lives in the OS keyring,
//! else in a 0600 file (see `keeper`); the project URL and anon key are remembered per profile
//! in `profiles.json` (no tokens there). `MAILBOXES_ACCESS_TOKEN` supplies a token for one run
//! and stores nothing. An access token that is expired or expires within 60 s is refreshed
//! before use, and a request answered 401 is retried once after a refresh. Refresh tokens are
//! single use, so refreshing is serialised across processes with an exclusive lock on
//! `$XDG_STATE_HOME/mailboxes/session.<profile>.lock`; under the lock the stored session is read
//! again (another process may have refreshed already) and the rotated token is stored before
//! it is used. Nothing here prints: every function returns a report for the caller to show.

pub mod gotrue;
pub mod keeper;
mod login;
mod logout;
mod profiles;
mod status;

use std::cell::RefCell;
use std::fs;
use std::time::Duration;

use crate::config::{ensure_private_dir, lock_exclusive, LockError, Paths};
use crate::http::{Api, Failure, Reply, Request};
use crate::secret::Secret;
use crate::store::StoreError;
use gotrue::AuthFailure;
pub use keeper::KeptIn;
use keeper::{Keeper, StoredSession};
pub use login::{login, LoginReport};
pub use logout::{logout, LogoutReport};
pub use status::{status, StatusReport};

pub const URL_ENV: &str = "SUPABASE_URL";
pub const ANON_KEY_ENV: &str = "SUPABASE_ANON_KEY";
pub const ACCESS_TOKEN_ENV: &str = "MAILBOXES_ACCESS_TOKEN";

/// Refresh an access token that expires within this many seconds.
const REFRESH_MARGIN_SECS: i64 = 60;
/// How long to wait for another process that holds the refresh lock.
const LOCK_WAIT: Duration = Duration::from_secs(40);

pub const EXPIRED: &str = "session expired, run `mailboxes login`";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No usable session: never logged in, logged out, or the refresh failed (exit 3).
    #[error("{0}")]
    NotLoggedIn(String),
    /// The password grant was refused (exit 3).
    #[error("{0}")]
    InvalidCredentials(String),
    /// The server could not be reached or failed (exit 5).
    #[error("{0}")]
    Unavailable(String),
    /// A required input is missing (no URL or anon key): a usage error (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A local file could not be read or written (exit 1).
    #[error("{0}")]
    Storage(String),
}

impl From<SessionError> for StoreError {
    fn from(err: SessionError) -> StoreError {
        match err {
            SessionError::NotLoggedIn(message) | SessionError::InvalidCredentials(message) => {
                StoreError::NotLoggedIn(message)
            }
            SessionError::Unavailable(message)
            | SessionError::Usage(message)
            | SessionError::Storage(message) => StoreError::Unavailable(message),
        }
    }
}

/// What a command passes in: the profile, and where the project URL, anon key and token come
/// from. Precedence: flags (`url`, `anon_key`; clap also fills them from `SUPABASE_URL` /
/// `SUPABASE_ANON_KEY` for `login`) > what the profile remembers > the environment (`env_*`).
/// So an unrelated `SUPABASE_URL` in a shell does not log a user out of the project they chose.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Paths,
    pub profile: String,
    pub url: Option<String>,
    pub anon_key: Option<String>,
    pub env_url: Option<String>,
    pub env_anon_key: Option<String>,
    /// `MAILBOXES_ACCESS_TOKEN`: a token for this run, stored nowhere, never refreshed.
    pub access_token: Option<Secret>,
}

impl Options {
    /// `url` and `anon_key` as given on the command line (`None` when not given); the rest
    /// from `SUPABASE_URL`, `SUPABASE_ANON_KEY` and `MAILBOXES_ACCESS_TOKEN` (empty = unset).
    pub fn from_env(
        paths: &Paths,
        profile: &str,
        url: Option<String>,
        anon_key: Option<String>,
    ) -> Options {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        Options {
            paths: paths.clone(),
            profile: profile.to_string(),
            url,
            anon_key,
            env_url: env(URL_ENV),
            env_anon_key: env(ANON_KEY_ENV),
            access_token: env(ACCESS_TOKEN_ENV).map(|token| Secret::new(token.trim())),
        }
    }

    fn url_for(&self, remembered: &profiles::Profile) -> Option<String> {
        self.url
            .clone()
            .or_else(|| remembered.url.clone())
            .or_else(|| self.env_url.clone())
            .map(|url| crate::http::normalize_url(&url))
    }

    /// The project URL and anon key (see the precedence above).
    fn project(&self, remembered: &profiles::Profile) -> Result<(String, Secret), SessionError> {
        let url = self.url_for(remembered).ok_or_else(|| {
            SessionError::Usage(format!(
                "no Supabase URL for profile '{}': pass --url or set {URL_ENV}",
                self.profile
            ))
        })?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SessionError::Usage(format!(
                "the Supabase URL must start with https:// (got '{url}')"
            )));
        }
        // A remembered key belongs to the remembered URL only.
        let remembered_key = remembered
            .anon_key
            .clone()
            .filter(|_| remembered.url.as_deref() == Some(url.as_str()));
        let anon_key = self
            .anon_key
            .clone()
            .or(remembered_key)
            .or_else(|| self.env_anon_key.clone())
            .ok_or_else(|| {
                SessionError::Usage(format!(
                    "no anon key for profile '{}': pass --anon-key or set {ANON_KEY_ENV}",
                    self.profile
                ))
            })?;
        Ok((url, Secret::new(anon_key.trim())))
    }
}

/// Whether commands should default to the Supabase store: `MAILBOXES_ACCESS_TOKEN` is set, or
/// `profile` has a stored session. Decided from the environment and `profiles.json` alone (no
/// keyring, no network), so it is cheap enough for every command.
pub fn is_logged_in(paths: &Paths, profile: &str) -> bool {
    std::env::var_os(ACCESS_TOKEN_ENV).is_some_and(|token| !token.is_empty())
        || profiles::get(paths, profile).is_ok_and(|p| p.session.is_some() && p.url.is_some())
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| unix.to_string())
}

fn storage(err: String) -> SessionError {
    SessionError::Storage(err)
}

/// Deletes the stored session of `profile` wherever it may be; returns where one was deleted.
fn forget_stored(paths: &Paths, profile: &str, remembered: &profiles::Profile) -> Vec<KeptIn> {
    let mut deleted = Vec::new();
    if let (Some(KeptIn::Keyring), Some(url)) = (remembered.session, &remembered.url) {
        if Keeper::keyring(profile, url).delete().is_ok() {
            deleted.push(KeptIn::Keyring);
        }
    }
    let file = keeper::session_file(paths, profile);
    if file.exists() && Keeper::file(paths, profile).delete().is_ok() {
        deleted.push(KeptIn::File);
    }
    deleted
}

/// When the migration's SQL functions were last found missing at `connection`'s URL (unix
/// seconds), as the profile remembers it: a cache the PostgREST client keeps.
pub fn rpc_missing_since(connection: &Connection) -> Option<i64> {
    connection.rpc_missing_since
}

/// Remembers in the profile (best effort) when the SQL functions were found missing at
/// `connection`'s URL, or that they exist (`None`).
pub fn remember_rpc_missing_since(connection: &Connection, since: Option<i64>) {
    let url = connection.url.clone();
    let result = profiles::update(&connection.paths, &connection.profile, |profile| {
        if profile.url.as_deref() == Some(url.as_str()) {
            profile.rpc_missing_since = since;
        }
    });
    if let Err(err) = result {
        log::debug!("cannot remember whether the SQL functions exist: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// the connection a store uses

/// Why a request through a `Connection` got no answer.
#[derive(Debug)]
pub enum CallError {
    Transport(Failure),
    Session(SessionError),
}

/// What a connection authenticates with.
enum Credentials {
    /// A stored session: refreshed when it is about to expire or is refused.
    Session(StoredSession),
    /// `MAILBOXES_ACCESS_TOKEN`: that token only, never refreshed. Whose it is (id, email) is
    /// asked of the server at first need.
    Token {
        access_token: Secret,
        user: Option<(String, Option<String>)>,
    },
}

impl Credentials {
    fn access_token(&self) -> &Secret {
        match self {
            Credentials::Session(session) => &session.access_token,
            Credentials::Token { access_token, .. } => access_token,
        }
    }

    fn user_id(&self) -> Option<&str> {
        match self {
            Credentials::Session(session) => Some(&session.user_id),
            Credentials::Token { user, .. } => user.as_ref().map(|(id, _)| id.as_str()),
        }
    }

    fn email(&self) -> Option<&str> {
        match self {
            Credentials::Session(session) => session.email.as_deref(),
            Credentials::Token { user, .. } => {
                user.as_ref().and_then(|(_, email)| email.as_deref())
            }
        }
    }

    fn expires_at(&self) -> Option<i64> {
        match self {
            Credentials::Session(session) => Some(session.expires_at),
            Credentials::Token { .. } => None,
        }
    }
}

/// A signed-in client for one profile: adds `apikey` and `Authorization` to every request,
/// refreshes the access token when it expires, and retries once on 401.
pub struct Connection {
    api: Api,
    url: String,
    paths: Paths,
    profile: String,
    /// `None` with `MAILBOXES_ACCESS_TOKEN`.
    keeper: Option<Keeper>,
    rpc_missing_since: Option<i64>,
    credentials: RefCell<Credentials>,
}

impl Connection {
    /// Loads the stored session (or takes `MAILBOXES_ACCESS_TOKEN`); sends nothing.
    pub fn open(opts: &Options) -> Result<Connection, SessionError> {
        let remembered = profiles::get(&opts.paths, &opts.profile).map_err(storage)?;
        let (url, anon_key) = opts.project(&remembered)?;
        let same_project = remembered.url.as_deref() == Some(url.as_str());
        let rpc_missing_since = remembered.rpc_missing_since.filter(|_| same_project);
        let api = Api::new(&url, anon_key);
        let base = |keeper, credentials| Connection {
            api,
            url: url.clone(),
            paths: opts.paths.clone(),
            profile: opts.profile.clone(),
            keeper,
            rpc_missing_since,
            credentials: RefCell::new(credentials),
        };
        if let Some(token) = &opts.access_token {
            return Ok(base(
                None,
                Credentials::Token {
                    access_token: token.clone(),
                    user: None,
                },
            ));
        }
        let not_logged_in = || {
            SessionError::NotLoggedIn(format!(
                "not logged in to {url} (profile '{}'): run `mailboxes login`",
                opts.profile
            ))
        };
        let keeper = match remembered.session {
            Some(KeptIn::Keyring) if same_project => Keeper::keyring(&opts.profile, &url),
            Some(KeptIn::File) if same_project => Keeper::file(&opts.paths, &opts.profile),
            _ => return Err(not_logged_in()),
        };
        let session = keeper
            .load()
            .map_err(|err| {
                // The session is still there: say how to reach it before offering a new one.
                let fix = match keeper.kind() {
                    KeptIn::Keyring => {
                        "unlock the keyring (on Linux: a Secret Service on this D-Bus session), \
                         or run `mailboxes login` to keep a new session in a 0600 file instead"
                    }
                    KeptIn::File | KeptIn::Env => {
                        "fix its permissions, or run `mailboxes login` again"
                    }
                };
                SessionError::NotLoggedIn(format!(
                    "cannot read the session from the {}: {err}; {fix}",
                    keeper.kind()
                ))
            })?
            .filter(|session| session.url == url)
            .ok_or_else(not_logged_in)?;
        Ok(base(Some(keeper), Credentials::Session(session)))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    pub fn kept_in(&self) -> KeptIn {
        self.keeper.as_ref().map_or(KeptIn::Env, Keeper::kind)
    }

    /// The user id, when known without asking the server (not with `MAILBOXES_ACCESS_TOKEN`).
    pub fn known_user_id(&self) -> Option<String> {
        self.credentials.borrow().user_id().map(str::to_owned)
    }

    /// The signed-in user's id (with `MAILBOXES_ACCESS_TOKEN`, asked of `/auth/v1/user` once).
    pub fn user_id(&self) -> Result<String, CallError> {
        if let Some(id) = self.known_user_id() {
            return Ok(id);
        }
        let token = self.credentials.borrow().access_token().clone();
        let user = gotrue::user(&self.api, &token).map_err(|failure| match failure {
            AuthFailure::Rejected(err) if err.status == 401 || err.status == 403 => {
                CallError::Session(SessionError::NotLoggedIn(format!(
                    "{ACCESS_TOKEN_ENV} was rejected: {}",
                    err.message
                )))
            }
            AuthFailure::Transport(failure) => CallError::Transport(failure),
            other => CallError::Session(SessionError::Unavailable(other.to_string())),
        })?;
        if let Credentials::Token { user: known, .. } = &mut *self.credentials.borrow_mut() {
            *known = Some((user.id.clone(), user.email));
        }
        Ok(user.id)
    }

    /// Sends `request` with the access token (refreshed first when about to expire); a 401 is
    /// answered by one refresh and one retry.
    pub fn send(&self, request: &Request) -> Result<Reply, CallError> {
        if self.expiring() {
            self.refresh(None).map_err(CallError::Session)?;
        }
        let token = self.credentials.borrow().access_token().clone();
        let reply = self
            .api
            .send(&request.clone().bearer(&token))
            .map_err(CallError::Transport)?;
        if reply.status != 401 {
            return Ok(reply);
        }
        log::debug!("401: {}", reply.error());
        // Any 401 means "refresh, then retry once": PostgREST 12 says PGRST301 for an expired
        // JWT, 13+ says PGRST303, GoTrue says bad_jwt; never match on one code.
        self.refresh(Some(&token)).map_err(CallError::Session)?;
        let token = self.credentials.borrow().access_token().clone();
        let reply = self
            .api
            .send(&request.clone().bearer(&token))
            .map_err(CallError::Transport)?;
        if reply.status == 401 {
            return Err(CallError::Session(SessionError::NotLoggedIn(format!(
                "{EXPIRED} ({})",
                reply.error().message
            ))));
        }
        Ok(reply)
    }

    fn expiring(&self) -> bool {
        self.credentials
            .borrow()
            .expires_at()
            .is_some_and(|expires_at| expiring(expires_at, now()))
    }

    /// Replaces the access token. `rejected` is the token a server just refused (`None` for a
    /// refresh because the token is about to expire).
    fn refresh(&self, rejected: Option<&Secret>) -> Result<(), SessionError> {
        let Some(keeper) = &self.keeper else {
            return Err(SessionError::NotLoggedIn(format!(
                "the token in {ACCESS_TOKEN_ENV} was rejected (expired?); it cannot be refreshed"
            )));
        };
        let _lock = self.lock()?;
        // Another process may have refreshed while we waited: use its session if it is newer.
        let stored = keeper
            .load()
            .map_err(|err| SessionError::NotLoggedIn(format!("{EXPIRED} ({err})")))?
            .filter(|session| session.url == self.url)
            .ok_or_else(|| {
                SessionError::NotLoggedIn(format!("{EXPIRED} (the stored session is gone)"))
            })?;
        let someone_refreshed = match rejected {
            Some(rejected) => stored.access_token != *rejected,
            None => !expiring(stored.expires_at, now()),
        };
        if someone_refreshed {
            log::debug!("using the session another process refreshed");
            self.adopt(stored);
            return Ok(());
        }
        let reply =
            gotrue::refresh(&self.api, &stored.refresh_token).map_err(|failure| match failure {
                AuthFailure::Rejected(err) if (400..500).contains(&err.status) => {
                    SessionError::NotLoggedIn(format!("{EXPIRED} ({})", err.message))
                }
                other => SessionError::Unavailable(format!("cannot refresh the session: {other}")),
            })?;
        let session = StoredSession {
            url: self.url.clone(),
            expires_at: reply.expires_at(now()),
            user_id: reply.user.id.clone(),
            email: reply.user.email.clone().or(stored.email),
            access_token: reply.access_token.clone(),
            refresh_token: reply.refresh_token.clone(),
        };
        // The old refresh token is spent: store the new one before using the new access token.
        keeper.save(&session).map_err(|err| {
            SessionError::NotLoggedIn(format!(
                "the session was refreshed but could not be stored ({err}); run `mailboxes login`"
            ))
        })?;
        self.adopt(session);
        Ok(())
    }

    fn adopt(&self, session: StoredSession) {
        *self.credentials.borrow_mut() = Credentials::Session(session);
    }

    /// The exclusive refresh lock for this profile, held until dropped.
    fn lock(&self) -> Result<fs::File, SessionError> {
        let fail = |err: std::io::Error| {
            SessionError::Storage(format!("cannot lock the session for refresh: {err}"))
        };
        ensure_private_dir(&self.paths.state_dir).map_err(fail)?;
        let path = self
            .paths
            .state_dir
            .join(format!("session.{}.lock", self.profile));
        lock_exclusive(&path, LOCK_WAIT, Duration::from_millis(25)).map_err(|err| match err {
            LockError::Open(err) | LockError::Lock(err) => fail(err),
            LockError::TimedOut => SessionError::Unavailable(
                "another mailboxes process has been refreshing the session for too long".into(),
            ),
        })
    }
}

/// Whether a token expiring at `expires_at` must be refreshed at `now` (both unix seconds).
fn expiring(expires_at: i64, now: i64) -> bool {
    expires_at - now <= REFRESH_MARGIN_SECS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &std::path::Path) -> Options {
        Options {
            paths: Paths {
                config_dir: dir.join("config"),
                state_dir: dir.join("state"),
            },
            profile: "default".into(),
            url: None,
            anon_key: None,
            env_url: None,
            env_anon_key: None,
            access_token: None,
        }
    }

    #[test]
    fn expiry_margin() {
        assert!(expiring(1000, 1000));
        assert!(expiring(1060, 1000));
        assert!(!expiring(1061, 1000));
        assert!(expiring(900, 1000));
    }

    #[test]
    fn project_needs_url_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(dir.path());
        let remembered = profiles::Profile::default();
        assert!(matches!(
            opts.project(&remembered),
            Err(SessionError::Usage(_))
        ));
        opts.url = Some("http://127.0.0.1:9/".into());
        assert!(
            matches!(opts.project(&remembered), Err(SessionError::Usage(m)) if m.contains(ANON_KEY_ENV))
        );
        opts.anon_key = Some("anon".into());
        let (url, key) = opts.project(&remembered).unwrap();
        assert_eq!(url, "http://127.0.0.1:9");
        assert_eq!(key.expose(), "anon");
        opts.url = Some("ftp://x".into());
        assert!(opts.project(&remembered).is_err());
    }

    #[test]
    fn logged_in_marker_lives_in_profiles_json() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path());
        assert!(!is_logged_in(&opts.paths, "default"));
        profiles::update(&opts.paths, "default", |p| {
            p.url = Some("http://127.0.0.1:9".into());
            p.session = Some(KeptIn::File);
        })
        .unwrap();
        assert!(is_logged_in(&opts.paths, "default"));
        assert!(!is_logged_in(&opts.paths, "other"));
        let text = fs::read_to_string(profiles::file(&opts.paths)).unwrap();
        assert!(text.contains(r#""session": "file""#), "{text}");
    }

    #[test]
    fn connection_without_session_is_not_logged_in() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(dir.path());
        opts.url = Some("http://127.0.0.1:9".into());
        opts.anon_key = Some("anon".into());
        assert!(matches!(
            Connection::open(&opts),
            Err(SessionError::NotLoggedIn(_))
        ));
        opts.access_token = Some(Secret::new("tok"));
        let connection = Connection::open(&opts).unwrap();
        assert_eq!(connection.kept_in(), KeptIn::Env);
    }

    #[test]
    fn logout_offline_deletes_the_file_session() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path());
        // Nobody listens on this port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let keeper = Keeper::file(&opts.paths, "default");
        keeper
            .save(&StoredSession {
                url: url.clone(),
                access_token: Secret::new("a"),
                refresh_token: Secret::new("r"),
                expires_at: now() + 3600,
                user_id: "u".into(),
                email: None,
            })
            .unwrap();
        profiles::update(&opts.paths, "default", |p| {
            p.url = Some(url.clone());
            p.anon_key = Some("anon".into());
            p.session = Some(KeptIn::File);
        })
        .unwrap();
        let report = logout(&opts).unwrap();
        assert!(report.was_logged_in && !report.revoked);
        assert!(report.revoke_error.is_some());
        assert_eq!(report.deleted_from, vec![KeptIn::File]);
        assert!(keeper.load().unwrap().is_none());
        assert!(!is_logged_in(&opts.paths, "default"));
        // The project is remembered for the next login.
        assert_eq!(
            profiles::get(&opts.paths, "default").unwrap().url,
            Some(url)
        );
    }
}
