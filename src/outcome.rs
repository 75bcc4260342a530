//! The result of testing one mailbox: what every output format (human, JSON, GitHub, JUnit,
//! TAP) reports about it.

use std::time::Duration;

use serde::Serialize;

use crate::probe::{FailureKind, Probe, ProbeError};

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The stored mailbox's id; `None` for an ad-hoc `test --host` probe.
    pub id: Option<String>,
    pub label: String,
    pub host: String,
    pub port: u16,
    pub ok: bool,
    /// Why it failed (`None` when ok).
    pub kind: Option<FailureKind>,
    /// One line for people (`None` when ok).
    pub message: Option<String>,
    /// `[ALERT]` texts the server sent.
    pub alerts: Vec<String>,
    pub elapsed_ms: u64,
    /// Request/response turns the probe waited on (`None` when it failed).
    pub round_trips: Option<u32>,
}

impl Outcome {
    pub fn new(
        id: Option<&str>,
        label: &str,
        host: &str,
        port: u16,
        result: Result<Probe, ProbeError>,
    ) -> Outcome {
        let base = Outcome {
            id: id.map(str::to_string),
            label: label.to_string(),
            host: host.to_string(),
            port,
            ok: false,
            kind: None,
            message: None,
            alerts: Vec::new(),
            elapsed_ms: 0,
            round_trips: None,
        };
        match result {
            Ok(probe) => Outcome {
                ok: true,
                alerts: probe.alerts,
                elapsed_ms: millis(probe.elapsed),
                round_trips: Some(probe.round_trips),
                ..base
            },
            Err(err) => Outcome {
                kind: Some(err.kind),
                message: Some(err.message),
                elapsed_ms: millis(err.elapsed),
                ..base
            },
        }
    }

    /// The failure class as its JSON name (`"auth"`, `"tls"`, …), or `"ok"`.
    pub fn kind_name(&self) -> String {
        match self.kind {
            None => "ok".to_string(),
            Some(kind) => serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "error".to_string()),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// "3 ok, 1 auth, 1 tls": counts by kind, ok first, then in order of first appearance.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut counts: Vec<(String, usize)> = vec![("ok".to_string(), 0)];
    for outcome in outcomes {
        let kind = outcome.kind_name();
        match counts.iter_mut().find(|(name, _)| *name == kind) {
            Some((_, count)) => *count += 1,
            None => counts.push((kind, 1)),
        }
    }
    counts
        .iter()
        .filter(|(name, count)| *count > 0 || name == "ok")
        .map(|(name, count)| format!("{count} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}
