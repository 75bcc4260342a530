//! Autodiscovery: from an email address to the IMAP host, port, security and login to use.
//!
//! Three sources, in this order, the first that answers wins:
//! 1. `preset`: the bundled provider table ([`presets`]), by the address's domain. No network.
//! 2. `srv`: RFC 6186 SRV records, `_imaps._tcp.DOMAIN` (implicit TLS) preferred over
//!    `_imap._tcp.DOMAIN` (STARTTLS); a target of "." says the service is not offered.
//! 3. `mx`: the domain's mail exchangers, when they belong to a provider we know (MX at
//!    google.com → Google Workspace, i.e. Gmail's settings).
//!
//! Promises: the whole discovery ends within `DiscoverOptions::timeout` whatever the DNS server
//! does (the three lookups run at once, each bounded by one deadline); nothing is printed; DNS
//! goes only to the servers named by `MAILBOXES_DNS_SERVER`, or else the system's: every
//! `nameserver` of /etc/resolv.conf in turn (Windows: the network adapters' DNS servers), the
//! next one asked when one fails, as the system's resolver does. Answers from DNS are not authenticated (no DNSSEC), so the result is a
//! suggestion to confirm: the TLS certificate of the host is still verified when it is used.

mod dns;
mod presets;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::thread;
use std::time::Duration;

use serde::Serialize;

use crate::deadline::Deadline;
use dns::{Data, DnsError, Mx, Srv};
use presets::{Login, Provider};

/// Points discovery's DNS queries at these servers (`ip:port`, or `ip` for port 53, several
/// separated by commas) instead of the system's: for tests and unusual setups.
pub const DNS_SERVER_ENV: &str = "MAILBOXES_DNS_SERVER";

#[cfg(not(windows))]
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Which source gave the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The bundled provider table, by the email's domain.
    Preset,
    /// The domain's RFC 6186 SRV records.
    Srv,
    /// A known provider behind the domain's MX records.
    Mx,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Preset => "preset",
            Source::Srv => "srv",
            Source::Mx => "mx",
        })
    }
}

/// The settings found for an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    pub host: String,
    pub port: u16,
    /// `true`: implicit TLS; `false`: STARTTLS (as the stored `tls` field).
    pub tls: bool,
    pub source: Source,
    /// The provider's name when known, e.g. "Gmail".
    pub provider: Option<String>,
    /// What the user needs to know to log in (App Passwords, IMAP to turn on, ...).
    pub notes: Option<String>,
    /// The login name to use (usually the address itself).
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Overall bound for the whole discovery.
    pub timeout: Duration,
    /// The DNS servers to ask, in turn; empty: the system's.
    pub nameservers: Vec<SocketAddr>,
}

impl DiscoverOptions {
    /// The options for `timeout`, with the DNS server from [`DNS_SERVER_ENV`] when set.
    pub fn from_env(timeout: Duration) -> Result<DiscoverOptions, DiscoverError> {
        DiscoverOptions::with_dns_server(timeout, std::env::var(DNS_SERVER_ENV).ok().as_deref())
    }

    /// The options for `timeout`, with `setting` (the value of [`DNS_SERVER_ENV`]) as the DNS
    /// server when it is set and not empty.
    fn with_dns_server(
        timeout: Duration,
        setting: Option<&str>,
    ) -> Result<DiscoverOptions, DiscoverError> {
        let mut nameservers = Vec::new();
        for value in setting.unwrap_or_default().split(',').map(str::trim) {
            if value.is_empty() {
                continue;
            }
            nameservers.push(parse_server(value).ok_or_else(|| {
                DiscoverError::Input(format!(
                    "{DNS_SERVER_ENV}={value}: not an IP address with an optional port, e.g. \
                     127.0.0.1:5353"
                ))
            })?);
        }
        Ok(DiscoverOptions {
            timeout,
            nameservers,
        })
    }
}

/// Why no settings were found. Every message is one line and says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    /// The address (or the DNS server setting) cannot be used: a usage error.
    #[error("{0}")]
    Input(String),
    /// DNS answered, and nothing in it says where IMAP is.
    #[error("{0}")]
    NotFound(String),
    /// DNS could not be asked or did not answer in time.
    #[error("{0}")]
    Dns(String),
}

const WHAT_TO_DO: &str = "pass --host and --port (with --tls or --starttls)";

/// Finds the IMAP settings for `email`: presets, then SRV, then MX (see the module docs).
pub fn discover(email: &str, options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let address = Address::parse(email)?;
    if let Some(provider) = presets::by_domain(&address.domain) {
        log::info!(
            "discover: {} is a {} address",
            address.domain,
            provider.name
        );
        return Ok(from_provider(provider, &address, Source::Preset));
    }
    let deadline = Deadline::starting_now(options.timeout);
    let servers = match options.nameservers.as_slice() {
        [] => system_nameservers()?,
        given => given.to_vec(),
    };
    log::info!("discover: asking {servers:?} about {}", address.domain);
    let lookups = lookup_all(&servers, &address.domain, deadline);
    decide(&address, lookups)
}

/// An email address split at its last '@'; the domain lowercase, without a final dot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    email: String,
    local: String,
    domain: String,
}

impl Address {
    fn parse(email: &str) -> Result<Address, DiscoverError> {
        let email = email.trim();
        let bad = |why: &str| {
            DiscoverError::Input(format!(
                "{email:?} is not an email address ({why}); give one like me@example.com"
            ))
        };
        let (local, domain) = email.rsplit_once('@').ok_or_else(|| bad("no @"))?;
        if local.is_empty() {
            return Err(bad("nothing before the @"));
        }
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        if domain.is_empty() {
            return Err(bad("nothing after the @"));
        }
        if !domain.is_ascii() {
            return Err(DiscoverError::Input(format!(
                "{domain}: internationalized domain names are not supported; give its ASCII \
                 (xn--) form, or {WHAT_TO_DO}"
            )));
        }
        let domain = domain.to_ascii_lowercase();
        let valid_label = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        // Room for "_imaps._tcp." in front, within DNS's 253 characters.
        if domain.len() > 240 || !domain.contains('.') || !domain.split('.').all(valid_label) {
            return Err(bad("the part after the @ is not a domain name"));
        }
        Ok(Address {
            email: email.to_string(),
            local: local.to_string(),
            domain,
        })
    }
}

fn from_provider(provider: &Provider, address: &Address, source: Source) -> Discovery {
    Discovery {
        host: provider.host.to_string(),
        port: provider.port,
        tls: provider.tls,
        source,
        provider: Some(provider.name.to_string()),
        notes: provider.notes.map(str::to_string),
        user: match provider.login {
            Login::Address => address.email.clone(),
            Login::LocalPart => address.local.clone(),
        },
    }
}

/// The answers to the three questions, each possibly failed.
struct Lookups {
    imaps: Result<Vec<Srv>, DnsError>,
    imap: Result<Vec<Srv>, DnsError>,
    mx: Result<Vec<Mx>, DnsError>,
}

/// Asks the three questions at once, so a slow server costs the timeout once, not thrice.
fn lookup_all(servers: &[SocketAddr], domain: &str, deadline: Deadline) -> Lookups {
    let srv = |service: &str| {
        let name = format!("_{service}._tcp.{domain}");
        dns::lookup_any(servers, &name, dns::TYPE_SRV, deadline).map(|records| {
            records
                .into_iter()
                .filter_map(|data| match data {
                    Data::Srv(srv) => Some(srv),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };
    let mx = || {
        dns::lookup_any(servers, domain, dns::TYPE_MX, deadline).map(|records| {
            records
                .into_iter()
                .filter_map(|data| match data {
                    Data::Mx(mx) => Some(mx),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };
    thread::scope(|scope| {
        let imaps = scope.spawn(|| srv("imaps"));
        let imap = scope.spawn(|| srv("imap"));
        let mx = mx();
        let join = |handle: thread::ScopedJoinHandle<'_, Result<Vec<Srv>, DnsError>>| {
            handle.join().unwrap_or_else(|_| {
                Err(DnsError::Io {
                    server: servers[0],
                    why: "the lookup thread failed".into(),
                })
            })
        };
        Lookups {
            imaps: join(imaps),
            imap: join(imap),
            mx,
        }
    })
}

/// Turns the answers into settings, or into the error that best explains their absence.
fn decide(address: &Address, lookups: Lookups) -> Result<Discovery, DiscoverError> {
    let domain = &address.domain;
    let mut failures: Vec<DnsError> = Vec::new();
    let mut declined: Vec<&str> = Vec::new();
    for (service, tls, answer) in [
        ("_imaps._tcp", true, &lookups.imaps),
        ("_imap._tcp", false, &lookups.imap),
    ] {
        match answer {
            Ok(records) => match pick_srv(records) {
                SrvChoice::Use(srv) => {
                    return Ok(with_failures(from_srv(address, srv, tls), &failures))
                }
                SrvChoice::NotOffered => declined.push(service),
                SrvChoice::None => {}
            },
            Err(err) => failures.push(err.clone()),
        }
    }
    let mut exchangers = Vec::new();
    match &lookups.mx {
        Ok(records) => {
            let mut records: Vec<&Mx> = records
                .iter()
                .filter(|mx| mx.exchange != "." && is_host_name(&mx.exchange))
                .collect();
            records.sort_by_key(|mx| mx.preference);
            for mx in &records {
                if let Some(provider) = presets::by_mx(&mx.exchange) {
                    log::info!("discover: MX {} is {}", mx.exchange, provider.name);
                    let found = from_provider(provider, address, Source::Mx);
                    return Ok(with_failures(found, &failures));
                }
            }
            exchangers = records.iter().map(|mx| mx.exchange.clone()).collect();
        }
        Err(err) => failures.push(err.clone()),
    }
    if let Some(failure) = failures.first() {
        return Err(DiscoverError::Dns(format!(
            "could not look up {domain}: {failure}; {WHAT_TO_DO}"
        )));
    }
    let srv = if declined.is_empty() {
        "no IMAP SRV records".to_string()
    } else {
        format!(
            "SRV records say IMAP is not offered ({})",
            declined.join(", ")
        )
    };
    let mx = match exchangers.as_slice() {
        [] => "no MX records".to_string(),
        hosts => format!(
            "its mail servers ({}) are not a provider we know",
            hosts.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ),
    };
    Err(DiscoverError::NotFound(format!(
        "no IMAP settings found for {domain}: no preset, {srv}, {mx}; {WHAT_TO_DO}"
    )))
}

/// Settings found although an earlier, preferred lookup failed: say so, since that lookup
/// might have given other settings.
fn with_failures(mut found: Discovery, failures: &[DnsError]) -> Discovery {
    if let Some(failure) = failures.first() {
        let note =
            format!("an earlier lookup failed ({failure}), so this may not be the best match");
        found.notes = Some(match found.notes {
            Some(notes) => format!("{notes}; {note}"),
            None => note,
        });
    }
    found
}

enum SrvChoice<'a> {
    Use(&'a Srv),
    /// Only "." targets: the domain says it does not offer the service (RFC 2782).
    NotOffered,
    None,
}

/// RFC 2782's order, made deterministic (discovery shows one answer and should show the same
/// one twice): the lowest priority, then the highest weight, then the first listed.
fn pick_srv(records: &[Srv]) -> SrvChoice<'_> {
    let best = records
        .iter()
        .filter(|srv| srv.target != "." && srv.port != 0 && is_host_name(&srv.target))
        .min_by_key(|srv| (srv.priority, std::cmp::Reverse(srv.weight)));
    match best {
        Some(srv) => SrvChoice::Use(srv),
        None if records.iter().any(|srv| srv.target == ".") => SrvChoice::NotOffered,
        None => SrvChoice::None,
    }
}

fn from_srv(address: &Address, srv: &Srv, tls: bool) -> Discovery {
    // RFC 6186 §6: the SRV answer is not authenticated; a server outside the user's domain is
    // worth a second look before the password is sent there.
    let notes = (!presets::is_within(&srv.target, &address.domain)).then(|| {
        format!(
            "{} is outside {}: check that it is your provider's server before saving a \
             password for it",
            srv.target, address.domain
        )
    });
    Discovery {
        host: srv.target.clone(),
        port: srv.port,
        tls,
        source: Source::Srv,
        provider: None,
        notes,
        user: address.email.clone(),
    }
}

/// A name we can connect to: letters, digits and '-' in dot-separated labels (what
/// `dns::read_name` produces for anything else contains '\' or '_').
fn is_host_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `ip:port`, `[v6]:port`, or a bare IP for port 53.
fn parse_server(value: &str) -> Option<SocketAddr> {
    value.parse::<SocketAddr>().ok().or_else(|| {
        value
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

/// The system's DNS servers, in the order its resolver asks them.
#[cfg(not(windows))]
fn system_nameservers() -> Result<Vec<SocketAddr>, DiscoverError> {
    resolv_conf_nameservers(Path::new(RESOLV_CONF))
}

/// The system's DNS servers: Windows keeps them per network adapter (no resolv.conf); those of
/// the adapters that are up, in the system's adapter order, each once.
#[cfg(windows)]
fn system_nameservers() -> Result<Vec<SocketAddr>, DiscoverError> {
    let adapters = ipconfig::get_adapters().map_err(|err| {
        DiscoverError::Dns(format!(
            "no DNS server to ask: cannot read the network adapters: {err}; set \
             {DNS_SERVER_ENV}=IP:PORT or {WHAT_TO_DO}"
        ))
    })?;
    let mut servers: Vec<SocketAddr> = Vec::new();
    for adapter in &adapters {
        if adapter.oper_status() != ipconfig::OperStatus::IfOperStatusUp {
            continue;
        }
        for ip in adapter.dns_servers() {
            let server = SocketAddr::new(*ip, 53);
            if usable_nameserver(ip) && !servers.contains(&server) {
                servers.push(server);
            }
        }
    }
    if servers.is_empty() {
        return Err(DiscoverError::Dns(format!(
            "no DNS server to ask: no network adapter has one; set {DNS_SERVER_ENV}=IP:PORT or \
             {WHAT_TO_DO}"
        )));
    }
    Ok(servers)
}

/// Every usable `nameserver` line of resolv.conf(5), in order.
#[cfg_attr(windows, allow(dead_code))]
fn resolv_conf_nameservers(path: &Path) -> Result<Vec<SocketAddr>, DiscoverError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        DiscoverError::Dns(format!(
            "no DNS server to ask: cannot read {}: {err}; set {DNS_SERVER_ENV}=IP:PORT or \
             {WHAT_TO_DO}",
            path.display()
        ))
    })?;
    let servers = nameservers(&text);
    if servers.is_empty() {
        return Err(DiscoverError::Dns(format!(
            "no DNS server to ask: {} has no nameserver line; set {DNS_SERVER_ENV}=IP:PORT or \
             {WHAT_TO_DO}",
            path.display()
        )));
    }
    Ok(servers)
}

#[cfg_attr(windows, allow(dead_code))]
fn nameservers(resolv_conf: &str) -> Vec<SocketAddr> {
    let mut servers: Vec<SocketAddr> = Vec::new();
    for line in resolv_conf.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        // IPv6 link-local servers carry a zone ("fe80::1%eth0") that this parse refuses; such
        // a line is skipped.
        let Some(ip) = words.next().and_then(|word| word.parse::<IpAddr>().ok()) else {
            continue;
        };
        let server = SocketAddr::new(ip, 53);
        if usable_nameserver(&ip) && !servers.contains(&server) {
            servers.push(server);
        }
    }
    servers
}

/// Whether a DNS server address can be asked (not 0.0.0.0 or ::, which some systems list).
fn usable_nameserver(ip: &IpAddr) -> bool {
    !ip.is_unspecified()
}
