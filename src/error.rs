//! Errors every layer may raise: a usage error (exit 2), and a closed stdout, which is none.
//! Which exit code each failure gets is `crate::exit`'s table.

/// A command line that cannot be acted on; the message says what to do instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// A closed stdout (`mailboxes list | head -1`) is not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
