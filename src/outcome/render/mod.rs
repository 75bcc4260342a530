//! `test`'s output, as `harvest/export/` does it: one renderer per format, one file each, so a
//! new format is one new file and one arm in [`renderer`]. The format is resolved once, when
//! the command line is read (`commands::output_format`); JSON goes through `Report::json`.

pub mod github;
mod human;
pub mod json;
pub mod junit;
pub mod tap;

use std::io::{self, Write};

use super::Outcome;
use crate::output::{Format, Style};
use crate::secret::Secret;

/// Writes the outcomes of one `test` in one format.
pub trait Renderer {
    fn write(&self, outcomes: &[Outcome], out: &mut dyn Write, style: &Style) -> io::Result<()>;
}

/// The renderer for `format`; `masks` are secrets read from the environment, which GitHub's
/// runner is told to hide before anything else is printed.
pub fn renderer(format: Format, masks: &[Secret]) -> Box<dyn Renderer + '_> {
    match format {
        Format::Github => Box::new(github::GitHub { masks }),
        Format::Junit => Box::new(junit::JUnit {
            timestamp: crate::mailbox::tested_at(),
        }),
        Format::Tap => Box::new(tap::Tap),
        // JSON is printed from `Report::json`; a person asking for it here gets the lines.
        Format::Human | Format::Json => Box::new(human::Human),
    }
}
