//! `mailboxes contacts list|show|groups|export` (issue 14): the address book `sync` keeps (the
//! local vdir), read as khard would read it — every card, ours and the user's own.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::Context;
use crate::addressbook::{self, vdir::Vdir, Listed};
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
}

pub fn run(context: &Context, args: ContactsArgs) -> anyhow::Result<Contacts> {
    if context.store_kind() == StoreKind::Supabase && args.contacts_dir.is_none() {
        return Err(usage(
            "signed in, contacts live in Supabase's public.contacts (the web app shows them); \
             `contacts` reads the local address book: pass --store local or --contacts-dir DIR",
        ));
    }
    let dir = match &args.contacts_dir {
        Some(dir) => dir.clone(),
        None => addressbook::default_dir(&context.profile)?,
    };
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
    contacts.sort_by(|a, b| {
        (b.from_count + b.to_count)
            .cmp(&(a.from_count + a.to_count))
            .then_with(|| a.emails.first().cmp(&b.emails.first()))
    });
    match args.command {
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
                    dir.display()
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
    }
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
        }
    }

    fn exit(&self) -> Exit {
        Exit::Success
    }
}
