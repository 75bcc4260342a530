//! Contacts as counted from messages: one [`Tally`] per address key per folder (a [`Book`]),
//! merged across folders and mailboxes into the [`Contact`]s that are printed or imported.
//!
//! A message counts once for its sender (`from_count`) and once for each distinct recipient
//! in To/Cc/Bcc (`to_count`); when the user sent it (a Sent folder, or From is one of the
//! user's addresses) its recipients also count as people the user wrote to (`written_to`,
//! what `--personal` keeps). The best name is the most frequent non-empty one (ties: the
//! longest, then alphabetical), from a bounded set per contact so memory stays bounded.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::address::{self, Address};

/// Names and spellings kept per contact; enough to pick the most frequent in practice.
const MAX_NAMES: usize = 8;
const MAX_SPELLINGS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub spellings: BTreeMap<String, u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, u32>,
    #[serde(default)]
    pub from_count: u32,
    #[serde(default)]
    pub to_count: u32,
    #[serde(default)]
    pub written_to: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
}

impl Tally {
    fn saw(&mut self, address: &Address, date: Option<i64>) {
        bump(
            &mut self.spellings,
            address::display_form(&address.email),
            1,
            MAX_SPELLINGS,
        );
        if let Some(name) = &address.name {
            bump(&mut self.names, name.clone(), 1, MAX_NAMES);
        }
        if let Some(date) = date {
            self.first_seen = Some(self.first_seen.map_or(date, |d| d.min(date)));
            self.last_seen = Some(self.last_seen.map_or(date, |d| d.max(date)));
        }
    }

    /// Adds `other`'s counts to these.
    pub fn absorb(&mut self, other: &Tally) {
        for (spelling, n) in &other.spellings {
            bump(&mut self.spellings, spelling.clone(), *n, MAX_SPELLINGS);
        }
        for (name, n) in &other.names {
            bump(&mut self.names, name.clone(), *n, MAX_NAMES);
        }
        self.from_count += other.from_count;
        self.to_count += other.to_count;
        self.written_to += other.written_to;
        for date in [other.first_seen, other.last_seen].into_iter().flatten() {
            self.first_seen = Some(self.first_seen.map_or(date, |d| d.min(date)));
            self.last_seen = Some(self.last_seen.map_or(date, |d| d.max(date)));
        }
    }

    /// The most frequent name (ties: longer, then alphabetically first).
    pub fn best_name(&self) -> Option<&str> {
        most_frequent(&self.names, true)
    }

    /// The most frequent spelling of the address.
    pub fn email(&self, key: &str) -> String {
        most_frequent(&self.spellings, false)
            .unwrap_or(key)
            .to_owned()
    }
}

fn bump(map: &mut BTreeMap<String, u32>, value: String, n: u32, cap: usize) {
    if let Some(count) = map.get_mut(&value) {
        *count += n;
    } else if map.len() < cap {
        map.insert(value, n);
    }
}

/// The most frequent value; ties go to the longer one (names: the fuller) or the shorter one
/// (addresses: without `+tag`), then alphabetically.
fn most_frequent(map: &BTreeMap<String, u32>, prefer_longer: bool) -> Option<&str> {
    map.iter()
        .max_by(|(a, an), (b, bn)| {
            let length = a.chars().count().cmp(&b.chars().count());
            an.cmp(bn)
                .then(if prefer_longer {
                    length
                } else {
                    length.reverse()
                })
                .then(b.cmp(a))
        })
        .map(|(value, _)| value.as_str())
}

/// Tallies by address key, for one folder.
pub type Book = BTreeMap<String, Tally>;

/// One message's addresses, as the harvest saw them.
pub struct Seen<'a> {
    pub date: Option<i64>,
    pub from: &'a [Address],
    pub to: &'a [Address],
    /// The user sent it.
    pub mine: bool,
}

/// Counts one message into `book`. An address listed twice in one message counts once.
pub fn record(book: &mut Book, seen: &Seen<'_>) {
    let mut counted: BTreeSet<String> = BTreeSet::new();
    for sender in seen.from {
        let key = address::key(&sender.email);
        if counted.insert(key.clone()) {
            let tally = book.entry(key).or_default();
            tally.from_count += 1;
            tally.saw(sender, seen.date);
        }
    }
    counted.clear();
    for recipient in seen.to {
        let key = address::key(&recipient.email);
        if counted.insert(key.clone()) {
            let tally = book.entry(key).or_default();
            tally.to_count += 1;
            if seen.mine {
                tally.written_to += 1;
            }
            tally.saw(recipient, seen.date);
        }
    }
}

/// Adds every tally of `from` into `into`.
pub fn absorb(into: &mut Book, from: &Book) {
    for (key, tally) in from {
        into.entry(key.clone()).or_default().absorb(tally);
    }
}

/// Which contacts to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// People who wrote to the user
    From,
    /// People the mail was addressed to
    To,
    /// Both
    Both,
}

#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub direction: Direction,
    pub personal: bool,
    pub keep_noreply: bool,
}

/// A contact as printed and imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
    pub from_count: u32,
    pub to_count: u32,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub mailboxes: Vec<String>,
    #[serde(skip)]
    pub key: String,
    #[serde(skip)]
    pub written_to: u32,
}

/// Merges per-source books (labelled by mailbox) into contacts, drops the user's own
/// addresses and what `filter` excludes, and sorts by how often they were seen.
pub fn merge<'a>(
    sources: impl IntoIterator<Item = (&'a str, &'a Book)>,
    own: &BTreeSet<String>,
    filter: Filter,
) -> Vec<Contact> {
    let mut merged: BTreeMap<&str, (Tally, BTreeSet<&str>)> = BTreeMap::new();
    for (label, book) in sources {
        for (key, tally) in book {
            let entry = merged.entry(key.as_str()).or_default();
            entry.0.absorb(tally);
            entry.1.insert(label);
        }
    }
    let mut contacts: Vec<Contact> = merged
        .into_iter()
        .filter(|(key, (tally, _))| {
            !own.contains(*key)
                && (filter.keep_noreply || !address::is_noreply(key))
                && (!filter.personal || tally.written_to > 0)
                && match filter.direction {
                    Direction::From => tally.from_count > 0,
                    Direction::To => tally.to_count > 0,
                    Direction::Both => true,
                }
        })
        .map(|(key, (tally, labels))| Contact {
            email: tally.email(key),
            name: tally.best_name().map(str::to_owned),
            from_count: tally.from_count,
            to_count: tally.to_count,
            first_seen: tally.first_seen.and_then(timestamp),
            last_seen: tally.last_seen.and_then(timestamp),
            mailboxes: labels.into_iter().map(str::to_owned).collect(),
            key: key.to_owned(),
            written_to: tally.written_to,
        })
        .collect();
    contacts.sort_by(|a, b| {
        (b.from_count + b.to_count)
            .cmp(&(a.from_count + a.to_count))
            .then_with(|| a.email.cmp(&b.email))
    });
    contacts
}

/// Unix seconds as RFC 3339 UTC (`2026-11-25T10:00:00Z`).
pub fn timestamp(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(name: Option<&str>, email: &str) -> Address {
        Address {
            name: name.map(str::to_owned),
            email: email.to_owned(),
        }
    }

    #[test]
    fn dedups_across_spellings_and_picks_the_most_frequent_name() {
        let mut book = Book::new();
        let me = [addr(None, "me@example.com")];
        for (name, email, date) in [
            (Some("Jane Doe"), "Jane.Doe@Gmail.com", 100),
            (Some("Jane"), "janedoe@googlemail.com", 300),
            (Some("Jane Doe"), "jane.doe+list@gmail.com", 200),
            (None, "JANE.DOE@gmail.com", 50),
        ] {
            record(
                &mut book,
                &Seen {
                    date: Some(date),
                    from: &[addr(name, email)],
                    to: &me,
                    mine: false,
                },
            );
        }
        let own = BTreeSet::from(["me@example.com".to_owned()]);
        let contacts = merge(
            [("Work", &book)],
            &own,
            Filter {
                direction: Direction::Both,
                personal: false,
                keep_noreply: false,
            },
        );
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        let jane = &contacts[0];
        assert_eq!(jane.email, "jane.doe@gmail.com");
        assert_eq!(jane.name.as_deref(), Some("Jane Doe"));
        assert_eq!((jane.from_count, jane.to_count), (4, 0));
        assert_eq!(jane.first_seen.as_deref(), Some("1970-01-01T00:00:50Z"));
        assert_eq!(jane.last_seen.as_deref(), Some("1970-01-01T00:05:00Z"));
        assert_eq!(jane.mailboxes, ["Work"]);
    }

    #[test]
    fn personal_keeps_only_people_the_user_wrote_to() {
        let mut book = Book::new();
        let me = addr(None, "me@example.com");
        record(
            &mut book,
            &Seen {
                date: None,
                from: std::slice::from_ref(&me),
                to: &[
                    addr(None, "friend@example.com"),
                    addr(None, "friend@EXAMPLE.com"),
                ],
                mine: true,
            },
        );
        record(
            &mut book,
            &Seen {
                date: None,
                from: &[addr(None, "stranger@example.com")],
                to: &[me],
                mine: false,
            },
        );
        let own = BTreeSet::from(["me@example.com".to_owned()]);
        let personal = merge(
            [("m", &book)],
            &own,
            Filter {
                direction: Direction::Both,
                personal: true,
                keep_noreply: false,
            },
        );
        let emails: Vec<&str> = personal.iter().map(|c| c.email.as_str()).collect();
        assert_eq!(emails, ["friend@example.com"]);
        assert_eq!(
            personal[0].to_count, 1,
            "listed twice in one message counts once"
        );
    }
}
