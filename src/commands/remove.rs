//! `mailboxes remove`: resolves every name first, asks once, removes in one atomic change.

use std::io::{self, Write};

use serde_json::Value;

use super::list::masked_json;
use super::Context;
use crate::cli::RemoveArgs;
use crate::mailbox::{select_many, Mailbox, Masked};
use crate::oauth2::{self, grant::Grant};
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
    if !args.keep_grant {
        revoke_grants(context, &chosen);
    }
    Ok(Removed(chosen.iter().map(|m| m.masked()).collect()))
}

/// Revokes the removed entries' OAuth2 grants where the provider can (Google), best effort
/// and after the removal: a provider that cannot be reached leaves a warning, not the entry.
fn revoke_grants(context: &Context, removed: &[Mailbox]) {
    for mailbox in removed {
        let Some(grant) = Grant::of(mailbox) else {
            continue;
        };
        let Some(refresh_token) = &grant.refresh_token else {
            continue;
        };
        let label = Untrusted::from(mailbox.label.as_str());
        // Under the grant's lock: a refresh running meanwhile finishes first (and the token
        // revoked is the one it stored).
        let _grant = crate::oauth2::grant::lock(
            &context.paths.state_dir,
            &mailbox.id,
            crate::oauth2::grant::LOCK_WAIT,
        );
        match oauth2::revoke(grant.provider, grant.token_url.as_deref(), refresh_token) {
            Ok(true) => context
                .ui
                .note(&format!("Revoked the OAuth2 grant of '{label}'.")),
            Ok(false) => {}
            Err(err) => context.ui.warn(&format!(
                "'{label}': the grant was not revoked ({err}); revoke it in your account's \
                 security settings, or ignore this with --keep-grant"
            )),
        }
    }
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
