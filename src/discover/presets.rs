//! The bundled provider table: IMAP settings of the big mailbox providers, found by the email's
//! domain (step 1 of discovery, no network) or by the domain's MX hosts (step 3, for custom
//! domains hosted by a provider, e.g. Google Workspace).
//!
//! Sources: each provider's own help pages and Thunderbird's ISPDB
//! (https://github.com/thunderbird/autoconfig). A provider's vanity domains are not all listed:
//! those not here are still found through their MX hosts.

/// What the provider expects as the IMAP login name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// The whole email address (most providers).
    Address,
    /// The part before the '@' (iCloud: https://support.apple.com/102525).
    LocalPart,
}

#[derive(Debug)]
pub struct Provider {
    pub name: &'static str,
    /// Email domains, exact; an entry starting with '.' matches any subdomain of it.
    pub domains: &'static [&'static str],
    /// MX host names, matched as whole-label suffixes ("google.com" matches
    /// "aspmx.l.google.com", not "notgoogle.com"); the longest match wins.
    pub mx: &'static [&'static str],
    pub host: &'static str,
    pub port: u16,
    /// Implicit TLS (true) or STARTTLS (false).
    pub tls: bool,
    pub login: Login,
    /// What people need to know to log in, e.g. that an App Password is required.
    pub notes: Option<&'static str>,
}

const GMAIL_NOTES: &str = "Gmail needs an App Password (turn on 2-Step Verification first): \
https://myaccount.google.com/apppasswords";
const WORKSPACE_NOTES: &str = "Google Workspace needs an App Password (turn on 2-Step \
Verification first): https://myaccount.google.com/apppasswords; your admin may have turned \
IMAP or App Passwords off";
const MICROSOFT_NOTES: &str = "Microsoft has turned off password logins for IMAP in most \
accounts (OAuth 2.0 only): expect the login to be refused unless your account still allows it";
const YAHOO_NOTES: &str = "Yahoo needs an app password: Account security → Generate app \
password (https://login.yahoo.com/account/security)";
const AOL_NOTES: &str = "AOL needs an app password: Account security → Generate app password \
(https://login.aol.com/account/security)";
const ICLOUD_NOTES: &str = "iCloud needs an app-specific password \
(https://account.apple.com → Sign-In and Security); the login is the name before the @ — if \
that is refused, try the whole address";
const ICLOUD_DOMAIN_NOTES: &str = "iCloud+ custom domain: log in with your iCloud address \
(…@icloud.com or the name before its @), not this one, and an app-specific password \
(https://account.apple.com → Sign-In and Security)";
const FASTMAIL_NOTES: &str = "Fastmail needs an app password: Settings → Privacy & Security → \
Manage app passwords";
const ZOHO_NOTES: &str = "Turn on IMAP access in Zoho Mail's settings; with two-factor \
authentication, use an application-specific password";
const UNITED_INTERNET_NOTES: &str = "Allow POP3 & IMAP access once in the web mail's settings \
(E-Mail → POP3/IMAP)";
const YANDEX_NOTES: &str = "Yandex needs an app password (Yandex ID → Security → App \
passwords) and IMAP allowed in the mail settings";
const MAILRU_NOTES: &str = "Mail.ru needs a password for external apps (Settings → Security)";
const AUTH_CODE_NOTES: &str = "Turn on IMAP in the web mail's settings and log in with the \
authorization code it gives you, not the account password";
const TONLINE_NOTES: &str = "Use your e-mail password (E-Mail-Passwort), not the Telekom login \
password";

const fn tls(
    name: &'static str,
    domains: &'static [&'static str],
    mx: &'static [&'static str],
    host: &'static str,
    notes: Option<&'static str>,
) -> Provider {
    Provider {
        name,
        domains,
        mx,
        host,
        port: 993,
        tls: true,
        login: Login::Address,
        notes,
    }
}

/// The table. Order does not matter: a domain is listed once, and MX matching takes the
/// longest suffix.
pub static PROVIDERS: &[Provider] = &[
    tls(
        "Gmail",
        &["gmail.com", "googlemail.com"],
        &[],
        "imap.gmail.com",
        Some(GMAIL_NOTES),
    ),
    tls(
        "Google Workspace",
        &[],
        &["google.com", "googlemail.com"],
        "imap.gmail.com",
        Some(WORKSPACE_NOTES),
    ),
    tls(
        "Outlook.com",
        &[
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "windowslive.com",
            "passport.com",
            "outlook.at",
            "outlook.be",
            "outlook.cl",
            "outlook.cz",
            "outlook.de",
            "outlook.dk",
            "outlook.es",
            "outlook.fr",
            "outlook.hu",
            "outlook.ie",
            "outlook.in",
            "outlook.it",
            "outlook.jp",
            "outlook.kr",
            "outlook.lv",
            "outlook.my",
            "outlook.ph",
            "outlook.pt",
            "outlook.sa",
            "outlook.sg",
            "outlook.sk",
            "outlook.co.id",
            "outlook.co.il",
            "outlook.co.th",
            "outlook.com.ar",
            "outlook.com.au",
            "outlook.com.br",
            "outlook.com.gr",
            "outlook.com.tr",
            "outlook.com.vn",
            "hotmail.be",
            "hotmail.ca",
            "hotmail.cl",
            "hotmail.cz",
            "hotmail.de",
            "hotmail.dk",
            "hotmail.es",
            "hotmail.fi",
            "hotmail.fr",
            "hotmail.gr",
            "hotmail.hu",
            "hotmail.it",
            "hotmail.lt",
            "hotmail.lv",
            "hotmail.my",
            "hotmail.nl",
            "hotmail.no",
            "hotmail.ph",
            "hotmail.rs",
            "hotmail.se",
            "hotmail.sg",
            "hotmail.sk",
            "hotmail.co.id",
            "hotmail.co.il",
            "hotmail.co.in",
            "hotmail.co.jp",
            "hotmail.co.kr",
            "hotmail.co.th",
            "hotmail.co.uk",
            "hotmail.co.za",
            "hotmail.com.ar",
            "hotmail.com.au",
            "hotmail.com.br",
            "hotmail.com.hk",
            "hotmail.com.tr",
            "hotmail.com.tw",
            "hotmail.com.vn",
            "live.at",
            "live.be",
            "live.ca",
            "live.cl",
            "live.cn",
            "live.de",
            "live.dk",
            "live.fi",
            "live.fr",
            "live.hk",
            "live.ie",
            "live.in",
            "live.it",
            "live.jp",
            "live.nl",
            "live.no",
            "live.ru",
            "live.se",
            "live.co.jp",
            "live.co.kr",
            "live.co.uk",
            "live.co.za",
            "live.com.ar",
            "live.com.au",
            "live.com.mx",
            "live.com.my",
            "live.com.ph",
            "live.com.pt",
            "live.com.sg",
            "livemail.tw",
        ],
        // Consumer vanity domains (e.g. eur.olc.protection.outlook.com).
        &["olc.protection.outlook.com"],
        "outlook.office365.com",
        Some(MICROSOFT_NOTES),
    ),
    tls(
        "Microsoft 365",
        &[".onmicrosoft.com"],
        // Business tenants: example-com.mail.protection.outlook.com.
        &["protection.outlook.com", "outlook.com"],
        "outlook.office365.com",
        Some(MICROSOFT_NOTES),
    ),
    tls(
        "Yahoo",
        &[
            "yahoo.com",
            "yahoo.de",
            "yahoo.it",
            "yahoo.fr",
            "yahoo.es",
            "yahoo.se",
            "yahoo.co.in",
            "yahoo.co.uk",
            "yahoo.co.nz",
            "yahoo.com.au",
            "yahoo.com.ar",
            "yahoo.com.br",
            "yahoo.com.mx",
            "yahoo.ca",
            "yahoo.in",
            "ymail.com",
            "myyahoo.com",
            "rocketmail.com",
        ],
        &["yahoodns.net"],
        "imap.mail.yahoo.com",
        Some(YAHOO_NOTES),
    ),
    tls(
        "Yahoo Small Business",
        &[],
        &["mx-biz.mail.am0.yahoodns.net"],
        "imap.bizmail.yahoo.com",
        Some(YAHOO_NOTES),
    ),
    tls(
        "AOL",
        &[
            "aol.com",
            "aim.com",
            "netscape.net",
            "compuserve.com",
            "cs.com",
            "aol.de",
            "aol.it",
            "aol.fr",
            "aol.es",
            "aol.se",
            "aol.co.uk",
            "aol.co.nz",
            "aol.com.au",
            "aol.com.ar",
            "aol.com.br",
            "aol.com.mx",
        ],
        // AOL's MX share Yahoo's yahoodns.net, under gm0.
        &["gm0.yahoodns.net"],
        "imap.aol.com",
        Some(AOL_NOTES),
    ),
    Provider {
        name: "iCloud",
        domains: &["icloud.com", "me.com", "mac.com"],
        mx: &[],
        host: "imap.mail.me.com",
        port: 993,
        tls: true,
        login: Login::LocalPart,
        notes: Some(ICLOUD_NOTES),
    },
    tls(
        "iCloud (custom domain)",
        &[],
        &["mail.icloud.com"],
        "imap.mail.me.com",
        Some(ICLOUD_DOMAIN_NOTES),
    ),
    tls(
        "Fastmail",
        &["fastmail.com", "fastmail.fm", "messagingengine.com"],
        &["messagingengine.com"],
        "imap.fastmail.com",
        Some(FASTMAIL_NOTES),
    ),
    tls(
        "Zoho Mail",
        &["zoho.com", "zohomail.com"],
        &[],
        "imap.zoho.com",
        Some(ZOHO_NOTES),
    ),
    tls(
        "Zoho Mail (EU)",
        &["zoho.eu", "zohomail.eu"],
        &[],
        "imap.zoho.eu",
        Some(ZOHO_NOTES),
    ),
    tls(
        "Zoho Mail (India)",
        &["zoho.in", "zohomail.in"],
        &[],
        "imap.zoho.in",
        Some(ZOHO_NOTES),
    ),
    // Organisation (custom domain) accounts use the "pro" servers.
    tls(
        "Zoho Mail (organisation)",
        &[],
        &["zoho.com"],
        "imappro.zoho.com",
        Some(ZOHO_NOTES),
    ),
    tls(
        "Zoho Mail (organisation, EU)",
        &[],
        &["zoho.eu"],
        "imappro.zoho.eu",
        Some(ZOHO_NOTES),
    ),
    tls(
        "Zoho Mail (organisation, India)",
        &[],
        &["zoho.in"],
        "imappro.zoho.in",
        Some(ZOHO_NOTES),
    ),
    tls(
        "Zoho Mail (organisation, Australia)",
        &[],
        &["zoho.com.au"],
        "imappro.zoho.com.au",
        Some(ZOHO_NOTES),
    ),
    tls(
        "GMX",
        &[
            "gmx.com",
            "gmx.us",
            "gmx.co.uk",
            "gmx.es",
            "gmx.fr",
            "gmx.ca",
            "gmx.it",
            "gmx.pt",
            "gmx.se",
            "gmx.ie",
            "gmx.tm",
        ],
        &[],
        "imap.gmx.com",
        Some(UNITED_INTERNET_NOTES),
    ),
    tls(
        "GMX (Germany)",
        &[
            "gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.eu", "gmx.biz", "gmx.org", "gmx.info",
        ],
        &[],
        "imap.gmx.net",
        Some(UNITED_INTERNET_NOTES),
    ),
    tls(
        "WEB.DE",
        &["web.de"],
        &[],
        "imap.web.de",
        Some(UNITED_INTERNET_NOTES),
    ),
    tls(
        "mail.com",
        &[
            "mail.com",
            "email.com",
            "post.com",
            "usa.com",
            "consultant.com",
            "engineer.com",
            "dr.com",
            "myself.com",
            "europe.com",
            "techie.com",
            "writeme.com",
            "iname.com",
            "linuxmail.org",
        ],
        &[],
        "imap.mail.com",
        None,
    ),
    tls(
        "Yandex",
        &[
            "yandex.com",
            "yandex.ru",
            "ya.ru",
            "yandex.by",
            "yandex.kz",
            "yandex.ua",
            "narod.ru",
        ],
        &["yandex.net", "yandex.ru"],
        "imap.yandex.com",
        Some(YANDEX_NOTES),
    ),
    tls(
        "Mail.ru",
        &["mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"],
        &[],
        "imap.mail.ru",
        Some(MAILRU_NOTES),
    ),
    tls(
        "QQ Mail",
        &["qq.com", "foxmail.com"],
        &[],
        "imap.qq.com",
        Some(AUTH_CODE_NOTES),
    ),
    tls(
        "NetEase 163",
        &["163.com"],
        &[],
        "imap.163.com",
        Some(AUTH_CODE_NOTES),
    ),
    tls(
        "NetEase 126",
        &["126.com"],
        &[],
        "imap.126.com",
        Some(AUTH_CODE_NOTES),
    ),
    tls(
        "Telekom (t-online.de)",
        &["t-online.de", "magenta.de"],
        &[],
        "secureimap.t-online.de",
        Some(TONLINE_NOTES),
    ),
    tls(
        "Orange",
        &["orange.fr", "wanadoo.fr"],
        &[],
        "imap.orange.fr",
        None,
    ),
    tls(
        "Comcast (Xfinity)",
        &["comcast.net"],
        &[],
        "imap.comcast.net",
        None,
    ),
    tls(
        "Posteo",
        &["posteo.de", "posteo.net"],
        &[],
        "posteo.de",
        None,
    ),
    tls(
        "mailbox.org",
        &["mailbox.org"],
        &[],
        "imap.mailbox.org",
        None,
    ),
    tls(
        "GoDaddy Workspace Email",
        &[],
        &["secureserver.net"],
        "imap.secureserver.net",
        None,
    ),
];

/// The provider serving addresses at `domain` (lowercase, no final dot), if bundled.
pub fn by_domain(domain: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|provider| {
        provider
            .domains
            .iter()
            .any(|&entry| match entry.strip_prefix('.') {
                Some(parent) => domain
                    .strip_suffix(parent)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => domain == entry,
            })
    })
}

/// The provider running the mail exchanger `host` (lowercase, no final dot), if known.
pub fn by_mx(host: &str) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .flat_map(|provider| provider.mx.iter().map(move |&suffix| (provider, suffix)))
        .filter(|(_, suffix)| is_within(host, suffix))
        .max_by_key(|(_, suffix)| suffix.len())
        .map(|(provider, _)| provider)
}

/// Whether `host` is `domain` or a name under it (whole labels).
pub fn is_within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_providers_are_found_by_domain() {
        for (domain, host, name) in [
            ("gmail.com", "imap.gmail.com", "Gmail"),
            ("googlemail.com", "imap.gmail.com", "Gmail"),
            ("outlook.com", "outlook.office365.com", "Outlook.com"),
            ("hotmail.co.uk", "outlook.office365.com", "Outlook.com"),
            ("live.com", "outlook.office365.com", "Outlook.com"),
            ("msn.com", "outlook.office365.com", "Outlook.com"),
            (
                "contoso.onmicrosoft.com",
                "outlook.office365.com",
                "Microsoft 365",
            ),
            ("yahoo.com", "imap.mail.yahoo.com", "Yahoo"),
            ("yahoo.co.uk", "imap.mail.yahoo.com", "Yahoo"),
            ("ymail.com", "imap.mail.yahoo.com", "Yahoo"),
            ("aol.com", "imap.aol.com", "AOL"),
            ("icloud.com", "imap.mail.me.com", "iCloud"),
            ("me.com", "imap.mail.me.com", "iCloud"),
            ("mac.com", "imap.mail.me.com", "iCloud"),
            ("fastmail.com", "imap.fastmail.com", "Fastmail"),
            ("fastmail.fm", "imap.fastmail.com", "Fastmail"),
            ("zoho.com", "imap.zoho.com", "Zoho Mail"),
            ("zohomail.com", "imap.zoho.com", "Zoho Mail"),
            ("gmx.com", "imap.gmx.com", "GMX"),
            ("gmx.net", "imap.gmx.net", "GMX (Germany)"),
            ("gmx.de", "imap.gmx.net", "GMX (Germany)"),
            ("mail.com", "imap.mail.com", "mail.com"),
            ("yandex.ru", "imap.yandex.com", "Yandex"),
        ] {
            let provider = by_domain(domain).unwrap_or_else(|| panic!("{domain} has no preset"));
            assert_eq!((provider.host, provider.name), (host, name), "{domain}");
            assert_eq!((provider.port, provider.tls), (993, true), "{domain}");
        }
    }

    #[test]
    fn other_domains_have_no_preset() {
        for domain in [
            "example.com",
            "notgmail.com",
            "gmail.com.evil.example",
            "onmicrosoft.com",
            "mail.gmail.com",
            "yahoo.co.jp", // Yahoo Japan is a different service
        ] {
            assert!(by_domain(domain).is_none(), "{domain}");
        }
    }

    #[test]
    fn gmail_says_where_to_get_an_app_password() {
        let notes = by_domain("gmail.com").unwrap().notes.unwrap();
        assert!(notes.contains("https://myaccount.google.com/apppasswords"));
    }

    #[test]
    fn icloud_logs_in_with_the_name_before_the_at() {
        assert_eq!(by_domain("icloud.com").unwrap().login, Login::LocalPart);
        assert_eq!(by_domain("gmail.com").unwrap().login, Login::Address);
    }

    #[test]
    fn mail_exchangers_name_their_provider() {
        for (mx, name, host) in [
            ("aspmx.l.google.com", "Google Workspace", "imap.gmail.com"),
            (
                "alt1.aspmx.l.google.com",
                "Google Workspace",
                "imap.gmail.com",
            ),
            ("smtp.google.com", "Google Workspace", "imap.gmail.com"),
            (
                "aspmx2.googlemail.com",
                "Google Workspace",
                "imap.gmail.com",
            ),
            (
                "example-com.mail.protection.outlook.com",
                "Microsoft 365",
                "outlook.office365.com",
            ),
            (
                "eur.olc.protection.outlook.com",
                "Outlook.com",
                "outlook.office365.com",
            ),
            ("mta5.am0.yahoodns.net", "Yahoo", "imap.mail.yahoo.com"),
            ("mx-aol.mail.gm0.yahoodns.net", "AOL", "imap.aol.com"),
            (
                "mx-biz.mail.am0.yahoodns.net",
                "Yahoo Small Business",
                "imap.bizmail.yahoo.com",
            ),
            (
                "mx01.mail.icloud.com",
                "iCloud (custom domain)",
                "imap.mail.me.com",
            ),
            (
                "in1-smtp.messagingengine.com",
                "Fastmail",
                "imap.fastmail.com",
            ),
            (
                "mx.zoho.com",
                "Zoho Mail (organisation)",
                "imappro.zoho.com",
            ),
            (
                "mx.zoho.eu",
                "Zoho Mail (organisation, EU)",
                "imappro.zoho.eu",
            ),
            (
                "mx.zoho.com.au",
                "Zoho Mail (organisation, Australia)",
                "imappro.zoho.com.au",
            ),
            ("mx.yandex.net", "Yandex", "imap.yandex.com"),
            (
                "mailstore1.secureserver.net",
                "GoDaddy Workspace Email",
                "imap.secureserver.net",
            ),
        ] {
            let provider = by_mx(mx).unwrap_or_else(|| panic!("{mx} is not recognised"));
            assert_eq!((provider.name, provider.host), (name, host), "{mx}");
        }
    }

    #[test]
    fn lookalike_mail_exchangers_are_not_recognised() {
        for mx in [
            "mx.notgoogle.com",
            "google.com.evil.example",
            "mail.example.com",
            "xmessagingengine.com",
        ] {
            assert!(by_mx(mx).is_none(), "{mx}");
        }
    }

    #[test]
    fn the_table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for provider in PROVIDERS {
            for domain in provider.domains {
                assert_eq!(*domain, domain.to_ascii_lowercase(), "{domain}");
                assert!(seen.insert(*domain), "{domain} is listed twice");
            }
            for mx in provider.mx {
                assert_eq!(*mx, mx.to_ascii_lowercase(), "{mx}");
            }
            assert!(!provider.host.is_empty() && provider.port != 0);
            assert!(
                !provider.domains.is_empty() || !provider.mx.is_empty(),
                "{} can never be found",
                provider.name
            );
        }
        // Any two MX suffixes that are equal would make the winner depend on table order.
        let mut suffixes = std::collections::HashSet::new();
        for provider in PROVIDERS {
            for mx in provider.mx {
                assert!(suffixes.insert(*mx), "MX suffix {mx} is listed twice");
            }
        }
    }
}
