//! The Supabase test stack (issue 3): a private PostgreSQL with a Supabase-shaped schema, the
//! real PostgREST 12, the GoTrue stand-in and a gateway that serves them on one origin, like a
//! Supabase project URL. `shared(Migration::Installed)` / `shared(Migration::Absent)` start once
//! per test run (behind `OnceLock`s, on free loopback ports, each server in its own dir) and
//! stop with the test process; `Stack::start` gives a test group its own database and servers.
//! Each test owns its users (`create_user` with a unique e-mail), so tests run in parallel.
//!
//! Clock skew: PostgREST 12 still accepts a JWT up to 30 s after its `exp` (the auth stand-in,
//! like GoTrue, allows none). A short `set_access_token_ttl` therefore exercises a client's
//! refresh-before-expiry; to make PostgREST answer 401 (PGRST301), present a token from
//! `sign_jwt` whose `exp` is over 30 s in the past, or answer 401 from an interceptor.
//!
//! ```ignore
//! let stack = supabase::shared(Migration::Installed);
//! let alice = stack.create_user("alice-add@example.test", "pw-alice");
//! // mailboxes login --url {stack.url()} --anon-key {stack.anon_key()} ...
//! assert_eq!(stack.settings(alice).unwrap()["mailboxes"][0]["id"], "m1");
//! ```

mod auth;
mod gateway;
mod jwt;
mod lifetime;
mod postgres;
mod postgrest;

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

pub use self::auth::{DEFAULT_ACCESS_TOKEN_TTL, REUSE_INTERVAL};
pub use self::gateway::{Fault, FaultFront, Interceptor, Reply, Request};
pub use self::jwt::JwtKey;

use self::auth::Auth;
use self::gateway::Gateway;
use self::lifetime::RunDir;
use self::postgres::Cluster;
use self::postgrest::PostgRest;

/// Whether the stack's database has `supabase/migrations/*_mailboxes.sql` installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Migration {
    Installed,
    Absent,
}

/// The PostgreSQL cluster and run directory shared by all stacks of this test run.
struct Base {
    run: RunDir,
    cluster: Cluster,
    jwt: JwtKey,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let run = RunDir::create();
        let cluster = Cluster::start(&run);
        let secret = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        Base {
            run,
            cluster,
            jwt: JwtKey::new(secret),
        }
    })
}

/// The stack shared by the whole test run, with or without the migration.
pub fn shared(migration: Migration) -> &'static Stack {
    static INSTALLED: OnceLock<Stack> = OnceLock::new();
    static ABSENT: OnceLock<Stack> = OnceLock::new();
    let cell = match migration {
        Migration::Installed => &INSTALLED,
        Migration::Absent => &ABSENT,
    };
    cell.get_or_init(|| Stack::start(migration))
}

/// One Supabase-like project: a database, its PostgREST, the auth stand-in and the gateway.
pub struct Stack {
    database: String,
    anon_key: String,
    auth: Arc<Auth>,
    gateway: Gateway,
    postgrest: PostgRest,
}

impl Stack {
    /// Starts a stack on a new database of the shared cluster; its PostgREST and gateway stop
    /// when it is dropped.
    pub fn start(migration: Migration) -> Stack {
        let base = base();
        let database = base.cluster.create_database(migration);
        let postgrest = PostgRest::start(
            base.run.server_dir(&format!("postgrest-{database}")),
            &base.cluster.url("authenticator", &database),
            base.jwt.secret(),
        );
        let auth = Arc::new(Auth::new(
            base.cluster.url("postgres", &database),
            base.jwt.clone(),
        ));
        let gateway = Gateway::start(
            base.run.server_dir(&format!("gateway-{database}")),
            postgrest.url(),
            Arc::clone(&auth),
        );
        // Supabase's anon key: a long-lived JWT whose role is `anon`.
        let anon_key = base.jwt.sign(&json!({
            "iss": "supabase-demo",
            "role": "anon",
            "iat": jwt::now(),
            "exp": jwt::now() + 10 * 365 * 24 * 3600,
        }));
        Stack {
            database,
            anon_key,
            auth,
            gateway,
            postgrest,
        }
    }

    /// The project URL (`SUPABASE_URL`), e.g. `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.gateway.url()
    }

    /// The anon key (`SUPABASE_ANON_KEY`), sent as the `apikey` header.
    pub fn anon_key(&self) -> &str {
        &self.anon_key
    }

    /// Creates a confirmed e-mail user with a bcrypt password; returns its id.
    pub fn create_user(&self, email: &str, password: &str) -> Uuid {
        let id = Uuid::new_v4();
        self.db()
            .execute(
                "insert into auth.users (id, email, encrypted_password, email_confirmed_at)
                 values ($1, lower($2), extensions.crypt($3, extensions.gen_salt('bf', 4)), now())",
                &[&id, &email, &password],
            )
            .expect("create a user");
        id
    }

    /// The user's `settings` as stored (superuser read, bypassing RLS); `None` without a row.
    pub fn settings(&self, user: Uuid) -> Option<Value> {
        self.db()
            .query_opt(
                "select settings from public.user_secrets where user_id = $1",
                &[&user],
            )
            .expect("read settings")
            .map(|row| row.get(0))
    }

    /// Stores `settings` for the user, creating the row if needed.
    pub fn set_settings(&self, user: Uuid, settings: &Value) {
        self.db()
            .execute(
                "insert into public.user_secrets (user_id, settings) values ($1, $2)
                 on conflict (user_id) do update set settings = excluded.settings",
                &[&user, settings],
            )
            .expect("write settings");
    }

    /// Access tokens issued to `user` from now on expire after `ttl` (whole seconds).
    pub fn set_access_token_ttl(&self, user: Uuid, ttl: Duration) {
        self.auth.set_access_token_ttl(user, ttl);
    }

    /// Makes the user's refresh tokens look `by` older, e.g. to leave the reuse interval
    /// without sleeping.
    pub fn age_refresh_tokens(&self, user: Uuid, by: Duration) {
        self.db()
            .execute(
                "update auth.refresh_tokens
                 set updated_at = updated_at - make_interval(secs => $2), created_at = created_at - make_interval(secs => $2)
                 where user_id = $1",
                &[&user.to_string(), &by.as_secs_f64()],
            )
            .expect("age refresh tokens");
    }

    /// How many sessions the user has.
    pub fn session_count(&self, user: Uuid) -> i64 {
        self.db()
            .query_one(
                "select count(*) from auth.sessions where user_id = $1",
                &[&user],
            )
            .expect("count sessions")
            .get(0)
    }

    /// Signs arbitrary claims with the project's JWT secret (e.g. an already expired token).
    pub fn sign_jwt(&self, claims: &Value) -> String {
        base().jwt.sign(claims)
    }

    /// Installs the migration into this stack's database and makes PostgREST reload its
    /// schema cache (the migration ends with `notify pgrst`); takes effect within ~1 s.
    pub fn install_migration(&self) {
        self.db()
            .batch_execute(postgres::MIGRATION)
            .expect("install the migration");
    }

    /// A superuser connection to this stack's database (RLS does not apply).
    pub fn db(&self) -> ::postgres::Client {
        base().cluster.connect(&self.database)
    }

    /// The database's connection URL for `role` (trust authentication on loopback), for a
    /// person at `examples/supabase_stack.rs`; no test connects by URL.
    #[allow(dead_code)]
    pub fn database_url(&self, role: &str) -> String {
        base().cluster.url(role, &self.database)
    }

    /// Every request line the gateway has seen, e.g. `GET /rest/v1/user_secrets?select=...`.
    pub fn request_lines(&self) -> Vec<String> {
        self.gateway.request_lines()
    }

    /// The gateway's `requests.log` (one request line per line).
    pub fn request_log(&self) -> std::path::PathBuf {
        self.gateway.log_path().clone()
    }

    /// Signs in over HTTP like a client (`POST /auth/v1/token?grant_type=password`) and
    /// returns GoTrue's session JSON; panics unless it answers 200.
    pub fn sign_in(&self, email: &str, password: &str) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(format!("{}/auth/v1/token?grant_type=password", self.url()))
            .header("apikey", self.anon_key())
            .header("Content-Type", "application/json")
            .send(json!({"email": email, "password": password}).to_string())
            .expect("sign in");
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "sign in as {email}: {body}");
        serde_json::from_str(&body).expect("GoTrue session JSON")
    }

    /// Adds a gateway interceptor (fault injection): runs before routing.
    pub fn intercept(&self, interceptor: Interceptor) {
        self.gateway.intercept(interceptor);
    }

    pub fn clear_interceptors(&self) {
        self.gateway.clear_interceptors();
    }

    /// The tail of every server log, for failure messages.
    pub fn logs(&self) -> String {
        let tail = |path: &std::path::Path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n")
        };
        format!(
            "--- gateway {}\n{}\n--- postgrest {}\n{}\n--- postgres {}\n{}\n",
            self.gateway.log_path().display(),
            tail(self.gateway.log_path()),
            self.postgrest.log_path().display(),
            tail(&self.postgrest.log_path()),
            base().cluster.log_path().display(),
            tail(&base().cluster.log_path()),
        )
    }
}

/// A free loopback port (released before use: another process could take it in between,
/// which on a test machine is rare enough).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}
