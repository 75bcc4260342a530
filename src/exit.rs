//! Failure kinds → exit codes, in one table (also shown in `--help` and the README).

use std::process::ExitCode;

use crate::discover::DiscoverError;
use crate::error::UsageError;
use crate::mailbox::SelectorError;
use crate::probe::ProbeError;
use crate::session::SessionError;
use crate::store::StoreError;

/// The documented exit codes. Scripts rely on these: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    /// A probe or an operation failed.
    Failed = 1,
    /// The command line was wrong (including a missing answer where no prompt is possible).
    Usage = 2,
    /// Not logged in, or the session cannot be used.
    NotLoggedIn = 3,
    /// No such mailbox, or a name that matches more than one.
    NoSuchMailbox = 4,
    /// The store or the network is unavailable.
    Unavailable = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a probe or an operation failed
  2  usage error (bad flag or value, or an answer needed where no prompt is possible)
  3  not logged in, or the session is unusable (run `mailboxes login`)
  4  no such mailbox, or the name matches more than one
  5  store or network unavailable";

/// The exit code for an error: the first cause in the chain that has a documented kind.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return Exit::Usage;
        }
        if cause.is::<SelectorError>() {
            return Exit::NoSuchMailbox;
        }
        if let Some(discover) = cause.downcast_ref::<DiscoverError>() {
            return match discover {
                DiscoverError::Input(_) => Exit::Usage,
                DiscoverError::NotFound(_) => Exit::Failed,
                DiscoverError::Dns(_) => Exit::Unavailable,
            };
        }
        if cause.is::<ProbeError>() {
            return Exit::Failed;
        }
        if let Some(session) = cause.downcast_ref::<SessionError>() {
            return match session {
                SessionError::NotLoggedIn(_) | SessionError::InvalidCredentials(_) => {
                    Exit::NotLoggedIn
                }
                SessionError::Unavailable(_) => Exit::Unavailable,
                SessionError::Usage(_) => Exit::Usage,
                SessionError::Storage(_) => Exit::Failed,
            };
        }
        if let Some(store) = cause.downcast_ref::<StoreError>() {
            return match store {
                StoreError::NotFound(_) => Exit::NoSuchMailbox,
                StoreError::NotLoggedIn(_) => Exit::NotLoggedIn,
                StoreError::Unavailable(_) => Exit::Unavailable,
                StoreError::Malformed(_) | StoreError::PermissionDenied(_) => Exit::Failed,
            };
        }
    }
    Exit::Failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        let code = |err: anyhow::Error| exit_for(&err) as u8;
        assert_eq!(code(crate::error::usage("x")), 2);
        assert_eq!(code(SelectorError::NoMatch("x".into()).into()), 4);
        assert_eq!(code(StoreError::NotLoggedIn("x".into()).into()), 3);
        assert_eq!(code(StoreError::Unavailable("x".into()).into()), 5);
        assert_eq!(code(StoreError::NotFound("x".into()).into()), 4);
        assert_eq!(code(anyhow::anyhow!("other")), 1);
        let wrapped = anyhow::Error::from(StoreError::Unavailable("x".into())).context("saving");
        assert_eq!(code(wrapped), 5);
    }
}
