//! Running one job per mailbox concurrently without tripping a server's per-account
//! connection limit (issue 15).
//!
//! Servers cap the connections one account may hold: Dovecot's `mail_max_userip_connections`
//! defaults to 10 (per user and client IP), Gmail allows 15 per account. Thirty mailboxes of one
//! account tested at once would have most of them refused. So at most [`PER_ACCOUNT`] jobs of
//! one account (same host and user, any case) run at once, whatever the overall `jobs`; and a
//! job refused because of such a limit (`retry` says which) is run once more after every other
//! job has finished, one per account at a time, when the other connections are gone.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

/// Connections at once to one account: under Dovecot's default limit (10) and Gmail's (15),
/// with room for the user's own mail clients.
pub const PER_ACCOUNT: usize = 4;

/// The account a mailbox logs in to, for [`PER_ACCOUNT`]: host and user, case folded.
pub fn account(host: &str, user: &str) -> String {
    format!(
        "{}\n{}",
        host.trim_end_matches('.').to_ascii_lowercase(),
        user.to_lowercase()
    )
}

/// Runs `work` on every item, at most `jobs` at once and `per_account` at once per
/// `account(item)`; an item whose result `retry` accepts is run once more after all others,
/// with one job per account. Results come back in the items' order.
pub fn run<T, R>(
    items: &[T],
    jobs: usize,
    per_account: usize,
    account: impl Fn(&T) -> String + Sync,
    work: impl Fn(&T) -> R + Sync,
    retry: impl Fn(&R) -> bool,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let accounts: Vec<String> = items.iter().map(&account).collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (index, result) in pass(&all, &accounts, jobs, per_account, |i| work(&items[i])) {
        results[index] = Some(result);
    }
    let again: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, result)| result.as_ref().is_some_and(&retry))
        .map(|(index, _)| index)
        .collect();
    if !again.is_empty() {
        log::info!(
            "{} refused for a connection limit; trying them again, one per account",
            again.len()
        );
        for (index, result) in pass(&again, &accounts, jobs, 1, |i| work(&items[i])) {
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|result| result.expect("every item ran"))
        .collect()
}

/// Pending items and jobs running per account.
struct Board {
    pending: Vec<usize>,
    running: HashMap<String, usize>,
}

/// Runs `work` on `indices` under the bounds; `(index, result)` in completion order.
fn pass<R: Send>(
    indices: &[usize],
    accounts: &[String],
    jobs: usize,
    per_account: usize,
    work: impl Fn(usize) -> R + Sync,
) -> Vec<(usize, R)> {
    let board = Mutex::new(Board {
        pending: indices.to_vec(),
        running: HashMap::new(),
    });
    let changed = Condvar::new();
    let done = Mutex::new(Vec::with_capacity(indices.len()));
    let per_account = per_account.max(1);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, indices.len().max(1)) {
            scope.spawn(|| loop {
                let index = {
                    let mut board = board.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        if board.pending.is_empty() {
                            return;
                        }
                        let free = board.pending.iter().position(|&i| {
                            board.running.get(&accounts[i]).copied().unwrap_or(0) < per_account
                        });
                        if let Some(at) = free {
                            let index = board.pending.remove(at);
                            *board.running.entry(accounts[index].clone()).or_default() += 1;
                            break index;
                        }
                        board = changed.wait(board).unwrap_or_else(PoisonError::into_inner);
                    }
                };
                let result = work(index);
                done.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((index, result));
                let mut board = board.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(running) = board.running.get_mut(&accounts[index]) {
                    *running -= 1;
                }
                changed.notify_all();
            });
        }
    });
    done.into_inner().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn one_account_never_gets_more_than_its_share() {
        let items: Vec<(String, u32)> = (0..30)
            .map(|i| (if i % 3 == 0 { "other" } else { "same" }.to_string(), i))
            .collect();
        let running = Mutex::new(HashMap::<String, usize>::new());
        let most = AtomicUsize::new(0);
        let results = run(
            &items,
            16,
            PER_ACCOUNT,
            |(name, _)| name.clone(),
            |(name, i)| {
                let now = {
                    let mut running = running.lock().unwrap();
                    let n = running.entry(name.clone()).or_default();
                    *n += 1;
                    *n
                };
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                *running.lock().unwrap().get_mut(name).unwrap() -= 1;
                *i
            },
            |_| false,
        );
        assert_eq!(results, (0..30).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), PER_ACCOUNT);
    }

    #[test]
    fn refusals_are_tried_once_more_after_the_others() {
        let tries = Mutex::new(HashMap::<u32, u32>::new());
        let items: Vec<u32> = (0..8).collect();
        let results = run(
            &items,
            8,
            8,
            |_| "one".to_string(),
            |i| {
                let mut tries = tries.lock().unwrap();
                let n = tries.entry(*i).or_default();
                *n += 1;
                // Odd items are refused the first time, and item 7 every time.
                if (*i % 2 == 1 && *n == 1) || *i == 7 {
                    Err(*i)
                } else {
                    Ok(*i)
                }
            },
            Result::is_err,
        );
        assert_eq!(
            results,
            [Ok(0), Ok(1), Ok(2), Ok(3), Ok(4), Ok(5), Ok(6), Err(7)]
        );
        let tries = tries.into_inner().unwrap();
        assert_eq!(tries[&7], 2, "retried once, not more");
        assert_eq!(tries[&0], 1);
    }

    #[test]
    fn accounts_fold_case_and_the_root_dot() {
        assert_eq!(
            account("IMAP.Gmail.com.", "Me@Example.com"),
            account("imap.gmail.com", "me@example.com")
        );
        assert_ne!(account("a", "b"), account("a", "c"));
    }
}
