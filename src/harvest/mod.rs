//! Harvesting contacts straight from IMAP: log in (the probe's connection layer), pick the
//! folders (INBOX + SPECIAL-USE Sent, or Gmail's All Mail), ask each for what changed since the
//! last run (one pipelined STATUS round trip for all), and stream the header fields of only the
//! new messages through the address parser into per-folder [`contacts::Book`]s.
//!
//! Promises: memory does not grow with the number of messages (one response is held at a
//! time; books grow with distinct addresses only); a malformed address or message is counted
//! and skipped, never fatal; a folder whose UIDVALIDITY changed is rescanned from UID 1 and
//! reported as `full`, so callers replace its counts instead of adding. This module never
//! prints: progress goes to a callback.
//!
//! Layout: `client` speaks IMAP over the probe's session, `folders` chooses folders, `fetch`
//! parses FETCH responses and header fields, `address` parses and normalizes addresses,
//! `contacts` counts and merges, `state` remembers, `export` writes formats, `import` upserts
//! into Supabase.

pub mod address;
pub mod batch;
pub mod client;
pub mod contacts;
pub mod export;
pub mod fetch;
pub mod folders;
pub mod import;
pub mod state;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::probe::{self, ConnectOptions, Target};
use client::{Client, ClientError};
use contacts::{Book, Seen};
use folders::{Folder, Role};

/// What to harvest and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub probe: ConnectOptions,
    /// Folder names instead of the default INBOX + Sent.
    pub folders: Option<Vec<String>>,
    /// Only messages on or after this day (a one-off scan: no incremental state).
    pub since: Option<NaiveDate>,
    /// The most one mailbox's whole harvest may take (`--timeout` given on the command line);
    /// without it only the idle timeout and [`MIN_RATE`] bound it.
    pub overall: Option<std::time::Duration>,
    /// Connections one mailbox may use at once: a folder with many new messages has its UID
    /// range split over them (`--connections`; 1 reads everything over the first).
    pub connections: usize,
}

/// New messages per extra connection below which splitting a folder is not worth its login.
pub const SPLIT_MIN: u64 = 4_000;

/// After login, each command's answer must come at least this fast (bytes a second, on
/// average, once its first idle timeout has passed), so a server trickling it cannot keep a
/// harvest waiting forever (issue 15). A slow real server sends headers far faster.
pub const MIN_RATE: u64 = 1024;

/// What an earlier run saw, per folder: (UIDVALIDITY, highest UID).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub folders: BTreeMap<String, (u32, u32)>,
    pub own: BTreeSet<String>,
}

/// What happened in one folder.
#[derive(Debug, Clone, Default)]
pub struct FolderRun {
    pub name: String,
    pub role: Option<Role>,
    pub uidvalidity: u32,
    /// The highest UID seen after this run (the earlier one when nothing was new).
    pub highest_uid: u32,
    /// Scanned from UID 1 (first run, UIDVALIDITY changed, `--since`): its book replaces what
    /// was counted before instead of adding to it.
    pub full: bool,
    /// Nothing new since the last run: not even selected.
    pub unchanged: bool,
    /// The UIDNEXT STATUS announced (0: not known), where a split range ends.
    pub uidnext: u32,
    pub messages: u64,
    pub malformed: u64,
    /// Counts from the messages fetched in this run only.
    pub book: Book,
    /// Why the folder could not be read (the others still are).
    pub error: Option<String>,
}

/// A harvest of one mailbox.
#[derive(Debug, Default)]
pub struct Run {
    pub folders: Vec<FolderRun>,
    /// The user's addresses: the login (if an address), earlier ones, and Sent senders.
    pub own: BTreeSet<String>,
    pub round_trips: u32,
    pub bytes_read: u64,
}

/// Progress of a scan, for a progress bar.
pub enum Progress {
    /// About this many messages will be fetched in all.
    Expect(u64),
    /// One more message done.
    Message,
    /// This many more messages done (read over another connection).
    Messages(u64),
}

/// Harvests `target`'s folders, fetching only what is new since `known`.
pub fn run(
    target: &Target,
    options: &Options,
    known: &Known,
    progress: &mut dyn FnMut(Progress),
) -> anyhow::Result<Run> {
    let started = std::time::Instant::now();
    let session = probe::open(target, &options.probe)?;
    session.set_pace(crate::imap::deadline::Pace {
        min_rate: MIN_RATE,
        until: options.overall.and_then(|d| started.checked_add(d)),
    });
    let mut client = Client::new(session);
    let result = harvest(&mut client, target, options, known, progress);
    let round_trips = client.round_trips();
    let bytes_read = client.bytes_read();
    client.logout();
    let mut run = result.map_err(|err| {
        anyhow::Error::new(err).context(format!(
            "harvesting {}",
            crate::untrusted::host_port(&target.host, target.port)
        ))
    })?;
    // Those of the extra connections (if any) plus this one's.
    run.round_trips += round_trips;
    run.bytes_read = bytes_read;
    Ok(run)
}

fn harvest(
    client: &mut Client,
    target: &Target,
    options: &Options,
    known: &Known,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, ClientError> {
    let mut own = known.own.clone();
    if target.user.contains('@') {
        own.insert(address::key(&target.user));
    }
    // One round trip when the folders are known (named, or seen by the last run): LIST and a
    // STATUS for each go out together; a folder LIST then adds costs one more.
    let guessed: Vec<String> = match &options.folders {
        Some(names) => names.clone(),
        None => known.folders.keys().cloned().collect(),
    };
    let list = match &options.folders {
        Some(_) => None,
        None => Some(send_list(client)?),
    };
    let mut asked = Vec::new();
    for name in &guessed {
        asked.push((name.clone(), send_status(client, name)?));
    }
    client.flush()?;
    let mut chosen = match list {
        Some(tag) => read_list(client, &tag, target)?,
        None => guessed
            .iter()
            .map(|name| Folder {
                name: name.clone(),
                role: if name.eq_ignore_ascii_case("INBOX") {
                    Role::Inbox
                } else {
                    Role::Other
                },
            })
            .collect(),
    };
    let mut answers: BTreeMap<String, Result<Status, String>> = BTreeMap::new();
    for (name, tag) in &asked {
        answers.insert(name.clone(), read_status(client, tag)?);
    }
    let missing: Vec<String> = chosen
        .iter()
        .filter(|f| !answers.contains_key(&f.name))
        .map(|f| f.name.clone())
        .collect();
    if !missing.is_empty() {
        let mut asked = Vec::new();
        for name in &missing {
            asked.push((name.clone(), send_status(client, name)?));
        }
        client.flush()?;
        for (name, tag) in &asked {
            answers.insert(name.clone(), read_status(client, tag)?);
        }
    }
    // Sent first: its senders are the user's addresses, which INBOX then recognizes.
    chosen.sort_by_key(|f| f.role != Role::Sent);
    let statuses: Vec<Result<Status, String>> = chosen
        .iter()
        .map(|f| {
            answers
                .remove(&f.name)
                .unwrap_or_else(|| Err("no STATUS answer".to_owned()))
        })
        .collect();

    let mut run = Run::default();
    let mut expected = 0u64;
    let mut plans = Vec::new();
    for (folder, status) in chosen.into_iter().zip(statuses) {
        let mut report = FolderRun {
            name: folder.name.clone(),
            role: Some(folder.role),
            ..FolderRun::default()
        };
        match status {
            Err(text) => {
                report.error = Some(format!(
                    "cannot open folder '{}': {}",
                    folder.name,
                    client::shown(text.as_bytes())
                ));
                run.folders.push(report);
            }
            Ok(status) => {
                let earlier = known.folders.get(&folder.name).copied();
                report.uidvalidity = status.uidvalidity;
                report.uidnext = status.uidnext;
                let from = match earlier {
                    Some((validity, highest))
                        if validity == status.uidvalidity && options.since.is_none() =>
                    {
                        report.highest_uid = highest;
                        highest.saturating_add(1)
                    }
                    _ => {
                        report.full = true;
                        1
                    }
                };
                if status.uidnext != 0 && from >= status.uidnext {
                    report.unchanged = true;
                    run.folders.push(report);
                    continue;
                }
                expected += if report.full {
                    status.messages
                } else {
                    u64::from(status.uidnext.saturating_sub(from)).min(status.messages)
                };
                plans.push((folder, from, report));
            }
        }
    }
    progress(Progress::Expect(expected));
    // What to fetch of each folder: everything from its `from`, or (`--since`) what a SEARCH
    // found, which takes one more round trip for all folders together.
    let mut sets: Vec<Option<Vec<String>>> = match options.since {
        None => plans
            .iter()
            .map(|(_, from, _)| Some(vec![format!("{from}:*")]))
            .collect(),
        Some(day) => search_since(client, &mut plans, day)?,
    };
    // Sent first, on this connection (its senders are the user's addresses, which the other
    // folders then recognize); a large other folder's range is split over extra connections.
    let split_from = plans
        .iter()
        .position(|(folder, _, _)| folder.role != Role::Sent)
        .unwrap_or(plans.len());
    let mut later = plans.split_off(split_from);
    let mut later_sets = sets.split_off(split_from);
    read_pipelined(client, plans, sets, &mut own, &mut run, progress)?;
    let parts = if options.since.is_none() && options.connections > 1 {
        split(&later, options.connections)
    } else {
        Vec::new()
    };
    if parts.is_empty() {
        read_pipelined(client, later, later_sets, &mut own, &mut run, progress)?;
    } else {
        // This connection reads the first part of each split folder (and the small folders);
        // the extra connections the others, at the same time.
        let (mine, theirs): (Vec<_>, Vec<_>) = parts.into_iter().partition(|p| p.worker == 0);
        for part in &mine {
            later_sets[part.plan] = Some(vec![format!("{}:{}", part.low, part.high)]);
        }
        let own_now = own.clone();
        let folders: Vec<Folder> = later.iter().map(|(folder, _, _)| folder.clone()).collect();
        let (results, extra_trips) = std::thread::scope(|scope| {
            let workers = read_elsewhere(scope, target, options, &folders, theirs, &own_now);
            let mine = read_pipelined_keep(client, &mut later, later_sets, &mut own, progress);
            let mut trips = 0;
            let mut done = Vec::new();
            for worker in workers {
                let (parts, turns) = worker.join().unwrap_or_default();
                trips += turns;
                done.extend(parts);
            }
            (mine.map(|()| done), trips)
        });
        let results = results?;
        run.round_trips = extra_trips;
        for (index, part) in results {
            let (_, _, report) = &mut later[index];
            match part {
                Ok(part) => {
                    progress(Progress::Messages(part.messages));
                    report.messages += part.messages;
                    report.malformed += part.malformed;
                    report.highest_uid = report.highest_uid.max(part.highest_uid);
                    contacts::absorb(&mut report.book, &part.book);
                }
                Err(error) => {
                    report.error.get_or_insert(error);
                }
            }
        }
        run.folders
            .extend(later.into_iter().map(|(_, _, report)| report));
    }
    run.own = own;
    Ok(run)
}

/// EXAMINE + UID FETCH of every folder in `plans` in one go (RFC 9051 §5.5): one round trip
/// in all; each folder's report goes into `run`.
fn read_pipelined(
    client: &mut Client,
    mut plans: Vec<(Folder, u32, FolderRun)>,
    sets: Vec<Option<Vec<String>>>,
    own: &mut BTreeSet<String>,
    run: &mut Run,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ClientError> {
    read_pipelined_keep(client, &mut plans, sets, own, progress)?;
    run.folders
        .extend(plans.into_iter().map(|(_, _, report)| report));
    Ok(())
}

/// [`read_pipelined`], leaving the reports in `plans`.
fn read_pipelined_keep(
    client: &mut Client,
    plans: &mut [(Folder, u32, FolderRun)],
    sets: Vec<Option<Vec<String>>>,
    own: &mut BTreeSet<String>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ClientError> {
    let mut queued = Vec::new();
    for ((folder, _, _), sets) in plans.iter().zip(&sets) {
        queued.push(match sets {
            Some(sets) if !sets.is_empty() => Some(queue(client, folder, sets)?),
            _ => None,
        });
    }
    client.flush()?;
    for ((folder, from, report), queued) in plans.iter_mut().zip(queued) {
        if let Some(queued) = queued {
            read(client, folder, *from, queued, own, report, progress)?;
        }
    }
    Ok(())
}

/// One share of a folder's UID range, for connection `worker` (0 is the first connection).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    plan: usize,
    low: u32,
    high: u32,
    worker: usize,
}

/// How to share the folders of `plans` over `connections`: a folder with at least
/// [`SPLIT_MIN`] new messages per extra connection has its UID range cut into equal spans;
/// the others stay whole on the first. Empty when nothing is worth an extra login.
fn split(plans: &[(Folder, u32, FolderRun)], connections: usize) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut split_any = false;
    for (index, (_, from, report)) in plans.iter().enumerate() {
        // The range: from `from` to the UIDNEXT STATUS gave (kept in highest_uid's place).
        let next = report.uidnext;
        let span = u64::from(next.saturating_sub(*from));
        let ways = (span / SPLIT_MIN).min(connections as u64).max(1) as usize;
        if ways < 2 || next == 0 {
            parts.push(Part {
                plan: index,
                low: *from,
                high: u32::MAX,
                worker: 0,
            });
            continue;
        }
        split_any = true;
        let step = span.div_ceil(ways as u64);
        for worker in 0..ways {
            let low = u64::from(*from) + step * worker as u64;
            let high = if worker + 1 == ways {
                u64::from(u32::MAX)
            } else {
                low + step - 1
            };
            parts.push(Part {
                plan: index,
                low: low as u32,
                high: high.min(u64::from(u32::MAX)) as u32,
                worker,
            });
        }
    }
    if split_any {
        parts
    } else {
        Vec::new()
    }
}

/// What one part read over another connection.
#[derive(Default)]
struct PartRead {
    messages: u64,
    malformed: u64,
    highest_uid: u32,
    book: Book,
}

type PartResults = (Vec<(usize, Result<PartRead, String>)>, u32);

/// Opens one more connection per worker and reads its parts there; a connection that cannot
/// be opened reports its parts as failed folders (the first connection's data still counts).
fn read_elsewhere<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    target: &'env Target,
    options: &'env Options,
    folders: &'env [Folder],
    parts: Vec<Part>,
    own: &'env BTreeSet<String>,
) -> Vec<std::thread::ScopedJoinHandle<'scope, PartResults>> {
    let mut by_worker: BTreeMap<usize, Vec<Part>> = BTreeMap::new();
    for part in parts {
        by_worker.entry(part.worker).or_default().push(part);
    }
    by_worker
        .into_values()
        .map(|parts| {
            scope.spawn(move || {
                let failed = |why: String| -> PartResults {
                    (
                        parts.iter().map(|p| (p.plan, Err(why.clone()))).collect(),
                        0,
                    )
                };
                let session = match probe::open(target, &options.probe) {
                    Ok(session) => session,
                    Err(err) => {
                        return failed(format!("another connection failed: {}", err.message))
                    }
                };
                session.set_pace(crate::imap::deadline::Pace {
                    min_rate: MIN_RATE,
                    until: None,
                });
                let mut client = Client::new(session);
                let mut own = own.clone();
                let mut results = Vec::new();
                for part in &parts {
                    let folder = &folders[part.plan];
                    let mut report = FolderRun::default();
                    let set = format!("{}:{}", part.low, part.high);
                    let outcome = queue(&mut client, folder, &[set]).and_then(|queued| {
                        client.flush()?;
                        read(
                            &mut client,
                            folder,
                            part.low,
                            queued,
                            &mut own,
                            &mut report,
                            &mut |_| {},
                        )
                    });
                    results.push((
                        part.plan,
                        match (outcome, report.error) {
                            (Err(err), _) => Err(err.to_string()),
                            (Ok(()), Some(error)) => Err(error),
                            (Ok(()), None) => Ok(PartRead {
                                messages: report.messages,
                                malformed: report.malformed,
                                highest_uid: report.highest_uid,
                                book: report.book,
                            }),
                        },
                    ));
                }
                let turns = client.round_trips();
                client.logout();
                (results, turns)
            })
        })
        .collect()
}

/// Sends LIST, asking for SPECIAL-USE attributes where the server offers them.
fn send_list(client: &mut Client) -> Result<String, ClientError> {
    let extended = client.has_capability("LIST-EXTENDED") == Some(true)
        && client.has_capability("SPECIAL-USE") == Some(true);
    client.send(if extended {
        r#"LIST "" "*" RETURN (SPECIAL-USE)"#
    } else {
        r#"LIST "" "*""#
    })
}

/// Reads LIST's answer and chooses the folders to harvest.
fn read_list(client: &mut Client, tag: &str, target: &Target) -> Result<Vec<Folder>, ClientError> {
    let mut listed = Vec::new();
    let done = client.complete(tag, |response| {
        if let Some(entry) = folders::parse_list(response.split_tag().1) {
            listed.push(entry);
        }
    })?;
    if !done.ok {
        return Err(ClientError::Protocol(format!(
            "LIST failed: {}",
            client::shown(done.text.as_bytes())
        )));
    }
    let gmail = client.has_capability("X-GM-EXT-1") == Some(true)
        || crate::gmail::is_gmail_host(&target.host);
    Ok(folders::choose(&listed, gmail))
}

fn send_status(client: &mut Client, name: &str) -> Result<String, ClientError> {
    client.send(&format!(
        "STATUS {} (MESSAGES UIDNEXT UIDVALIDITY)",
        client::quote(&folders::encode_name(name))
    ))
}

/// STATUS's numbers, or the server's reason for refusing.
fn read_status(client: &mut Client, tag: &str) -> Result<Result<Status, String>, ClientError> {
    let mut status = None;
    let done = client.complete(tag, |response| {
        if let Some(found) = parse_status(response.split_tag().1) {
            status = Some(found);
        }
    })?;
    Ok(match status {
        Some(status) if done.ok => Ok(status),
        _ => Err(done.text),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    messages: u64,
    uidnext: u32,
    uidvalidity: u32,
}

/// `STATUS name (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 5)`: the numbers in the last parentheses.
fn parse_status(rest: &[u8]) -> Option<Status> {
    let text = std::str::from_utf8(rest).ok()?;
    if !text
        .get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("STATUS "))
    {
        return None;
    }
    let open = text.rfind('(')?;
    let inner = text[open + 1..].trim_end().strip_suffix(')')?;
    let mut status = Status {
        messages: 0,
        uidnext: 0,
        uidvalidity: 0,
    };
    let words: Vec<&str> = inner.split_whitespace().collect();
    for pair in words.chunks(2) {
        if let [name, value] = pair {
            match name.to_ascii_uppercase().as_str() {
                "MESSAGES" => status.messages = value.parse().ok()?,
                "UIDNEXT" => status.uidnext = value.parse().ok()?,
                "UIDVALIDITY" => status.uidvalidity = value.parse().ok()?,
                _ => {}
            }
        }
    }
    Some(status)
}

/// `--since`: EXAMINE and UID SEARCH of every folder at once (one round trip in all), and the
/// UID sets each found; `None` (and the error in its report) for a folder that failed.
fn search_since(
    client: &mut Client,
    plans: &mut [(Folder, u32, FolderRun)],
    day: NaiveDate,
) -> Result<Vec<Option<Vec<String>>>, ClientError> {
    let mut tags = Vec::new();
    for (folder, from, _) in plans.iter() {
        let examine = send_examine(client, folder)?;
        let search = client.send(&format!(
            "UID SEARCH UID {from}:* SINCE {}",
            day.format("%-d-%b-%Y")
        ))?;
        tags.push((examine, search));
    }
    client.flush()?;
    let mut sets = Vec::new();
    for ((examine, search), (_, _, report)) in tags.iter().zip(plans.iter_mut()) {
        let opened = examined(client, examine)?;
        let mut found: Vec<u32> = Vec::new();
        let done = client.complete(search, |response| {
            let rest = response.split_tag().1;
            if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"SEARCH") {
                found.extend(
                    String::from_utf8_lossy(&rest[6..])
                        .split_whitespace()
                        .filter_map(|n| n.parse::<u32>().ok()),
                );
            }
        })?;
        sets.push(match opened {
            Err(text) => {
                report.error = Some(text);
                None
            }
            Ok(()) if !done.ok => {
                report.error = Some(format!(
                    "SEARCH failed: {}",
                    client::shown(done.text.as_bytes())
                ));
                None
            }
            Ok(()) => {
                found.sort_unstable();
                Some(sequence_sets(&found))
            }
        });
    }
    Ok(sets)
}

/// The commands sent for one folder, whose answers are still to be read.
struct Queued {
    examine: String,
    fetches: Vec<String>,
}

/// Sends EXAMINE and a UID FETCH of each of `sets` in one folder.
fn queue(client: &mut Client, folder: &Folder, sets: &[String]) -> Result<Queued, ClientError> {
    let examine = send_examine(client, folder)?;
    let mut fetches = Vec::new();
    for set in sets {
        fetches.push(client.send(&format!("UID FETCH {set} {}", fetch::FETCH_ITEMS))?);
    }
    Ok(Queued { examine, fetches })
}

/// Sends EXAMINE (read-only SELECT) of `folder`; returns its tag.
fn send_examine(client: &mut Client, folder: &Folder) -> Result<String, ClientError> {
    client.send(&format!(
        "EXAMINE {}",
        client::quote(&folders::encode_name(&folder.name))
    ))
}

/// Reads the answers to what [`queue`] sent, counting every message into `report`.
fn read(
    client: &mut Client,
    folder: &Folder,
    from: u32,
    queued: Queued,
    own: &mut BTreeSet<String>,
    report: &mut FolderRun,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ClientError> {
    if let Err(text) = examined(client, &queued.examine)? {
        report.error = Some(text);
        for tag in &queued.fetches {
            client.complete(tag, |_| {})?;
        }
        return Ok(());
    }
    let sent = folder.role == Role::Sent;
    let mut failure = None;
    for tag in &queued.fetches {
        let done = client.complete_with(tag, |response| {
            let parsed = fetch::parse_fetch(response.split_tag().1).map_err(|_| {
                ClientError::Protocol(format!(
                    "a FETCH response nested more than {} levels deep; giving up",
                    fetch::MAX_DEPTH
                ))
            })?;
            let Some(fetched) = parsed else {
                return Ok(());
            };
            let Some(uid) = fetched.uid else {
                return Ok(());
            };
            // `n:*` also returns the last message when it is below n (RFC 9051 §6.4.8).
            if uid < from {
                return Ok(());
            }
            report.highest_uid = report.highest_uid.max(uid);
            report.messages += 1;
            progress(Progress::Message);
            let Some(header) = fetched.header.filter(|_| !response.truncated) else {
                report.malformed += 1;
                return Ok(());
            };
            count_message(header, fetched.internal_date, sent, own, report);
            Ok(())
        })?;
        if !done.ok && failure.is_none() {
            failure = Some(format!(
                "FETCH failed: {}",
                client::shown(done.text.as_bytes())
            ));
        }
    }
    if failure.is_some() {
        report.error = failure;
    }
    Ok(())
}

/// Reads EXAMINE's answer: `Ok(Err(text))` when the folder cannot be opened.
// UIDVALIDITY comes from STATUS, read before EXAMINE is sent; EXAMINE's copy is not needed.
fn examined(client: &mut Client, tag: &str) -> Result<Result<(), String>, ClientError> {
    let done = client.complete(tag, |_| {})?;
    Ok(if done.ok {
        Ok(())
    } else {
        Err(format!(
            "cannot open folder: {}",
            client::shown(done.text.as_bytes())
        ))
    })
}

/// Counts one message's header into the folder's book.
fn count_message(
    header: &[u8],
    internal_date: Option<&[u8]>,
    sent: bool,
    own: &mut BTreeSet<String>,
    report: &mut FolderRun,
) {
    let fields = fetch::header_fields(header);
    let date = fields
        .date
        .and_then(fetch::parse_date)
        .or_else(|| internal_date.and_then(fetch::parse_internal_date));
    let mut parse = |raws: &[&[u8]]| {
        let mut found = Vec::new();
        for raw in raws {
            let parsed = address::parse_list(&address::header_text(raw));
            report.malformed += u64::from(parsed.malformed);
            found.extend(parsed.addresses);
        }
        found
    };
    let from = parse(&fields.from);
    let to = parse(&fields.to);
    if sent {
        own.extend(from.iter().map(|a| address::key(&a.email)));
    }
    let mine = sent || from.iter().any(|a| own.contains(&address::key(&a.email)));
    contacts::record(
        &mut report.book,
        &Seen {
            date,
            from: &from,
            to: &to,
            mine,
        },
    );
}

/// Sorted UIDs as compact sets (`1:5,9,12:14`), at most 500 ranges per set so each command
/// line stays short.
fn sequence_sets(uids: &[u32]) -> Vec<String> {
    let mut sets = Vec::new();
    let mut ranges: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        ranges.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        if ranges.len() == 500 {
            sets.push(ranges.join(","));
            ranges.clear();
        }
        i += 1;
    }
    if !ranges.is_empty() {
        sets.push(ranges.join(","));
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers() {
        assert_eq!(
            parse_status(b"STATUS \"Sent (old)\" (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 5)"),
            Some(Status {
                messages: 3,
                uidnext: 4,
                uidvalidity: 5
            })
        );
        assert_eq!(parse_status(b"3 EXISTS"), None);
    }

    #[test]
    fn compact_uid_sets() {
        assert_eq!(sequence_sets(&[1, 2, 3, 5, 7, 8]), ["1:3,5,7:8"]);
        assert!(sequence_sets(&[]).is_empty());
        let many: Vec<u32> = (0..1200).map(|n| n * 2).collect();
        assert_eq!(sequence_sets(&many).len(), 3);
    }
}
