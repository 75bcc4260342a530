//! The user's address book (issue 14): harvested contacts written as vCards into a vdir that
//! khard, vdirsyncer and aerc read (`$XDG_DATA_HOME/mailboxes/contacts/`, or `--contacts-dir`).
//!
//! Promises:
//! - one card per contact, `<UID>.vcf`, the UID derived from the contact's address, so every
//!   sync finds its card again;
//! - a card is written only when what this tool owns in it changed (a no-change sync rewrites
//!   no file), atomically;
//! - what the user added (properties, other addresses, categories, a better name) survives: a
//!   sync sets only its `X-MAILBOXES-…` counts, adds its address and categories if missing, and
//!   names a card only when creating it;
//! - a card the user deleted is not created again (remembered in the state file; `--full`
//!   says how many were skipped); a card that does not parse is reported by name and left alone.

pub mod card;
pub mod dedup;
pub mod vdir;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Paths;
use crate::harvest::contacts::Contact;
use card::Card;
use vdir::Vdir;

/// The properties a sync owns (and rewrites), besides the address and categories it adds.
pub const FROM_COUNT: &str = "X-MAILBOXES-FROM-COUNT";
pub const TO_COUNT: &str = "X-MAILBOXES-TO-COUNT";
pub const FIRST_SEEN: &str = "X-MAILBOXES-FIRST-SEEN";
pub const LAST_SEEN: &str = "X-MAILBOXES-LAST-SEEN";

/// The default address book of a profile.
pub fn default_dir(profile: &str) -> anyhow::Result<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .ok_or_else(|| anyhow::anyhow!("neither XDG_DATA_HOME nor HOME is set; set one of them"))?;
    let book = if profile == crate::config::DEFAULT_PROFILE {
        "contacts".to_owned()
    } else {
        format!("contacts.{profile}")
    };
    Ok(data.join("mailboxes").join(book))
}

/// The card's UID for an address key: stable, and the same on every machine.
pub fn uid_for(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("mailboxes-{hex}")
}

/// What a sync remembers of one address book, in `$XDG_STATE_HOME/mailboxes/contacts/`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BookState {
    /// The book this state is about (another `--contacts-dir` has its own).
    pub dir: PathBuf,
    /// UIDs of cards this tool created.
    #[serde(default)]
    pub written: BTreeSet<String>,
    /// UIDs of cards the user deleted: never created again.
    #[serde(default)]
    pub deleted: BTreeSet<String>,
    /// Merges `contacts dedup --apply` made: an address key → the file of the card it was
    /// merged into. A later sync, `--full` too, keeps them one contact.
    #[serde(default)]
    pub merges: std::collections::BTreeMap<String, String>,
}

impl BookState {
    fn path(paths: &Paths, profile: &str, dir: &Path) -> PathBuf {
        let digest = ring::digest::digest(&ring::digest::SHA256, dir.to_string_lossy().as_bytes());
        let short: String = digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        paths
            .state_dir
            .join("contacts")
            .join(format!("{profile}-{short}.json"))
    }

    pub fn load(paths: &Paths, profile: &str, dir: &Path) -> BookState {
        std::fs::read(Self::path(paths, profile, dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_else(|| BookState {
                dir: dir.to_path_buf(),
                ..BookState::default()
            })
    }

    pub fn save(&self, paths: &Paths, profile: &str) -> anyhow::Result<()> {
        let path = Self::path(paths, profile, &self.dir);
        let dir = path.parent().expect("a state file has a directory");
        crate::config::ensure_private_dir(dir)
            .map_err(|err| anyhow::anyhow!("creating {}: {err}", dir.display()))?;
        let bytes = serde_json::to_vec_pretty(self)?;
        crate::config::write_private(&path, ".contacts-", &bytes)
            .map_err(|err| anyhow::anyhow!("{} {}: {}", err.step, path.display(), err.source))
    }
}

/// A card file this tool cannot read.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub file: String,
    pub why: String,
}

/// What writing contacts into the book did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Written {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Cards the user deleted, not created again.
    pub skipped_deleted: usize,
    /// Cards that do not parse, left alone.
    pub unreadable: Vec<Unreadable>,
    /// The UIDs created or updated (for per-mailbox counts).
    #[serde(skip)]
    pub changed: BTreeSet<String>,
    #[serde(skip)]
    pub created_uids: BTreeSet<String>,
}

/// Writes `contacts` into `book`: each contact's card created or brought up to date. A
/// contact goes to the card it was merged into (`dedup --apply`), else to any card in the book
/// that already has its address (the user's own, say), else to its own `<UID>.vcf`; contacts
/// that share a card have their counts summed.
pub fn write(book: &Vdir, state: &mut BookState, contacts: &[Contact]) -> anyhow::Result<Written> {
    let mut written = Written::default();
    // The book, read once: each file's card (or why it cannot be read), and which file holds
    // each address already in it.
    let mut scanned: std::collections::HashMap<String, (PathBuf, Result<Card, card::CardError>)> =
        std::collections::HashMap::new();
    let mut holder: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (path, card) in book.scan() {
        let Some(file) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else {
            continue;
        };
        for email in card.iter().flat_map(Card::emails) {
            holder
                .entry(crate::harvest::address::key(&email))
                .or_insert_with(|| file.clone());
        }
        scanned.insert(file, (path, card));
    }
    // file → (uid when it is ours to create, the contacts it holds)
    let mut targets: std::collections::BTreeMap<String, (Option<String>, Vec<&Contact>)> =
        std::collections::BTreeMap::new();
    for contact in contacts {
        let (file, uid) = match state
            .merges
            .get(&contact.key)
            .or_else(|| holder.get(&contact.key))
        {
            Some(file) => (file.clone(), None),
            None => {
                let uid = uid_for(&contact.key);
                (format!("{uid}.vcf"), Some(uid))
            }
        };
        let entry = targets
            .entry(file)
            .or_insert_with(|| (uid.clone(), Vec::new()));
        entry.1.push(contact);
    }
    for (file, (uid, held)) in targets {
        let contact = combined(&held);
        let existing = match scanned.remove(&file) {
            None => None,
            Some((_, Ok(card))) => Some(card),
            Some((path, Err(why))) => {
                written.unreadable.push(Unreadable {
                    file: path.display().to_string(),
                    why: why.to_string(),
                });
                continue;
            }
        };
        let card = match (existing, uid) {
            (Some(card), _) => card,
            // A merged-into or user card that is gone: nothing to update.
            (None, None) => continue,
            (None, Some(uid)) if state.deleted.contains(&uid) => {
                written.skipped_deleted += 1;
                continue;
            }
            // Created by an earlier sync, gone now: the user deleted it.
            (None, Some(uid)) if state.written.contains(&uid) => {
                state.deleted.insert(uid);
                written.skipped_deleted += 1;
                continue;
            }
            (None, Some(uid)) => {
                let card = new_card(&uid, &contact);
                book.write_file(&file, &card)?;
                state.written.insert(uid.clone());
                written.created += 1;
                written.changed.insert(uid.clone());
                written.created_uids.insert(uid);
                continue;
            }
        };
        let updated = update_card(card.clone(), &contact);
        if updated == card {
            written.unchanged += 1;
        } else {
            book.write_file(&file, &updated)?;
            written.updated += 1;
            for one in &held {
                written.changed.insert(uid_for(&one.key));
            }
        }
    }
    book.sync();
    Ok(written)
}

/// The contacts that share one card, as one: counts summed, seen from the earliest to the
/// latest, every mailbox; the address and name of the one seen most.
fn combined(held: &[&Contact]) -> Contact {
    let mut sorted: Vec<&Contact> = held.to_vec();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.from_count + c.to_count));
    let mut one = sorted[0].clone();
    for other in &sorted[1..] {
        one.from_count = one.from_count.saturating_add(other.from_count);
        one.to_count = one.to_count.saturating_add(other.to_count);
        one.first_seen = match (&one.first_seen, &other.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b).clone()),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        one.last_seen = match (&one.last_seen, &other.last_seen) {
            (Some(a), Some(b)) => Some(a.max(b).clone()),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        for mailbox in &other.mailboxes {
            if !one.mailboxes.contains(mailbox) {
                one.mailboxes.push(mailbox.clone());
            }
        }
        one.name = one.name.or_else(|| other.name.clone());
    }
    one
}

/// A new card for `contact`.
fn new_card(uid: &str, contact: &Contact) -> Card {
    let mut card = Card::default();
    card.set("VERSION", "4.0");
    card.set("UID", uid);
    let name = contact.name.as_deref().unwrap_or(&contact.email);
    card.set("FN", name);
    let (given, family) = match &contact.name {
        Some(name) => crate::harvest::export::split_name(name),
        None => (String::new(), String::new()),
    };
    card.properties.push(card::Property::new(
        "N",
        &format!("{};{};;;", card::escape(&family), card::escape(&given)),
    ));
    update_card(card, contact)
}

/// `card` with what a sync owns brought up to date; everything else as it was.
fn update_card(mut card: Card, contact: &Contact) -> Card {
    // Compared as harvest compares them: case, Gmail's dots and +tags do not make another.
    let known: Vec<String> = card
        .emails()
        .iter()
        .map(|e| crate::harvest::address::key(e))
        .collect();
    if !known.contains(&crate::harvest::address::key(&contact.email)) {
        let at = card
            .properties
            .iter()
            .rposition(|p| p.name == "EMAIL" || p.name == "N" || p.name == "FN")
            .map_or(card.properties.len(), |at| at + 1);
        card.properties.insert(
            at,
            card::Property::new("EMAIL;TYPE=internet", &card::escape(&contact.email)),
        );
    }
    let mut categories = card.categories();
    let missing: Vec<&String> = contact
        .mailboxes
        .iter()
        .filter(|group| !categories.iter().any(|c| c.eq_ignore_ascii_case(group)))
        .collect();
    if !missing.is_empty() {
        categories.extend(missing.into_iter().cloned());
        let value = categories
            .iter()
            .map(|c| card::escape(c))
            .collect::<Vec<_>>()
            .join(",");
        card.remove("CATEGORIES");
        card.properties
            .push(card::Property::new("CATEGORIES", &value));
    }
    card.set(FROM_COUNT, &contact.from_count.to_string());
    card.set(TO_COUNT, &contact.to_count.to_string());
    match &contact.first_seen {
        Some(at) => card.set(FIRST_SEEN, at),
        None => card.remove(FIRST_SEEN),
    }
    match &contact.last_seen {
        Some(at) => card.set(LAST_SEEN, at),
        None => card.remove(LAST_SEEN),
    }
    card
}

/// One contact as `contacts list` shows it, read from its card.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub uid: String,
    pub name: Option<String>,
    /// Primary first.
    pub emails: Vec<String>,
    pub groups: Vec<String>,
    pub from_count: u64,
    pub to_count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub file: String,
}

impl Listed {
    pub fn from_card(file: &Path, card: &Card) -> Listed {
        let count = |name: &str| {
            card.text(name)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        Listed {
            uid: card.text("UID").unwrap_or_default(),
            name: card.text("FN").filter(|n| !n.trim().is_empty()),
            emails: card.emails(),
            groups: card.categories(),
            from_count: count(FROM_COUNT),
            to_count: count(TO_COUNT),
            first_seen: card.text(FIRST_SEEN),
            last_seen: card.text(LAST_SEEN),
            file: file.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(email: &str, name: Option<&str>, from: u32) -> Contact {
        Contact {
            email: email.into(),
            name: name.map(Into::into),
            from_count: from,
            to_count: 1,
            first_seen: Some("2026-01-01T00:00:00Z".into()),
            last_seen: Some("2026-02-01T00:00:00Z".into()),
            mailboxes: vec!["Work".into()],
            key: email.to_lowercase(),
            written_to: 0,
        }
    }

    #[test]
    fn a_card_keeps_what_the_user_added_and_changes_only_the_counts() {
        let ann = contact("ann@example.com", Some("Ann Lee"), 2);
        let mut card = new_card(&uid_for(&ann.key), &ann);
        // The user's edits in khard: a better name, a phone, another address, a category.
        card.set("FN", "Dr. Ann Lee");
        card.properties
            .push(card::Property::new("TEL;TYPE=cell", "+1 555"));
        card.properties
            .push(card::Property::new("EMAIL;TYPE=home", "ann@home.example"));
        card.remove("CATEGORIES");
        card.properties
            .push(card::Property::new("CATEGORIES", "Friends,Work"));
        assert_eq!(
            update_card(card.clone(), &ann),
            card,
            "nothing new: no change"
        );
        let later = contact("ann@example.com", Some("Ann Lee"), 5);
        let updated = update_card(card.clone(), &later);
        assert_eq!(updated.text("FN").as_deref(), Some("Dr. Ann Lee"));
        assert_eq!(updated.text(FROM_COUNT).as_deref(), Some("5"));
        assert!(updated.get("TEL").is_some());
        assert_eq!(updated.emails(), ["ann@example.com", "ann@home.example"]);
        assert_eq!(updated.categories(), ["Friends", "Work"]);
    }

    #[test]
    fn uids_are_stable_and_file_name_safe() {
        assert_eq!(uid_for("ann@example.com"), uid_for("ann@example.com"));
        assert_ne!(uid_for("ann@example.com"), uid_for("bob@example.com"));
        assert!(uid_for("x")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
