//! `--json`: one object per mailbox, `{id, label, host, port, ok, kind, message, hint, alerts,
//! elapsed_ms, round_trips}`, with `kind` `"ok"` for a passing test.

use serde_json::Value;

use crate::outcome::Outcome;

pub fn value(outcomes: &[Outcome]) -> Value {
    serde_json::to_value(outcomes).expect("outcomes always serialize")
}
