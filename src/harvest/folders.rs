//! Which folders to harvest: INBOX and the Sent folder that SPECIAL-USE (RFC 6154) marks
//! `\Sent`; on Gmail only `\All` (`[Gmail]/All Mail`), which already holds both, so no message
//! is counted twice. Servers without SPECIAL-USE are matched on the usual Sent folder names.
//!
//! Names are kept decoded (`Entwürfe`) and sent in IMAP4rev1's modified UTF-7 (RFC 3501
//! §5.1.3, `Entw&APw-rfe`), which is printable ASCII only: no name, from the user or from a
//! server's LIST, can break a command line.

use base64::Engine;

use serde::{Deserialize, Serialize};

/// What a folder is for, as far as counting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Inbox,
    /// The user's sent mail: every message is the user's.
    Sent,
    /// Gmail's All Mail.
    All,
    Other,
}

/// One `* LIST` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub attributes: Vec<String>,
}

impl Listed {
    fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

/// A folder to harvest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub name: String,
    pub role: Role,
}

/// Parses the part after `* ` of a LIST response: `LIST (\HasNoChildren \Sent) "/" "Sent"`.
pub fn parse_list(rest: &[u8]) -> Option<Listed> {
    let text = std::str::from_utf8(rest).ok()?;
    let text = text
        .strip_prefix("LIST ")
        .or_else(|| text.strip_prefix("list "))?;
    let text = text.strip_prefix('(')?;
    let close = text.find(')')?;
    let attributes = text[..close]
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let rest = text[close + 1..].trim_start();
    // The delimiter: a quoted character or NIL.
    let rest = if let Some(quoted) = rest.strip_prefix('"') {
        let end = if quoted.starts_with('\\') { 2 } else { 1 };
        quoted.get(end..)?.strip_prefix('"')?
    } else {
        rest.strip_prefix("NIL")?
    };
    let name = decode_name(&astring(rest.trim_start())?);
    Some(Listed { name, attributes })
}

/// A quoted string, a literal (inline `{n}\r\n…`) or an atom.
fn astring(text: &str) -> Option<String> {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                '"' => return Some(out),
                _ => out.push(c),
            }
        }
        None
    } else if let Some(literal) = text.strip_prefix('{') {
        let (size, rest) = literal.split_once('}')?;
        let size: usize = size.trim_end_matches('+').parse().ok()?;
        let rest = rest.strip_prefix("\r\n")?;
        rest.get(..size).map(str::to_owned)
    } else {
        let atom = text.split_whitespace().next()?;
        Some(atom.to_owned())
    }
}

/// A folder name in modified UTF-7, as IMAP4rev1 commands carry it.
pub fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut wide: Vec<u16> = Vec::new();
    let flush = |out: &mut String, wide: &mut Vec<u16>| {
        if wide.is_empty() {
            return;
        }
        let bytes: Vec<u8> = wide.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(
            &base64::engine::general_purpose::STANDARD_NO_PAD
                .encode(bytes)
                .replace('/', ","),
        );
        out.push('-');
        wide.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut wide);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            wide.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut wide);
    out
}

/// A modified UTF-7 name decoded; a name that is not valid modified UTF-7 is kept as sent.
pub fn decode_name(raw: &str) -> String {
    fn decode(raw: &str) -> Option<String> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let end = after.find('-')?;
            if end == 0 {
                out.push('&');
            } else {
                let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(after[..end].replace(',', "/"))
                    .ok()?;
                if bytes.len() % 2 != 0 {
                    return None;
                }
                let wide: Vec<u16> = bytes
                    .chunks(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                out.push_str(&String::from_utf16(&wide).ok()?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
    decode(raw).unwrap_or_else(|| raw.to_owned())
}

/// Names Sent folders go by where the server does not say (no SPECIAL-USE).
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "INBOX.Sent Items",
    "INBOX.Sent Messages",
];

/// The default folders: INBOX and Sent, or Gmail's All Mail only.
pub fn choose(listed: &[Listed], gmail: bool) -> Vec<Folder> {
    if gmail {
        if let Some(all) = listed.iter().find(|l| l.has("\\All")) {
            return vec![Folder {
                name: all.name.clone(),
                role: Role::All,
            }];
        }
    }
    let mut folders = vec![Folder {
        name: "INBOX".to_owned(),
        role: Role::Inbox,
    }];
    let usable = |l: &&Listed| !l.has("\\Noselect") && !l.has("\\NonExistent");
    let mut sent: Vec<&Listed> = listed
        .iter()
        .filter(usable)
        .filter(|l| l.has("\\Sent"))
        .collect();
    if sent.is_empty() {
        sent = listed
            .iter()
            .filter(usable)
            .filter(|l| SENT_NAMES.iter().any(|n| n.eq_ignore_ascii_case(&l.name)))
            .take(1)
            .collect();
    }
    for folder in sent {
        if !folder.name.eq_ignore_ascii_case("INBOX") {
            folders.push(Folder {
                name: folder.name.clone(),
                role: Role::Sent,
            });
        }
    }
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(line: &str) -> Listed {
        parse_list(line.as_bytes()).unwrap_or_else(|| panic!("parses: {line}"))
    }

    #[test]
    fn parses_list_responses() {
        assert_eq!(
            listed(r#"LIST (\HasNoChildren \Sent) "." "Sent Items""#),
            Listed {
                name: "Sent Items".into(),
                attributes: vec!["\\HasNoChildren".into(), "\\Sent".into()]
            }
        );
        assert_eq!(listed("LIST () NIL INBOX").name, "INBOX");
        assert_eq!(
            listed(r#"LIST () "\\" {5}"#.replace("{5}", "{5}\r\nA\"b c").as_str()).name,
            "A\"b c"
        );
    }

    #[test]
    fn inbox_and_the_special_use_sent_folder() {
        let all = [
            listed(r#"LIST (\HasNoChildren) "." INBOX"#),
            listed(r#"LIST (\HasNoChildren) "." "Sent""#),
            listed(r#"LIST (\HasNoChildren \Sent) "." "Gesendet""#),
        ];
        assert_eq!(
            choose(&all, false),
            [
                Folder {
                    name: "INBOX".into(),
                    role: Role::Inbox
                },
                Folder {
                    name: "Gesendet".into(),
                    role: Role::Sent
                }
            ]
        );
        // Without SPECIAL-USE: by name.
        let plain = [listed(r#"LIST () "." "Sent Messages""#)];
        assert_eq!(choose(&plain, false)[1].name, "Sent Messages");
    }

    #[test]
    fn names_travel_in_modified_utf7() {
        assert_eq!(encode_name("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(encode_name("A & B"), "A &- B");
        assert_eq!(encode_name("日本語"), "&ZeVnLIqe-");
        assert_eq!(encode_name("x\r\ny"), "x&AA0ACg-y");
        for name in ["Entwürfe", "A & B", "日本語", "Sent", "x\r\ny"] {
            assert_eq!(decode_name(&encode_name(name)), name);
        }
        assert_eq!(decode_name("broken &abc"), "broken &abc");
        assert_eq!(
            listed(r#"LIST (\Sent) "/" "Gesendete &AMQ-mails""#).name,
            "Gesendete Ämails"
        );
    }

    /// LIST responses of arbitrary bytes and of LIST's own tokens never panic, and any name
    /// survives modified UTF-7 both ways (proptest; `PROPTEST_CASES` raises the cases).
    #[test]
    fn list_parsing_and_names_take_any_input() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::default());
        let token = prop_oneof![
            Just(b"LIST ".to_vec()),
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"\\Sent ".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"NIL ".to_vec()),
            Just(b"{3}\r\n".to_vec()),
            Just(b"{18446744073709551616}\r\n".to_vec()),
            Just(b"&".to_vec()),
            Just(b"-".to_vec()),
            Just("&APw-".as_bytes().to_vec()),
            Just("é".as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ];
        let line = prop::collection::vec(token, 0..40).prop_map(|parts| parts.concat());
        runner
            .run(&line, |bytes| {
                if let Some(listed) = parse_list(&bytes) {
                    let _ = choose(&[listed], true);
                }
                let text = String::from_utf8_lossy(&bytes);
                let _ = decode_name(&text);
                Ok(())
            })
            .unwrap();
        runner
            .run(&any::<String>(), |name| {
                let encoded = encode_name(&name);
                prop_assert!(encoded.bytes().all(|b| (b' '..=b'~').contains(&b)));
                prop_assert_eq!(decode_name(&encoded), name);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn gmail_uses_all_mail_only() {
        let all = [
            listed(r#"LIST (\HasNoChildren) "/" "INBOX""#),
            listed(r#"LIST (\All \HasNoChildren) "/" "[Gmail]/All Mail""#),
            listed(r#"LIST (\HasNoChildren \Sent) "/" "[Gmail]/Sent Mail""#),
        ];
        assert_eq!(
            choose(&all, true),
            [Folder {
                name: "[Gmail]/All Mail".into(),
                role: Role::All
            }]
        );
    }
}
