//! `mailboxes edit`: a `Patch` of only the fields asked for, applied atomically.

use serde_json::Value;

use super::list::Saved;
use super::Context;
use crate::cli::EditArgs;
use crate::error::usage;
use crate::gmail;
use crate::imap::Security;
use crate::mailbox::{self, select, validate, Mailbox, Patch, STATUS_PENDING};
use crate::store::Change;

pub fn run(context: &Context, args: EditArgs) -> anyhow::Result<Saved> {
    let store = context.store()?;
    let all = store.list()?;
    let mailbox = select(&all, &args.mailbox)?;

    let mut patch = Patch {
        label: args.label.as_deref().map(validate::label).transpose()?,
        host: args.host.as_deref().map(validate::host).transpose()?,
        port: args.port,
        tls: args.security.tls(),
        user: args.user.as_deref().map(validate::user).transpose()?,
        ..Patch::default()
    };
    // Switching TLS <-> STARTTLS on the standard port moves to the other standard port.
    if let (Some(tls), None) = (patch.tls, patch.port) {
        if tls != mailbox.tls && mailbox.port == Security::from_tls(mailbox.tls).default_port() {
            patch.port = Some(Security::from_tls(tls).default_port());
        }
    }
    // A password beside a grant would be ignored (the entry signs in with OAuth2) and kept.
    let wants_password = args.password_prompt
        || args.password.password_stdin
        || args.password.password_env.is_some();
    if mailbox.is_oauth2() && wants_password {
        return Err(usage(format!(
            "'{}' signs in with OAuth2 and has no password: sign in again with `mailboxes \
             reauth '{}'`",
            crate::untrusted::printable(&mailbox.label),
            mailbox.label.replace('\'', "'\\''")
        )));
    }
    let prompt = args.password_prompt.then_some("New password");
    patch.password = context.terminal.password(&args.password, prompt)?;
    if let Some(password) = &patch.password {
        let host = patch.host.as_deref().unwrap_or(&mailbox.host);
        if let Some(warning) = gmail::app_password_warning(&mailbox.label, host, password) {
            context.ui.warn(&warning);
        }
    }
    if patch.is_empty() {
        return Err(usage(
            "nothing to change: give at least one of --label, --host, --port, --tls/--starttls, \
             --user, --password-prompt, --password-stdin, --password-env",
        ));
    }
    if let Some(label) = &patch.label {
        mailbox::ensure_label_free(&all, label, Some(&mailbox.id))?;
    }
    // New connection details invalidate the last test result.
    let connection_changed = patch.host.is_some()
        || patch.port.is_some()
        || patch.tls.is_some()
        || patch.user.is_some()
        || patch.password.is_some();
    if connection_changed {
        patch.status = Some(STATUS_PENDING.to_string());
    }

    store.apply(&Change::Update {
        id: mailbox.id.clone(),
        patch: patch.clone(),
    })?;
    Ok(Saved {
        verb: "Updated",
        mailbox: patched(mailbox, &patch).masked(),
    })
}

/// The mailbox as the store now holds it, without reading it back.
fn patched(mailbox: &Mailbox, patch: &Patch) -> Mailbox {
    let mut json = mailbox.to_stored_json();
    if let Value::Object(object) = &mut json {
        object.extend(patch.to_stored_json());
    }
    serde_json::from_value(json).expect("a patched mailbox stays a mailbox")
}
