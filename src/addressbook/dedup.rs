//! Finding one person behind several cards (issue 14 item 4), on evidence a person would accept,
//! never on a first name alone ("Carol" at two domains are two people):
//! - the same name of two words or more on both cards ("Ann Lee" / "Lee, Ann");
//! - an address whose local part spells the other card's full name (`ann.lee@`, `ann_lee@`,
//!   `annlee@`, `alee@`, `lee.ann@` for "Ann Lee"), where that card has no other full name;
//! - the same Gmail account (dots, `+tags` and googlemail.com do not make another).
//!
//! A proposal lists its addresses (primary first: the card seen most), the name it keeps and
//! why. Applying it keeps one card (the user's own when there is one, else the one seen most),
//! adds the others' addresses, categories and properties to it, sums the counts, and removes
//! the others; the merge is remembered so a later sync keeps them one.

use std::collections::BTreeMap;

use serde::Serialize;

use super::card::{self, Card};
use super::{FIRST_SEEN, FROM_COUNT, LAST_SEEN, TO_COUNT};
use crate::harvest::address;

/// One card of the book.
pub struct Entry {
    pub file: String,
    pub card: Card,
}

/// Several cards that are one person.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    /// Primary first.
    pub emails: Vec<String>,
    pub name: Option<String>,
    pub evidence: Vec<String>,
    /// The card kept first, then those merged into it.
    pub files: Vec<String>,
}

/// A name's words, lower-cased, accents folded, "Lee, Ann" read as "Ann Lee".
pub fn name_words(name: &str) -> Vec<String> {
    let name = match name.split_once(',') {
        Some((family, given)) if !given.trim().is_empty() => format!("{} {}", given, family),
        _ => name.to_owned(),
    };
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// Lower case without the common Latin accents (names are written both ways in addresses).
fn fold(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// A full name: two words or more (a first name alone proves nothing).
fn full_name(card: &Card) -> Option<Vec<String>> {
    // A card without a name shows its address as FN: that is no name.
    let name = card.text("FN").filter(|n| !n.contains('@'))?;
    let words = name_words(&name);
    (words.len() >= 2 && words.iter().all(|w| w.chars().count() >= 2)).then_some(words)
}

/// The local parts that spell `words` (first and last word).
fn spellings(words: &[String]) -> Vec<String> {
    let (first, last) = (&words[0], &words[words.len() - 1]);
    let initial = first.chars().next().map(String::from).unwrap_or_default();
    vec![
        format!("{first}.{last}"),
        format!("{first}_{last}"),
        format!("{first}-{last}"),
        format!("{first}{last}"),
        format!("{last}.{first}"),
        format!("{last}_{first}"),
        format!("{initial}{last}"),
        format!("{initial}.{last}"),
    ]
}

fn local_part(email: &str) -> String {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    let local = local.split_once('+').map_or(local, |(base, _)| base);
    fold(local)
}

fn count(card: &Card, name: &str) -> u64 {
    card.text(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn seen(card: &Card) -> u64 {
    count(card, FROM_COUNT) + count(card, TO_COUNT)
}

/// The merges the evidence supports.
pub fn plan(entries: &[Entry]) -> Vec<Proposal> {
    let n = entries.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut evidence: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut join = |parent: &mut Vec<usize>, a: usize, b: usize, why: String| {
        let (ra, rb) = (root(parent, a), root(parent, b));
        let r = ra.min(rb);
        parent[ra] = r;
        parent[rb] = r;
        let mut all = evidence.remove(&ra).unwrap_or_default();
        if rb != ra {
            all.extend(evidence.remove(&rb).unwrap_or_default());
        }
        if !all.contains(&why) {
            all.push(why);
        }
        evidence.insert(r, all);
    };
    let names: Vec<Option<Vec<String>>> = entries.iter().map(|e| full_name(&e.card)).collect();
    let emails: Vec<Vec<String>> = entries.iter().map(|e| e.card.emails()).collect();
    for a in 0..n {
        for b in a + 1..n {
            // The same full name.
            if let (Some(x), Some(y)) = (&names[a], &names[b]) {
                if x == y {
                    let shown = entries[a].card.text("FN").unwrap_or_default();
                    join(
                        &mut parent,
                        a,
                        b,
                        format!("the same name '{}' on both cards", shown.trim()),
                    );
                    continue;
                }
            }
            // An address spelling the other's full name (only where it has no other name).
            for (named, other) in [(a, b), (b, a)] {
                let (Some(words), None) = (&names[named], &names[other]) else {
                    continue;
                };
                let spelled = spellings(words);
                if let Some(email) = emails[other]
                    .iter()
                    .find(|e| spelled.contains(&local_part(e)))
                {
                    let shown = entries[named].card.text("FN").unwrap_or_default();
                    join(
                        &mut parent,
                        a,
                        b,
                        format!("'{email}' spells the name '{}'", shown.trim()),
                    );
                }
            }
            // The same Gmail account.
            let gmail = |list: &[String]| -> Vec<String> {
                list.iter()
                    .map(|e| address::key(e))
                    .filter(|k| k.ends_with("@gmail.com"))
                    .collect()
            };
            let (x, y) = (gmail(&emails[a]), gmail(&emails[b]));
            if let Some(shared) = x.iter().find(|k| y.contains(k)) {
                join(
                    &mut parent,
                    a,
                    b,
                    format!("the same Gmail account ({shared}: dots and +tags ignored)"),
                );
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups
        .into_iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(r, mut members)| {
            // Kept: the user's own card (not one of ours), else the one seen most.
            members.sort_by_key(|&i| {
                (
                    entries[i].file.starts_with("mailboxes-"),
                    std::cmp::Reverse(seen(&entries[i].card)),
                    entries[i].file.clone(),
                )
            });
            let mut by_seen = members.clone();
            by_seen.sort_by_key(|&i| std::cmp::Reverse(seen(&entries[i].card)));
            let mut all_emails: Vec<String> = Vec::new();
            for &i in &by_seen {
                for email in &emails[i] {
                    if !all_emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                        all_emails.push(email.clone());
                    }
                }
            }
            let name = members
                .iter()
                .find_map(|&i| names[i].as_ref().and(entries[i].card.text("FN")))
                .or_else(|| members.iter().find_map(|&i| entries[i].card.text("FN")));
            let named = by_seen
                .iter()
                .find_map(|&i| names[i].as_ref().and(entries[i].card.text("FN")));
            let name = named.or(name);
            Proposal {
                emails: all_emails,
                name,
                evidence: evidence.remove(&r).unwrap_or_default(),
                files: members.iter().map(|&i| entries[i].file.clone()).collect(),
            }
        })
        .collect()
}

/// The kept card with the others merged in: their addresses, categories and other
/// properties added, the counts summed, first and last seen widened.
pub fn merged(kept: &Card, others: &[&Card]) -> Card {
    let mut card = kept.clone();
    let skip = ["UID", "VERSION", "FN", "N", "REV", "PRODID", "CATEGORIES"];
    let owned = [FROM_COUNT, TO_COUNT, FIRST_SEEN, LAST_SEEN];
    let (mut from, mut to) = (count(kept, FROM_COUNT), count(kept, TO_COUNT));
    let mut first = kept.text(FIRST_SEEN);
    let mut last = kept.text(LAST_SEEN);
    let mut categories = kept.categories();
    for other in others {
        from += count(other, FROM_COUNT);
        to += count(other, TO_COUNT);
        if let Some(at) = other.text(FIRST_SEEN) {
            first = Some(first.map_or(at.clone(), |f| f.min(at)));
        }
        if let Some(at) = other.text(LAST_SEEN) {
            last = Some(last.map_or(at.clone(), |l| l.max(at)));
        }
        for category in other.categories() {
            if !categories.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
                categories.push(category);
            }
        }
        let keys: Vec<String> = card.emails().iter().map(|e| address::key(e)).collect();
        for property in &other.properties {
            if skip.contains(&property.name.as_str()) || owned.contains(&property.name.as_str()) {
                continue;
            }
            if property.name == "EMAIL"
                && keys.contains(&address::key(&card::unescape(&property.value)))
            {
                continue;
            }
            if !card.properties.contains(property) {
                card.properties.push(property.clone());
            }
        }
    }
    if !categories.is_empty() {
        card.remove("CATEGORIES");
        let value = categories
            .iter()
            .map(|c| card::escape(c))
            .collect::<Vec<_>>()
            .join(",");
        card.properties
            .push(card::Property::new("CATEGORIES", &value));
    }
    if from + to > 0 {
        card.set(FROM_COUNT, &from.to_string());
        card.set(TO_COUNT, &to.to_string());
    }
    if let Some(first) = first {
        card.set(FIRST_SEEN, &first);
    }
    if let Some(last) = last {
        card.set(LAST_SEEN, &last);
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, name: Option<&str>, emails: &[&str], from: u32) -> Entry {
        let mut text = String::from("BEGIN:VCARD\r\nVERSION:4.0\r\n");
        if let Some(name) = name {
            text.push_str(&format!("FN:{name}\r\n"));
        }
        for email in emails {
            text.push_str(&format!("EMAIL:{email}\r\n"));
        }
        text.push_str(&format!(
            "{FROM_COUNT}:{from}\r\n{TO_COUNT}:0\r\nEND:VCARD\r\n"
        ));
        Entry {
            file: file.into(),
            card: Card::parse(text.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn evidence_joins_the_same_person_and_never_a_first_name_alone() {
        let entries = [
            entry("mailboxes-1.vcf", Some("Ann Lee"), &["ann@work.example"], 5),
            entry("mailboxes-2.vcf", None, &["ann.lee@home.example"], 2),
            entry(
                "mailboxes-3.vcf",
                Some("Lee, Ann"),
                &["a.lee@old.example"],
                1,
            ),
            entry("mailboxes-4.vcf", Some("Carol"), &["carol@a.example"], 3),
            entry("mailboxes-5.vcf", Some("Carol"), &["carol@b.example"], 3),
            entry(
                "mailboxes-6.vcf",
                Some("John Smith"),
                &["john.smith@gmail.com"],
                1,
            ),
            entry(
                "own.vcf",
                Some("Johnny"),
                &["johnsmith+lists@googlemail.com"],
                0,
            ),
            entry("mailboxes-8.vcf", None, &["bob.stone@example.com"], 1),
            entry(
                "mailboxes-9.vcf",
                Some("Bobby Tables"),
                &["bob.stone@other.example"],
                1,
            ),
        ];
        let proposals = plan(&entries);
        assert_eq!(proposals.len(), 2, "{proposals:#?}");
        let ann = &proposals[0];
        assert_eq!(
            ann.emails,
            [
                "ann@work.example",
                "ann.lee@home.example",
                "a.lee@old.example"
            ]
        );
        assert_eq!(ann.name.as_deref(), Some("Ann Lee"));
        assert!(ann
            .evidence
            .contains(&"the same name 'Ann Lee' on both cards".to_string()));
        assert!(ann
            .evidence
            .contains(&"'ann.lee@home.example' spells the name 'Ann Lee'".to_string()));
        let john = &proposals[1];
        assert_eq!(john.files[0], "own.vcf", "the user's own card is kept");
        assert!(
            john.evidence
                .iter()
                .any(|e| e.starts_with("the same Gmail account (johnsmith@gmail.com")),
            "{john:#?}"
        );
    }

    #[test]
    fn a_merge_sums_counts_and_keeps_everything() {
        let a = entry("own.vcf", Some("Ann Lee"), &["ann@work.example"], 5);
        let mut b = entry("mailboxes-2.vcf", None, &["ann.lee@home.example"], 2);
        b.card.properties.push(card::Property::new("TEL", "+1 555"));
        let merged = merged(&a.card, &[&b.card]);
        assert_eq!(
            merged.emails(),
            ["ann@work.example", "ann.lee@home.example"]
        );
        assert_eq!(merged.text(FROM_COUNT).as_deref(), Some("7"));
        assert_eq!(merged.text("TEL").as_deref(), Some("+1 555"));
        assert_eq!(merged.text("FN").as_deref(), Some("Ann Lee"));
    }
}
