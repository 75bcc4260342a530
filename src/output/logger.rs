//! `-v` diagnostics: a minimal `log` backend writing to stderr.
//!
//! Modules log what they do (host names, ports, timings, HTTP paths) and never a secret; the
//! `Secret` type's Debug keeps an accidental `{:?}` harmless.

use log::{LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        // Only our own crate's records: dependencies' trace output could echo protocol bytes.
        if self.enabled(record.metadata()) && record.target().starts_with("mailboxes") {
            eprintln!(
                "[{}] {}",
                record.level().as_str().to_lowercase(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

/// 0 = warnings only, 1 = info, 2 = debug, 3+ = trace.
pub fn init(verbosity: u8) {
    let level = match verbosity {
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    };
    if log::set_logger(&StderrLogger).is_ok() {
        log::set_max_level(level);
    }
}
