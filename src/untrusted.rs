//! Text that did not come from our own code — stored by the web app or edited by hand, sent by
//! a server, found in a mail header — on its way to a terminal.
//!
//! A label holding `ESC ] 0 ; … BEL` could retitle the user's terminal, `ESC [ 2 J` clear it,
//! a C1 `U+009B` start the same sequences on some terminals, a bidi override reorder what is
//! shown. [`Untrusted`] prints only through [`printable`]: every control character becomes
//! `?`. It serializes the exact value (JSON escapes it), so scripts still get what is stored.
//! Reports hold it for every field of an entry, so no renderer can forget the filter.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A string from outside; `Display` shows it filtered, `raw()` is the exact value.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Untrusted(String);

impl Untrusted {
    /// The exact value: for comparisons and data formats, never for a terminal.
    pub fn raw(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.0))
    }
}

impl fmt::Debug for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for Untrusted {
    fn from(text: &str) -> Untrusted {
        Untrusted(text.to_owned())
    }
}

impl From<String> for Untrusted {
    fn from(text: String) -> Untrusted {
        Untrusted(text)
    }
}

/// `host:port` as people write it: an IPv6 address in brackets (`[::1]:993`; `::1:993` would
/// read as another address). `host` is shown as its `Display` makes it, anything else as it is
/// (a stored `imap.example.com:993` stays visibly wrong).
pub fn host_port(host: impl fmt::Display, port: u16) -> String {
    let host = host.to_string();
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Whether `c` must not reach a terminal: control characters (C0, DEL and C1, whose U+009B is
/// a CSI on some terminals) and the bidi embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` safe for a terminal: unsafe characters (see [`is_unsafe`]) become `?`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        text.chars()
            .map(|c| if is_unsafe(c) { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_never_reach_a_terminal() {
        let hostile =
            Untrusted::from("Work\u{1b}]0;pwned\u{7}\u{1b}[31m\u{9b}2J\u{202e}gpj.exe\u{7f}");
        assert_eq!(hostile.to_string(), "Work?]0;pwned??[31m?2J?gpj.exe?");
        // JSON keeps the exact value (escaped where JSON must).
        let json = serde_json::to_string(&hostile).unwrap();
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile.raw());
        assert_eq!(printable("plain"), "plain");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }
}
