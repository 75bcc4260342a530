//! OAuth2 sign-in (issue 12): `add --oauth PROVIDER` and `reauth SELECTOR`. Both run the flow
//! (`oauth2::flow`, or the device code for Microsoft) and store the grant in the entry's flat
//! camelCase fields (`oauth2::grant`); `reauth` keeps the entry's id, label and every other
//! field, and switches a password entry to OAuth2 when `--oauth` says so.

use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use serde_json::{Map, Value};

use super::list::Saved;
use super::Context;
use crate::cli::{AddArgs, OAuthArgs, ReauthArgs};
use crate::error::usage;
use crate::gmail;
use crate::mailbox::{self, select, validate, Mailbox, Patch, STATUS_OK, STATUS_PENDING};
use crate::oauth2::flow::{self, Method};
use crate::oauth2::grant::{self, Grant};
use crate::oauth2::{self, Endpoints, Provider, Settings, Tokens};
use crate::outcome;
use crate::probe::{self, Security};
use crate::secret::Secret;
use crate::store::Change;

/// How long a sign-in may take when `--timeout` does not say: a person is reading a consent
/// page.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// Microsoft's IMAP server for work, school and personal accounts.
pub const MICROSOFT_IMAP_HOST: &str = "outlook.office365.com";

/// `add --oauth PROVIDER`.
pub fn add(context: &Context, args: AddArgs) -> anyhow::Result<Saved> {
    let provider = args.oauth.oauth.expect("called for --oauth");
    if args.password.password_stdin || args.password.password_env.is_some() {
        return Err(usage(
            "--oauth signs in with a browser and stores no password: drop --password-stdin / \
             --password-env",
        ));
    }
    let terminal = &context.terminal;
    let preset_host = match provider {
        Provider::Google => Some(gmail::IMAP_HOST),
        Provider::Microsoft => Some(MICROSOFT_IMAP_HOST),
        Provider::Custom => None,
    };
    let host = validate::host(&terminal.text(
        args.host.or(preset_host.map(str::to_owned)),
        "IMAP server",
        "--host",
        None,
    )?)?;
    let tls = args.security.tls().unwrap_or(true);
    let port = args.port.unwrap_or(Security::from_tls(tls).default_port());
    // XOAUTH2 names the account: the address the grant is for.
    let user = validate::user(&terminal.text(
        args.user.or(args.email.clone()),
        "User (your email address)",
        "--user",
        None,
    )?)?;
    let label = validate::label(&terminal.text(args.label, "Label", "--label", Some(&user))?)?;
    let endpoints = endpoints(&args.oauth, provider, None)?;
    let store = context.store()?;
    mailbox::ensure_label_free(&store.list()?, &label, None)?;

    let tokens = sign_in(context, &endpoints, &args.oauth, &user, args.imap.timeout)?;
    let mut mailbox = Mailbox::new(label, host, port, tls, user, Secret::default());
    apply(&mut mailbox, &grant_patch(&endpoints, &tokens));
    if args.test {
        let options = args.imap.connect_options(&context.ui)?;
        probe::probe(&mailbox.target(), &options).context("not saved: the login test failed")?;
        mailbox.status = Some(STATUS_OK.to_string());
        mailbox.last_tested_at = Some(mailbox::tested_at());
    }
    store.apply(&Change::Add(mailbox.clone()))?;
    Ok(Saved {
        verb: "Added",
        mailbox: mailbox.masked(),
    })
}

/// `reauth SELECTOR`: a new grant for a stored mailbox, everything else kept.
pub fn reauth(context: &Context, args: ReauthArgs) -> anyhow::Result<Saved> {
    let store = context.store()?;
    let all = store.list()?;
    let found = select(&all, &args.mailbox)?.clone();
    if let Some(why) = found.unsupported() {
        return Err(usage(format!("'{}': {why}", found.label)));
    }
    let stored = Grant::of(&found);
    let provider = args
        .oauth
        .oauth
        .or(stored.as_ref().map(|g| g.provider))
        .or_else(|| provider_of_host(&found.host))
        .ok_or_else(|| {
            usage(format!(
                "'{}' is a password mailbox on {}: name who signs you in with --oauth \
                 google|microsoft|custom",
                found.label,
                crate::untrusted::printable(&found.host)
            ))
        })?;
    // The stored endpoints and client, unless the flags say otherwise (or the provider changed).
    let stored = stored.filter(|g| g.provider == provider);
    let endpoints = endpoints(&args.oauth, provider, stored.as_ref())?;
    let tokens = sign_in(
        context,
        &endpoints,
        &args.oauth,
        &found.user,
        args.imap.timeout,
    )?;

    let mut patch = grant_patch(&endpoints, &tokens);
    if !found.password.is_empty() {
        // No password is kept beside a grant.
        patch.password = Some(Secret::default());
    }
    let mut updated = found.clone();
    apply(&mut updated, &patch);
    if args.test {
        let options = args.imap.connect_options(&context.ui)?;
        let result = probe::probe(&updated.target(), &options);
        let error = result.as_ref().err().map(|err| err.message.clone());
        let tested = Patch::test_result(result.is_ok(), mailbox::tested_at(), error);
        patch.status = tested.status;
        patch.last_tested_at = tested.last_tested_at;
        patch.last_error = tested.last_error;
        if let Err(err) = &result {
            // The new grant is kept (it is good; the server refused for another reason).
            context.ui.warn(&format!(
                "signed in, but the login test failed: {} ({})",
                err.message,
                outcome::hint(
                    err.kind,
                    &err.message,
                    &found.host,
                    false,
                    Some(&found.label)
                )
            ));
        }
    } else {
        patch.status = Some(STATUS_PENDING.to_string());
        patch.last_error = Some(None);
    }
    // Under the grant's lock: a test refreshing the old grant meanwhile cannot store its
    // tokens over the new ones.
    let _grant = grant::lock(&context.paths.state_dir, &found.id, grant::LOCK_WAIT)?;
    store.apply(&Change::Update {
        id: found.id.clone(),
        patch: patch.clone(),
    })?;
    apply(&mut updated, &patch);
    Ok(Saved {
        verb: "Signed in again:",
        mailbox: updated.masked(),
    })
}

/// The provider a host belongs to, for `reauth` of a password entry.
fn provider_of_host(host: &str) -> Option<Provider> {
    if gmail::is_gmail_host(host) {
        Some(Provider::Google)
    } else if outcome::is_microsoft_host(host) {
        Some(Provider::Microsoft)
    } else {
        None
    }
}

/// The provider's endpoints and client: flags first, then what the entry stored, then presets.
pub(super) fn endpoints(
    args: &OAuthArgs,
    provider: Provider,
    stored: Option<&Grant>,
) -> anyhow::Result<Endpoints> {
    if args.device && provider == Provider::Google {
        return Err(usage(
            "Google's device sign-in does not allow Gmail's scope: drop --device (use \
             --no-browser to sign in from another machine's browser)",
        ));
    }
    let or_stored = |flag: &Option<String>, stored: Option<&Option<String>>| {
        flag.clone().or_else(|| stored.cloned().flatten())
    };
    let auth_url = or_stored(&args.oauth_auth_url, stored.map(|g| &g.auth_url));
    let token_url = or_stored(&args.oauth_token_url, stored.map(|g| &g.token_url));
    let scope = or_stored(&args.oauth_scope, stored.map(|g| &g.scope));
    let client_id = or_stored(&args.oauth_client_id, stored.map(|g| &g.client_id));
    let tenant = or_stored(&args.oauth_tenant, stored.map(|g| &g.tenant));
    if provider == Provider::Custom {
        let missing: Vec<&str> = [
            ("--oauth-auth-url URL", auth_url.is_none() && !args.device),
            ("--oauth-token-url URL", token_url.is_none()),
            ("--oauth-scope SCOPE", scope.is_none()),
        ]
        .iter()
        .filter(|(_, missing)| *missing)
        .map(|(flag, _)| *flag)
        .collect();
        if !missing.is_empty() {
            return Err(usage(format!(
                "--oauth custom needs {}",
                missing.join(" and ")
            )));
        }
    }
    Endpoints::new(&Settings {
        provider: Some(provider),
        tenant: tenant.as_deref(),
        auth_url: auth_url.as_deref(),
        token_url: token_url.as_deref(),
        client_id: client_id.as_deref(),
        client_secret_env: args.oauth_client_secret_env.as_deref(),
        scope: scope.as_deref(),
        // A secret named on the command line wins over the one the entry kept.
        client_secret: stored
            .and_then(|g| g.client_secret.as_ref())
            .filter(|_| args.oauth_client_secret_env.is_none()),
    })
}

/// Runs the flow the flags choose; progress and the address go to stderr.
pub(super) fn sign_in(
    context: &Context,
    endpoints: &Endpoints,
    args: &OAuthArgs,
    user: &str,
    timeout: Option<u64>,
) -> anyhow::Result<Tokens> {
    let timeout = timeout.map_or(SIGN_IN_TIMEOUT, Duration::from_secs);
    let say = |text: &str| context.ui.note(text);
    if args.device {
        return oauth2::device_sign_in(endpoints, timeout, &say);
    }
    let method = if args.no_browser {
        Method::Paste
    } else {
        Method::Browser
    };
    flow::sign_in(endpoints, Some(user), method, timeout, &say)
}

/// The entry's OAuth2 fields for a new grant: endpoints only where not the provider's preset.
pub(super) fn grant_patch(endpoints: &Endpoints, tokens: &Tokens) -> Patch {
    let mut plain = Map::new();
    plain.insert("authType".into(), Value::from(grant::AUTH_TYPE));
    plain.insert(
        "oauthProvider".into(),
        Value::from(match endpoints.provider {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
            Provider::Custom => "custom",
        }),
    );
    plain.insert(
        "oauthClientId".into(),
        Value::from(endpoints.client_id.clone()),
    );
    plain.insert("oauthScope".into(), Value::from(endpoints.scope.clone()));
    // A custom provider keeps its endpoints even where they are a big provider's own.
    let custom = endpoints.provider == Provider::Custom;
    if custom || !endpoints.is_preset_token_url() {
        plain.insert(
            "oauthTokenUrl".into(),
            Value::from(endpoints.token_url.clone()),
        );
    }
    if let Some(auth_url) = endpoints
        .auth_url
        .as_ref()
        .filter(|_| custom || !endpoints.is_preset_auth_url())
    {
        plain.insert("oauthAuthUrl".into(), Value::from(auth_url.clone()));
    }
    if let Some(tenant) = &endpoints.tenant {
        plain.insert("oauthTenant".into(), Value::from(tenant.clone()));
    }
    Patch {
        plain,
        oauth_client_secret: endpoints.client_secret().cloned(),
        ..grant::refreshed(tokens, Utc::now())
    }
}

/// Applies `patch` to the in-memory entry as a store would.
pub(super) fn apply(mailbox: &mut Mailbox, patch: &Patch) {
    let mut value = mailbox.to_stored_json();
    if let Some(object) = value.as_object_mut() {
        object.extend(patch.to_stored_json());
    }
    *mailbox = serde_json::from_value(value).expect("a patched entry reads back");
}
