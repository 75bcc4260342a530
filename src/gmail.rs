//! What is special about Gmail: recognising its hosts and its login refusals, the shape of an
//! App Password, and the exact pages that fix each problem.
//!
//! Facts from Google's help (support.google.com/accounts/answer/185833) and the replies its IMAP
//! server sends (shared/fixtures/gmail-imap-responses.md): an App Password is 16 letters shown
//! as four groups of four, accepted with or without the spaces; changing the account password
//! revokes every App Password.

/// Gmail's IMAP server (also Google Workspace's).
pub const IMAP_HOST: &str = "imap.gmail.com";
pub const APP_PASSWORDS_URL: &str = "https://myaccount.google.com/apppasswords";
pub const IMAP_SETTINGS_URL: &str = "https://mail.google.com/mail/u/0/#settings/fwdandpop";
pub const UNLOCK_URL: &str = "https://accounts.google.com/DisplayUnlockCaptcha";

/// Whether `host` is Google's IMAP server (Gmail and Google Workspace).
pub fn is_gmail_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "imap.gmail.com"
        || host.ends_with(".gmail.com")
        || host == "imap.googlemail.com"
        || host.ends_with(".googlemail.com")
}

/// Whether `password` has an App Password's shape: 16 letters, spaces allowed anywhere.
pub fn looks_like_app_password(password: &str) -> bool {
    let letters: Vec<char> = password.chars().filter(|c| *c != ' ').collect();
    letters.len() == 16 && letters.iter().all(char::is_ascii_alphabetic)
}

/// The warning to show before any network call when the password of a Gmail mailbox is not
/// App-Password-shaped; `None` when there is nothing to say.
pub fn app_password_warning(
    label: &str,
    host: &str,
    password: &crate::secret::Secret,
) -> Option<String> {
    (is_gmail_host(host) && !looks_like_app_password(password.expose()))
        .then(|| app_password_shape_warning(label))
}

/// The warning shown before any network call when a Gmail password is not App-Password-shaped.
pub fn app_password_shape_warning(label: &str) -> String {
    format!(
        "the password for '{label}' does not look like a Gmail App Password (16 letters, shown \
         as four groups of four); Gmail refuses account passwords over IMAP once 2-Step \
         Verification is on: create one at {APP_PASSWORDS_URL}"
    )
}

/// How Gmail refused a login, told apart by its reply text (the bracketed code is not enough:
/// every case but a wrong password comes as `[ALERT]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AppPasswordRequired,
    WebLoginRequired,
    ImapDisabled,
}

pub fn refusal(code: &str, text: &str) -> Option<Refusal> {
    let text = text.to_ascii_lowercase();
    if text.contains("application-specific password required") {
        Some(Refusal::AppPasswordRequired)
    } else if code == "WEBALERT"
        || text.contains("log in via your web browser")
        || text.contains("web login required")
    {
        Some(Refusal::WebLoginRequired)
    } else if text.contains("not enabled for imap") {
        Some(Refusal::ImapDisabled)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_password_shape() {
        assert!(looks_like_app_password("abcd efgh ijkl mnop"));
        assert!(looks_like_app_password("abcdefghijklmnop"));
        assert!(!looks_like_app_password("hunter2"));
        assert!(!looks_like_app_password("abcd efgh ijkl mno1"));
        assert!(!looks_like_app_password("abcd efgh ijkl mnopq"));
    }

    #[test]
    fn refusals_from_the_fixtures() {
        assert_eq!(
            refusal("AUTHENTICATIONFAILED", "Invalid credentials (Failure)"),
            None
        );
        assert_eq!(
            refusal("ALERT", "Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"),
            Some(Refusal::AppPasswordRequired)
        );
        assert_eq!(
            refusal("ALERT", "Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)"),
            Some(Refusal::WebLoginRequired)
        );
        assert_eq!(
            refusal("WEBALERT", "Web login required."),
            Some(Refusal::WebLoginRequired)
        );
        assert_eq!(
            refusal("ALERT", "Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)"),
            Some(Refusal::ImapDisabled)
        );
    }
}
