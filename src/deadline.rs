//! One deadline for the whole program: the instant by which something (a login, a discovery)
//! must be over, whatever the other side does. Every network wait takes what is left of it.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    end: Instant,
    total: Duration,
}

impl Deadline {
    pub fn starting_now(total: Duration) -> Deadline {
        let now = Instant::now();
        // A timeout too large for `Instant` (e.g. `Duration::MAX`) means "a very long time".
        let end = now
            .checked_add(total)
            .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
            .unwrap_or(now);
        Deadline { end, total }
    }

    /// The time left, or `None` once the deadline has passed (never `Some(ZERO)`, which the
    /// socket timeout setters reject).
    pub fn remaining(&self) -> Option<Duration> {
        let left = self.end.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// The whole timeout, as the user set it (for messages).
    pub fn total(&self) -> Duration {
        self.total
    }

    /// A deadline for one of `parts` equal shares of the time left (the last part: all of
    /// it); `None` once this one has passed.
    pub fn share(&self, parts: usize) -> Option<Deadline> {
        let left = self.remaining()?;
        if parts <= 1 {
            return Some(*self);
        }
        let part = left / u32::try_from(parts).unwrap_or(u32::MAX);
        Some(Deadline::starting_now(part.max(Duration::from_millis(1))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_split_what_is_left() {
        let deadline = Deadline::starting_now(Duration::from_secs(9));
        let third = deadline.share(3).unwrap().remaining().unwrap();
        assert!(third <= Duration::from_secs(3) && third > Duration::from_millis(2900));
        assert_eq!(deadline.share(1).unwrap().total(), Duration::from_secs(9));
        assert!(Deadline::starting_now(Duration::MAX).remaining().is_some());
    }
}
