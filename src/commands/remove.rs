//! `mailboxes remove`: resolves every name first, asks once, removes in one atomic change.

use std::io::{self, Write};

use serde_json::Value;

use super::list::masked_json;
use super::Context;
use crate::cli::RemoveArgs;
use crate::mailbox::{select_many, Masked};
use crate::output::{Report, Style};
use crate::store::Change;
use crate::untrusted::Untrusted;

/// What was removed, masked.
pub struct Removed(Vec<Masked>);

pub fn run(context: &Context, args: RemoveArgs) -> anyhow::Result<Removed> {
    let store = context.store()?;
    let all = store.list()?;
    let chosen = select_many(all, &args.mailboxes, false)?;
    let names: Vec<String> = chosen
        .iter()
        .map(|m| format!("'{}'", Untrusted::from(m.label.as_str())))
        .collect();
    let question = format!("Remove {} ({})?", plural(chosen.len()), names.join(", "));
    if !context.terminal.confirm(&question, args.yes)? {
        anyhow::bail!("nothing removed");
    }
    let ids = chosen.iter().map(|m| m.id.clone()).collect();
    store.apply(&Change::Remove { ids })?;
    Ok(Removed(chosen.iter().map(|m| m.masked()).collect()))
}

fn plural(count: usize) -> String {
    if count == 1 {
        "1 mailbox".to_string()
    } else {
        format!("{count} mailboxes")
    }
}

impl Report for Removed {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        for mailbox in &self.0 {
            writeln!(
                out,
                "Removed mailbox '{}' ({})",
                mailbox.label,
                mailbox.short_id()
            )?;
        }
        Ok(())
    }

    fn json(&self) -> Value {
        Value::Array(self.0.iter().map(masked_json).collect())
    }
}
