//! Addresses out of `From`/`To`/`Cc`/`Bcc` header values: RFC 5322 address lists (quoted names
//! with commas, comments, group syntax, obsolete routes), RFC 2047 encoded-word names, and the
//! rules that decide when two spellings are one person.
//!
//! Promises: parsing never fails as a whole — every entry that is not a usable address is
//! counted in [`Parsed::malformed`] and skipped; a group's name (`undisclosed-recipients:;`) is
//! never taken for an address, its members are kept. [`key`] folds case everywhere (no major
//! provider treats local-part case as significant) and applies provider rules: Gmail ignores
//! dots and `+tag` and `googlemail.com` is `gmail.com`; a few other providers drop `+tag`.

use base64::Engine;

/// One mailbox out of an address list, as written (trimmed), with its decoded display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

/// The addresses of one header value, and how many entries were unusable.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub addresses: Vec<Address>,
    pub malformed: u32,
}

/// Header bytes as text: UTF-8 (RFC 6532) when valid, else Windows-1252 (what raw 8-bit
/// headers in the wild mostly are). Never sniffed for a byte-order mark: `FF FE` at the start
/// of a Windows-1252 value is `ÿþ`, not UTF-16 (issue 15; encoding_rs's `decode` would switch).
pub fn header_text(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

/// Parses an address-list header value (already unfolded or not: CR/LF count as space).
pub fn parse_list(value: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for item in split_items(value) {
        if item.trim().is_empty() {
            continue;
        }
        match parse_mailbox(&item) {
            Some(address) => parsed.addresses.push(address),
            None => parsed.malformed += 1,
        }
    }
    parsed
}

/// Splits a list at top-level commas, dropping group names (`name:`) and group ends (`;`).
/// Quoted strings, comments and angle brackets protect what they hold.
fn split_items(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    let mut quoted = false;
    let mut comment = 0u32;
    let mut angle = false;
    while let Some(c) = chars.next() {
        let c = if matches!(c, '\r' | '\n' | '\t') {
            ' '
        } else {
            c
        };
        if (quoted || comment > 0) && c == '\\' {
            current.push(c);
            if let Some(next) = chars.next() {
                current.push(next);
            }
            continue;
        }
        if quoted {
            quoted = c != '"';
            current.push(c);
            continue;
        }
        if comment > 0 {
            match c {
                '(' => comment += 1,
                ')' => comment -= 1,
                _ => {}
            }
            current.push(c);
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                current.push(c);
            }
            '(' => {
                comment = 1;
                current.push(c);
            }
            '<' => {
                angle = true;
                current.push(c);
            }
            '>' => {
                angle = false;
                current.push(c);
            }
            ':' if !angle => current.clear(), // a group's display name: never an address
            ',' | ';' if !angle => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
}

/// One `name <addr>`, `addr (comment)` or bare `addr`; `None` when it holds no valid address.
fn parse_mailbox(item: &str) -> Option<Address> {
    let (phrase, spec, comments) = split_mailbox(item)?;
    let email = valid_addr_spec(&spec)?;
    let mut name = clean_name(&decode_words(&unquote(&phrase)));
    if name.is_none() {
        name = comments
            .iter()
            .find_map(|c| clean_name(&decode_words(c.trim())));
    }
    // A "name" that is just the address again says nothing.
    if name
        .as_deref()
        .is_some_and(|n| n.trim_matches('\'').eq_ignore_ascii_case(&email))
    {
        name = None;
    }
    Some(Address { name, email })
}

/// (phrase before `<`, the addr-spec, comments) of one item.
fn split_mailbox(item: &str) -> Option<(String, String, Vec<String>)> {
    let mut phrase = String::new();
    let mut spec = String::new();
    let mut comments = Vec::new();
    let mut in_angle = false;
    let mut seen_angle = false;
    let mut chars = item.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let target = if in_angle { &mut spec } else { &mut phrase };
                target.push('"');
                while let Some(q) = chars.next() {
                    target.push(q);
                    if q == '\\' {
                        if let Some(next) = chars.next() {
                            target.push(next);
                        }
                    } else if q == '"' {
                        break;
                    }
                }
            }
            '(' => {
                let mut depth = 1;
                let mut text = String::new();
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                text.push(next);
                            }
                        }
                        '(' => {
                            depth += 1;
                            text.push(q);
                        }
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            text.push(q);
                        }
                        _ => text.push(q),
                    }
                }
                comments.push(text);
                if !in_angle && !seen_angle {
                    phrase.push(' ');
                }
            }
            '<' if !seen_angle => {
                in_angle = true;
                seen_angle = true;
            }
            '>' if in_angle => in_angle = false,
            _ if in_angle => spec.push(c),
            _ if seen_angle => {} // text after `<…>`: not part of the address
            _ => phrase.push(c),
        }
    }
    if !seen_angle {
        // No angle brackets: the whole (comment-free) item is the address.
        return Some((String::new(), phrase, comments));
    }
    // An obsolete source route (`<@a.example,@b.example:joe@c.example>`) precedes the address.
    if let Some((route, rest)) = spec.split_once(':') {
        if route.trim_start().starts_with('@') {
            spec = rest.to_owned();
        }
    }
    Some((phrase, spec, comments))
}

/// The address, whitespace removed, if it is `local@domain` with a sane local part and a
/// domain of at least two labels (or an address literal).
fn valid_addr_spec(spec: &str) -> Option<String> {
    let spec: String = spec.split_whitespace().collect();
    let at = spec.rfind('@')?;
    let (local, domain) = (&spec[..at], &spec[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 255 {
        return None;
    }
    let local_ok = if local.starts_with('"') {
        local.len() >= 2 && local.ends_with('"')
    } else {
        !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii())
    };
    let domain_ok = if domain.starts_with('[') {
        domain.ends_with(']')
    } else {
        domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || !c.is_ascii())
            })
    };
    (local_ok && domain_ok).then_some(spec)
}

/// A phrase with its quoted strings unquoted (escapes resolved) and whitespace collapsed.
fn unquote(phrase: &str) -> String {
    let mut out = String::new();
    let mut chars = phrase.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '"' => quoted = !quoted,
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collapses whitespace and drops quotes around the whole name; `None` when nothing is left.
fn clean_name(name: &str) -> Option<String> {
    let mut name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    for quote in ['"', '\''] {
        if name.len() >= 2 && name.starts_with(quote) && name.ends_with(quote) {
            name = name[1..name.len() - 1].trim().to_owned();
        }
    }
    (!name.is_empty() && !name.chars().any(char::is_control)).then_some(name)
}

/// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`) in `text`. Whitespace between two
/// encoded words is dropped (§6.2); a word in an unknown charset or with broken encoding is
/// left as it was. Also applied inside quoted strings, as mail clients do.
pub fn decode_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut pending_space = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some((decoded, used)) = rest.strip_prefix("=?").and_then(|_| encoded_word(rest)) {
            if !last_was_word {
                out.push_str(&pending_space);
            }
            pending_space.clear();
            out.push_str(&decoded);
            rest = &rest[used..];
            last_was_word = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            pending_space.push(c);
            continue;
        }
        out.push_str(&pending_space);
        pending_space.clear();
        out.push(c);
        last_was_word = false;
    }
    out.push_str(&pending_space);
    out
}

/// One encoded word at the start of `text`: its decoded text and its length.
fn encoded_word(text: &str) -> Option<(String, usize)> {
    let body = text.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let after = &body[q1 + 1..];
    let q2 = after.find('?')?;
    let encoding = &after[..q2];
    let payload_and_rest = &after[q2 + 1..];
    let end = payload_and_rest.find("?=")?;
    let payload = &payload_and_rest[..end];
    if charset.is_empty() || payload.contains(char::is_whitespace) {
        return None;
    }
    // RFC 2231 language suffix: `utf-8*en`.
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match encoding {
        "B" | "b" => {
            let trimmed = payload.trim_end_matches('=');
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed)
                .ok()?
        }
        "Q" | "q" => decode_q(payload)?,
        _ => return None,
    };
    let decoded = if charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8") {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())?;
        encoding.decode_without_bom_handling(&bytes).0.into_owned()
    };
    let used = 2 + q1 + 1 + q2 + 1 + end + 2;
    Some((decoded, used))
}

fn decode_q(payload: &str) -> Option<Vec<u8>> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// The spelling shown for an address: the domain (and, practically everywhere, the local
/// part) folded to lower case.
pub fn display_form(email: &str) -> String {
    email.to_lowercase()
}

/// Providers that deliver `user+tag@` to `user@`.
const PLUS_TAG_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "fastmail.com",
    "protonmail.com",
    "proton.me",
];

/// The identity of an address: two addresses with the same key reach the same person.
pub fn key(email: &str) -> String {
    let lower = email.to_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return lower;
    };
    let domain = match domain {
        "googlemail.com" => "gmail.com",
        other => other,
    };
    let mut local = local.to_owned();
    if PLUS_TAG_DOMAINS.contains(&domain) {
        if let Some((base, _tag)) = local.split_once('+') {
            if !base.is_empty() {
                local = base.to_owned();
            }
        }
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    format!("{local}@{domain}")
}

/// Obvious machine senders: no-reply, bounce and daemon addresses.
pub fn is_noreply(key: &str) -> bool {
    let Some((local, domain)) = key.rsplit_once('@') else {
        return false;
    };
    let squashed: String = local
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect();
    squashed.contains("noreply")
        || squashed.contains("donotreply")
        || local.contains("bounce")
        || matches!(
            local,
            "mailer-daemon" | "postmaster" | "notification" | "notifications"
        )
        || domain.starts_with("bounce.")
        || domain.starts_with("bounces.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(value: &str) -> Vec<(Option<String>, String)> {
        parse_list(value)
            .addresses
            .into_iter()
            .map(|a| (a.name, a.email))
            .collect()
    }

    fn named(name: &str, email: &str) -> (Option<String>, String) {
        (Some(name.to_owned()), email.to_owned())
    }

    #[test]
    fn quoted_names_keep_their_commas() {
        assert_eq!(
            addrs(r#""Doe, Jane" <jane@example.com>, "O'Brien, \"Pat\"" <pat@example.org>"#),
            [
                named("Doe, Jane", "jane@example.com"),
                named("O'Brien, \"Pat\"", "pat@example.org")
            ]
        );
    }

    #[test]
    fn encoded_words_are_decoded() {
        assert_eq!(
            addrs("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.de>"),
            [named("Jürgen Müller", "jm@example.de")]
        );
        assert_eq!(
            addrs("=?iso-8859-1?Q?Andr=E9?= =?iso-8859-1?Q?_Dupont?= <a@example.fr>"),
            [named("André Dupont", "a@example.fr")]
        );
        assert_eq!(
            addrs(r#""=?utf-8?q?Zo=C3=AB?= Smith" <zoe@example.com>"#),
            [named("Zoë Smith", "zoe@example.com")]
        );
        assert_eq!(
            decode_words("=?x-unknown?Q?abc?= tail"),
            "=?x-unknown?Q?abc?= tail"
        );
        assert_eq!(decode_words("=?utf-8?B?!!!?="), "=?utf-8?B?!!!?=");
    }

    #[test]
    fn groups_drop_their_name_and_keep_members() {
        let parsed = parse_list("undisclosed-recipients:;");
        assert_eq!(parsed, Parsed::default());
        assert_eq!(
            addrs("Team: a@example.com, \"Bee\" <b@example.com>;, c@example.com"),
            [
                (None, "a@example.com".to_owned()),
                named("Bee", "b@example.com"),
                (None, "c@example.com".to_owned())
            ]
        );
    }

    #[test]
    fn comments_and_routes() {
        assert_eq!(
            addrs("joe@example.com (Joe Bloggs), <@relay.example:ann@example.net>"),
            [
                named("Joe Bloggs", "joe@example.com"),
                (None, "ann@example.net".to_owned())
            ]
        );
        assert_eq!(
            addrs("\"x@example.com\" <x@example.com>"),
            [(None, "x@example.com".to_owned())]
        );
    }

    #[test]
    fn malformed_entries_are_counted_not_fatal() {
        let parsed = parse_list("not an address, <broken@>, ok@example.com, @nolocal.com, a@b, \"unterminated <x@y.com>");
        assert_eq!(parsed.addresses.len(), 1, "{parsed:?}");
        assert_eq!(parsed.addresses[0].email, "ok@example.com");
        assert_eq!(parsed.malformed, 5);
        assert_eq!(parse_list("").malformed, 0);
        assert_eq!(parse_list("<<<>>>,,,;;;::").addresses.len(), 0);
    }

    #[test]
    fn keys_follow_provider_rules() {
        assert_eq!(key("John.Doe+news@GoogleMail.com"), "johndoe@gmail.com");
        assert_eq!(key("johndoe@gmail.com"), "johndoe@gmail.com");
        assert_eq!(key("Jane.Roe+x@Example.COM"), "jane.roe+x@example.com");
        assert_eq!(key("pat+work@outlook.com"), "pat@outlook.com");
    }

    #[test]
    fn machine_senders_are_recognised() {
        for noreply in [
            "noreply@x.com",
            "no-reply@x.com",
            "do_not_reply@x.com",
            "mailer-daemon@x.com",
            "bounces+123@x.com",
            "news@bounce.x.com",
        ] {
            assert!(is_noreply(noreply), "{noreply}");
        }
        assert!(!is_noreply("replyall@x.com"));
        assert!(!is_noreply("jane@x.com"));
    }

    #[test]
    fn eight_bit_headers_fall_back_to_windows_1252() {
        assert_eq!(
            header_text(b"Ren\xe9 <r@example.com>"),
            "René <r@example.com>"
        );
        assert_eq!(header_text("Zoë".as_bytes()), "Zoë");
    }

    /// Address lists and encoded words of arbitrary bytes, and of their own syntax, never
    /// panic; whatever is accepted is a usable address (proptest; `PROPTEST_CASES`).
    #[test]
    fn address_parsers_take_any_input() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::default());
        let token = prop_oneof![
            Just(b"\"".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"<".to_vec()),
            Just(b">".to_vec()),
            Just(b",".to_vec()),
            Just(b";".to_vec()),
            Just(b":".to_vec()),
            Just(b"@".to_vec()),
            Just(b"a@example.com".to_vec()),
            Just(b"=?".to_vec()),
            Just(b"?=".to_vec()),
            Just(b"=?utf-8?B?".to_vec()),
            Just(b"=?iso-8859-1?Q?=E9".to_vec()),
            Just(b"=?x?q?=".to_vec()),
            Just(b"\r\n ".to_vec()),
            Just(b"\xff\xfe".to_vec()),
            Just("é".as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ];
        let value = prop::collection::vec(token, 0..50).prop_map(|parts| parts.concat());
        runner
            .run(&value, |bytes| {
                let text = header_text(&bytes);
                let parsed = parse_list(&text);
                for address in &parsed.addresses {
                    prop_assert!(address.email.contains('@'), "{:?}", address);
                    let key = key(&address.email);
                    let _ = is_noreply(&key);
                    let _ = display_form(&address.email);
                }
                let _ = decode_words(&text);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_leading_ff_fe_is_windows_1252_not_a_byte_order_mark() {
        let text = header_text(b"\xff\xfeRen\xe9 <bom@example.com>");
        assert_eq!(text, "\u{ff}\u{fe}Ren\u{e9} <bom@example.com>");
        assert_eq!(
            addrs(&text),
            [named("\u{ff}\u{fe}Ren\u{e9}", "bom@example.com")]
        );
        // The UTF-16BE and UTF-8 marks are no different.
        assert_eq!(header_text(b"\xfe\xff\xe9"), "\u{fe}\u{ff}\u{e9}");
        assert_eq!(header_text(b"\xef\xbb\xbf\xe9"), "\u{ef}\u{bb}\u{bf}\u{e9}");
    }
}
