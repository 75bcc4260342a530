//! The one PostgREST client: every request to `/rest/v1/…` (the store's, the contacts
//! import's, `status`'s migration check) goes through a [`Client`], one per command.
//!
//! It owns what talking to PostgREST takes beyond the signed-in connection
//! (`session::Connection`: apikey, bearer token, refresh and one retry on 401): retries with
//! jittered backoff, 429 with its `Retry-After`, query-string encoding, PostgREST's error codes,
//! and whether the migration's SQL functions exist at this URL (a 404 PGRST202 is remembered
//! per profile for an hour, so the fallback does not first try a function that is not there).
//!
//! Retries: a read is retried (3 tries) on connection failures, timeouts, 500/502/503/504 and
//! a 2xx whose JSON is cut short. Every request is retried after a 429 (refused before any
//! work), waiting its `Retry-After` (at most 10 s). A write says with [`Retry`] whether it may
//! be sent again after it may have reached the server.

use std::cell::Cell;
use std::time::Duration;

use crate::http::{Failure, Reply, Request};
use crate::session::{self, CallError, Connection, SessionError};
use crate::store::StoreError;

/// How often a request is tried.
const TRIES: u32 = 3;
/// The longest `Retry-After` of a 429 that is waited out; a longer one is waited this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// How long a "the SQL functions are missing" finding is trusted before trying them again.
const RPC_MISSING_TTL_SECS: i64 = 3600;

/// May a request be sent again after it may have reached the server?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and idempotent writes.
    Safe,
    /// Only when the request was provably not sent.
    NotSentOnly,
}

/// A signed-in PostgREST client for one profile.
pub struct Client {
    connection: Connection,
    /// Unix seconds when the SQL functions were last found missing at this URL.
    rpc_missing_since: Cell<Option<i64>>,
}

impl Client {
    /// The client of the profile in `opts`: loads the session, sends nothing.
    pub fn open(opts: &session::Options) -> Result<Client, SessionError> {
        let connection = Connection::open(opts)?;
        let rpc_missing_since = session::rpc_missing_since(&connection);
        Ok(Client {
            connection,
            rpc_missing_since: Cell::new(rpc_missing_since),
        })
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn url(&self) -> &str {
        self.connection.url()
    }

    /// The user id when known without asking the server (not with `MAILBOXES_ACCESS_TOKEN`).
    pub fn known_user_id(&self) -> Option<String> {
        self.connection.known_user_id()
    }

    /// The signed-in user's id (with `MAILBOXES_ACCESS_TOKEN`, asked of the server once).
    pub fn user_id(&self) -> Result<String, StoreError> {
        self.connection.user_id().map_err(|err| match err {
            CallError::Session(err) => err.into(),
            CallError::Transport(failure) => transport_error(&failure, Retry::Safe, "who am I"),
        })
    }

    /// Sends `request` once (refreshing the token as needed), for a caller that decides about
    /// retries itself (the store's guarded write).
    pub fn send_once(&self, request: &Request) -> Result<Reply, CallError> {
        self.connection.send(request)
    }

    /// Sends `request`, retrying as `retry` allows, and maps transport and session failures;
    /// `what` starts the error message ("reading from …").
    pub fn call(&self, request: &Request, retry: Retry, what: &str) -> Result<Reply, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= TRIES;
            match self.connection.send(request) {
                // A 429 (rate limited) was refused before any work: every request may be sent
                // again, after the wait the server asks for (issue 4).
                Ok(reply) if reply.status == 429 && !last => {
                    let wait = reply.retry_after.unwrap_or(backoff(attempt));
                    log::debug!("{what}: HTTP 429, retrying in {wait:?}");
                    std::thread::sleep(wait.min(MAX_RETRY_AFTER));
                    continue;
                }
                Ok(reply) if is_transient(reply.status) && retry == Retry::Safe && !last => {
                    log::debug!("{what}: HTTP {}, retrying", reply.status);
                }
                // A 2xx whose JSON was cut short (issue 4): a read may simply ask again.
                // Cheap tests first: only a read's 2xx body is checked, without building a Value.
                Ok(reply)
                    if retry == Retry::Safe
                        && !last
                        && reply.is_success()
                        && serde_json::from_str::<serde::de::IgnoredAny>(&reply.body).is_err() =>
                {
                    log::debug!("{what}: unreadable answer, retrying");
                }
                Ok(reply) => return Ok(reply),
                Err(CallError::Session(err)) => return Err(err.into()),
                Err(CallError::Transport(failure)) => {
                    let may_retry = match failure {
                        Failure::NotSent(_) => true,
                        Failure::Lost(_) => retry == Retry::Safe,
                    };
                    if last || !may_retry {
                        return Err(transport_error(&failure, retry, what));
                    }
                    log::debug!("{what}: {failure}, retrying");
                }
            }
            std::thread::sleep(backoff(attempt));
        }
    }

    /// Whether the SQL functions were found missing at this URL within the last hour.
    pub fn rpc_known_missing(&self) -> bool {
        self.rpc_missing_since
            .get()
            .is_some_and(|since| session::now() - since < RPC_MISSING_TTL_SECS)
    }

    /// Remembers (for this command, and best effort in the profile) whether the SQL functions
    /// exist at this URL.
    pub fn remember_rpc(&self, installed: bool) {
        let missing_since = (!installed).then(session::now);
        if missing_since.is_some() == self.rpc_known_missing() {
            return;
        }
        self.rpc_missing_since.set(missing_since);
        session::remember_rpc_missing_since(&self.connection, missing_since);
    }
}

/// PostgREST's "no such function" (PGRST202 in 12 and 13).
pub fn is_missing_function(reply: &Reply) -> bool {
    reply.status == 404 && {
        let err = reply.error();
        err.has_code("PGRST202") || err.message.contains("Could not find the function")
    }
}

/// A refusal by Row Level Security or a grant (HTTP 403, SQLSTATE 42501).
pub fn is_permission_denied(reply: &Reply) -> bool {
    reply.status == 403 || reply.error().has_code("42501")
}

/// A request that got no (usable) answer, as the user reads it.
pub fn transport_error(failure: &Failure, retry: Retry, what: &str) -> StoreError {
    let unsure = matches!(failure, Failure::Lost(_)) && retry == Retry::NotSentOnly;
    StoreError::Unavailable(if unsure {
        format!(
            "{what}: {failure}; the change may or may not have been applied \
             (run `mailboxes list` to check)"
        )
    } else {
        format!("{what}: {failure}")
    })
}

/// Answers a read (or an idempotent write) may be retried after. 500 too: PostgREST answers
/// it for a failed database connection, and a retried read does no harm (issue 4).
pub fn is_transient(status: u16) -> bool {
    matches!(status, 500 | 502..=504)
}

/// Jittered exponential backoff: up to 20 ms · 2^attempt, at most 500 ms.
pub fn backoff(attempt: u32) -> Duration {
    let cap = (20u64 << attempt.min(5)).min(500);
    let jitter = (uuid::Uuid::new_v4().as_u128() % u128::from(cap)) as u64;
    Duration::from_millis(5 + jitter)
}

/// Percent-encodes a filter value for a PostgREST query string.
pub fn encode(value: &str) -> String {
    crate::http::percent_encode(value)
}

/// PostgREST's `in.(…)` list of `values`: each double-quoted (so commas, parentheses and
/// spaces in an id stay inside it), with `"` and `\` escaped, then URL-encoded.
pub fn in_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| {
            let quoted = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
            encode(&quoted)
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_encoded() {
        assert_eq!(
            encode("1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        );
        assert_eq!(encode("a b&c=d,e"), "a%20b%26c%3Dd%2Ce");
    }

    #[test]
    fn in_lists_quote_and_encode_every_id() {
        assert_eq!(
            in_list(&["a0000000-0000-4000-8000-000000000001", "x,y", "q\"b\\"]),
            "%22a0000000-0000-4000-8000-000000000001%22,%22x%2Cy%22,%22q%5C%22b%5C%5C%22"
        );
    }

    #[test]
    fn backoff_is_bounded() {
        for attempt in 0..50 {
            assert!(backoff(attempt) <= Duration::from_millis(505));
        }
    }
}
