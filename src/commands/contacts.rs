//! `mailboxes contacts list|show|groups|export` (issue 14): the address book `sync` keeps (the
//! local vdir), read as khard would read it — every card, ours and the user's own.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::Context;
use std::path::Path;

use crate::addressbook::dedup::{self, Entry, Proposal};
use crate::addressbook::{self, vdir::Vdir, BookState, Listed};
use crate::cli::{ContactsArgs, ContactsCommand};
use crate::error::usage;
use crate::exit::Exit;
use crate::harvest::contacts::Contact;
use crate::harvest::export::{exporter, ExportFormat};
use crate::output::{Report, Style};
use crate::store::StoreKind;
use crate::untrusted::printable;

pub enum Contacts {
    Listed {
        contacts: Vec<Listed>,
        format: Option<ExportFormat>,
    },
    Groups(BTreeMap<String, usize>),
    Plan {
        proposals: Vec<Proposal>,
        applied: bool,
    },
    Unmerged {
        email: String,
        from: String,
    },
}

pub fn run(context: &Context, args: ContactsArgs) -> anyhow::Result<Contacts> {
    let on_supabase = context.store_kind() == StoreKind::Supabase && args.contacts_dir.is_none();
    if on_supabase {
        let importer = crate::harvest::import::Importer::new(context.postgrest()?, "");
        let people = people(&importer.contacts()?);
        return match args.command {
            ContactsCommand::Dedup { apply } => {
                let proposals = dedup::plan(&people.iter().map(person_entry).collect::<Vec<_>>());
                if apply {
                    for proposal in &proposals {
                        importer.merge(&proposal.files[0], &proposal.emails)?;
                    }
                }
                Ok(Contacts::Plan {
                    proposals,
                    applied: apply,
                })
            }
            ContactsCommand::Unmerge { email } => {
                let from = people
                    .iter()
                    .find(|p| {
                        p.emails[1..]
                            .iter()
                            .any(|e| e.eq_ignore_ascii_case(email.trim()))
                    })
                    .map(|p| p.uid.clone());
                if from.is_none() || !importer.unmerge(email.trim())? {
                    return Err(usage(format!(
                        "'{}' was not merged by `contacts dedup --apply`; nothing to take back",
                        printable(&email)
                    )));
                }
                Ok(Contacts::Unmerged {
                    email: email.trim().to_owned(),
                    from: from.unwrap_or_default(),
                })
            }
            command => select(command, people, "Supabase public.contacts"),
        };
    }
    let dir = match &args.contacts_dir {
        Some(dir) => dir.clone(),
        None => addressbook::default_dir(&context.profile)?,
    };
    match &args.command {
        ContactsCommand::Dedup { apply } => return dedup(context, &dir, *apply),
        ContactsCommand::Unmerge { email } => return unmerge(context, &dir, email),
        _ => {}
    }
    let book = Vdir::read_only(&dir);
    let mut contacts = Vec::new();
    for (file, card) in book.scan() {
        match card {
            Ok(card) => contacts.push(Listed::from_card(&file, &card)),
            Err(err) => context.ui.warn(&format!(
                "{} is not a card mailboxes can read ({err}); skipped",
                printable(&file.display().to_string())
            )),
        }
    }
    select(args.command, contacts, &dir.display().to_string())
}

/// The rows of `public.contacts` as people: rows merged into another (`merged_into`) are
/// folded into it: its address first, then theirs (most seen first), counts summed.
fn people(rows: &[Value]) -> Vec<Listed> {
    let text = |row: &Value, key: &str| row[key].as_str().map(str::to_owned);
    let mut by_person: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for row in rows {
        let Some(email) = text(row, "email") else {
            continue;
        };
        let person = text(row, "merged_into").unwrap_or(email);
        by_person.entry(person).or_default().push(row);
    }
    by_person
        .into_iter()
        .map(|(person, mut members)| {
            members.sort_by_key(|row| {
                (
                    text(row, "email").as_deref() != Some(person.as_str()),
                    std::cmp::Reverse(
                        row["from_count"].as_u64().unwrap_or(0)
                            + row["to_count"].as_u64().unwrap_or(0),
                    ),
                )
            });
            let mut listed = Listed {
                uid: person.clone(),
                name: None,
                emails: Vec::new(),
                groups: Vec::new(),
                from_count: 0,
                to_count: 0,
                first_seen: None,
                last_seen: None,
                file: String::new(),
            };
            for row in members {
                listed.emails.extend(text(row, "email"));
                listed.name = listed
                    .name
                    .or_else(|| text(row, "name").filter(|n| !n.trim().is_empty()));
                for group in row["groups"].as_array().into_iter().flatten() {
                    if let Some(group) = group.as_str() {
                        if !listed.groups.iter().any(|g| g == group) {
                            listed.groups.push(group.to_owned());
                        }
                    }
                }
                listed.from_count += row["from_count"].as_u64().unwrap_or(0);
                listed.to_count += row["to_count"].as_u64().unwrap_or(0);
                let (first, last) = (text(row, "first_seen"), text(row, "last_seen"));
                listed.first_seen = match (listed.first_seen.take(), first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                listed.last_seen = match (listed.last_seen.take(), last) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            listed
        })
        .collect()
}

/// A person as a card, for the same evidence as the local book: named by its primary address.
fn person_entry(person: &Listed) -> Entry {
    let mut card = addressbook::card::Card::default();
    card.set("FN", person.name.as_deref().unwrap_or(&person.uid));
    for email in &person.emails {
        card.properties.push(addressbook::card::Property::new(
            "EMAIL",
            &addressbook::card::escape(email),
        ));
    }
    card.set(addressbook::FROM_COUNT, &person.from_count.to_string());
    card.set(addressbook::TO_COUNT, &person.to_count.to_string());
    Entry {
        file: person.uid.clone(),
        card,
    }
}

/// What `command` asks of `contacts` (the book's, wherever it lives).
fn select(
    command: ContactsCommand,
    mut contacts: Vec<Listed>,
    book: &str,
) -> anyhow::Result<Contacts> {
    contacts.sort_by(|a, b| {
        (b.from_count + b.to_count)
            .cmp(&(a.from_count + a.to_count))
            .then_with(|| a.emails.first().cmp(&b.emails.first()))
    });
    match command {
        ContactsCommand::List => Ok(Contacts::Listed {
            contacts,
            format: None,
        }),
        ContactsCommand::Show { contact } => {
            let wanted = contact.trim().to_lowercase();
            let found: Vec<Listed> = contacts
                .into_iter()
                .filter(|c| {
                    c.uid.eq_ignore_ascii_case(&wanted)
                        || c.emails.iter().any(|e| e.to_lowercase() == wanted)
                })
                .collect();
            if found.is_empty() {
                return Err(crate::store::StoreError::NotFound(format!(
                    "no contact with the address or UID '{}' in {} (see `mailboxes contacts list`)",
                    printable(&contact),
                    printable(book)
                ))
                .into());
            }
            Ok(Contacts::Listed {
                contacts: found,
                format: None,
            })
        }
        ContactsCommand::Groups => {
            let mut groups: BTreeMap<String, usize> = BTreeMap::new();
            for contact in &contacts {
                for group in &contact.groups {
                    *groups.entry(group.clone()).or_default() += 1;
                }
            }
            Ok(Contacts::Groups(groups))
        }
        ContactsCommand::Export { format } => Ok(Contacts::Listed {
            contacts,
            format: Some(format),
        }),
        ContactsCommand::Dedup { .. } | ContactsCommand::Unmerge { .. } => {
            unreachable!("handled before")
        }
    }
}

/// `contacts dedup [--apply]`.
fn dedup(context: &Context, dir: &Path, apply: bool) -> anyhow::Result<Contacts> {
    // A sync writing meanwhile could create a card this merge removes: one at a time.
    let _running = if apply {
        Some(super::sync::lock(context, false)?)
    } else {
        None
    };
    let book = if apply {
        Vdir::open(dir)?
    } else {
        Vdir::read_only(dir)
    };
    let mut entries = Vec::new();
    for (path, card) in book.scan() {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        match card {
            Ok(card) => entries.push(Entry { file, card }),
            Err(err) => context.ui.warn(&format!(
                "{} is not a card mailboxes can read ({err}); left out",
                printable(&path.display().to_string())
            )),
        }
    }
    let proposals = dedup::plan(&entries);
    if apply && !proposals.is_empty() {
        let mut state = BookState::load(&context.paths, &context.profile, dir);
        for proposal in &proposals {
            let card_of = |file: &String| {
                entries
                    .iter()
                    .find(|e| &e.file == file)
                    .map(|e| &e.card)
                    .expect("a planned card is in the book")
            };
            let kept = &proposal.files[0];
            let others: Vec<&addressbook::card::Card> =
                proposal.files[1..].iter().map(card_of).collect();
            let mut merged = dedup::merged(card_of(kept), &others);
            // A kept card named only by its address takes the person's name.
            if let Some(name) = proposal.name.as_deref().filter(|n| !n.contains('@')) {
                if merged.text("FN").is_none_or(|fn_| fn_.contains('@')) {
                    merged.set("FN", name);
                }
            }
            // The kept card first: a crash in between leaves an address on two cards (the
            // next dedup finds them again), never on none.
            book.write_file(kept, &merged)?;
            for email in &proposal.emails {
                state
                    .merges
                    .insert(crate::harvest::address::key(email), kept.clone());
            }
            state.save(&context.paths, &context.profile)?;
            for file in &proposal.files[1..] {
                book.remove_file(file)?;
            }
        }
        book.sync();
    }
    Ok(Contacts::Plan {
        proposals,
        applied: apply,
    })
}

/// `contacts unmerge EMAIL`.
fn unmerge(context: &Context, dir: &Path, email: &str) -> anyhow::Result<Contacts> {
    let _running = super::sync::lock(context, false)?;
    let key = crate::harvest::address::key(email.trim());
    let mut state = BookState::load(&context.paths, &context.profile, dir);
    let Some(file) = state.merges.remove(&key) else {
        return Err(usage(format!(
            "'{}' was not merged by `contacts dedup --apply`; nothing to take back",
            printable(email)
        )));
    };
    let book = Vdir::open(dir)?;
    if let Ok(Some(mut card)) = book.read_file(&file) {
        card.properties.retain(|p| {
            p.name != "EMAIL"
                || crate::harvest::address::key(&addressbook::card::unescape(&p.value)) != key
        });
        book.write_file(&file, &card)?;
    }
    // Its own card is created again by the next sync.
    let uid = addressbook::uid_for(&key);
    state.deleted.remove(&uid);
    state.written.remove(&uid);
    state.save(&context.paths, &context.profile)?;
    Ok(Contacts::Unmerged {
        email: email.trim().to_owned(),
        from: file,
    })
}

/// A card as the harvest exporters take it: the primary address, the groups as sources.
fn as_contact(listed: &Listed) -> Contact {
    let email = listed.emails.first().cloned().unwrap_or_default();
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Contact {
        key: email.to_lowercase(),
        email,
        name: listed.name.clone(),
        from_count: count(listed.from_count),
        to_count: count(listed.to_count),
        first_seen: listed.first_seen.clone(),
        last_seen: listed.last_seen.clone(),
        mailboxes: listed.groups.clone(),
        written_to: 0,
    }
}

impl Report for Contacts {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        match self {
            Contacts::Listed { contacts, format } => {
                let as_contacts: Vec<Contact> = contacts.iter().map(as_contact).collect();
                exporter(format.unwrap_or(ExportFormat::Table), style.width)
                    .write(&as_contacts, out)
            }
            Contacts::Groups(groups) => {
                for (group, count) in groups {
                    writeln!(out, "{count:>6}  {}", printable(group))?;
                }
                Ok(())
            }
            Contacts::Plan { proposals, applied } => {
                if proposals.is_empty() {
                    return writeln!(out, "No duplicates found.");
                }
                for proposal in proposals {
                    writeln!(
                        out,
                        "{} {}: {}",
                        if *applied { "Merged" } else { "Merge" },
                        printable(proposal.name.as_deref().unwrap_or("(no name)")),
                        printable(&proposal.emails.join(", "))
                    )?;
                    for why in &proposal.evidence {
                        writeln!(out, "  because {}", printable(why))?;
                    }
                }
                if !*applied {
                    writeln!(out, "Run `mailboxes contacts dedup --apply` to merge them.")?;
                }
                Ok(())
            }
            Contacts::Unmerged { email, from } => writeln!(
                out,
                "Took {} out of {}; the next sync gives it its own card again.",
                printable(email),
                printable(from)
            ),
        }
    }

    fn json(&self) -> Value {
        match self {
            Contacts::Listed { contacts, .. } => {
                serde_json::to_value(contacts).unwrap_or(Value::Null)
            }
            Contacts::Groups(groups) => Value::Array(
                groups
                    .iter()
                    .map(|(group, count)| json!({"group": group, "contacts": count}))
                    .collect(),
            ),
            Contacts::Plan { proposals, applied } => {
                json!({"applied": applied, "proposals": proposals})
            }
            Contacts::Unmerged { email, from } => json!({"unmerged": email, "from": from}),
        }
    }

    fn exit(&self) -> Exit {
        Exit::Success
    }
}
