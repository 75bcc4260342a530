
use builtin;
use str;

set edit:completion:arg-completer[mailboxes] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mailboxes'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mailboxes'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List mailboxes (passwords are never shown)'
            cand ls 'List mailboxes (passwords are never shown)'
            cand add 'Add a mailbox'
            cand edit 'Change a mailbox''s fields; the password only when asked'
            cand reauth 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field'
            cand remove 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
            cand rm 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
            cand test 'Log in to mailboxes over IMAP and record the result'
            cand harvest 'Harvest contacts (senders and recipients) from mailboxes over IMAP'
            cand sync 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)'
            cand contacts 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup'
            cand schedule 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task'
            cand login 'Sign in to your Supabase account and keep the session in the OS keyring'
            cand logout 'Sign out: revoke the session and forget the stored tokens'
            cand status 'Show the account, session and store in use'
            cand whoami 'Show the account, session and store in use'
            cand discover 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;list'= {
            cand --stale 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;ls'= {
            cand --stale 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;add'= {
            cand --label 'A name for the mailbox, e.g. "Work Gmail"'
            cand --host 'IMAP server host name'
            cand --port 'IMAP server port [default: 993 with --tls, 143 with --starttls]'
            cand --user 'Login name, usually the email address'
            cand --password-env 'Read the password from this environment variable'
            cand --email 'Fill host, port, security and user from this address (presets, DNS SRV, MX); flags given too win'
            cand --oauth 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com'
            cand --oauth-auth-url 'The authorization endpoint, instead of the provider''s (needed for custom)'
            cand --oauth-token-url 'The token endpoint, instead of the provider''s (needed for custom)'
            cand --oauth-scope 'The scope to ask for, instead of the provider''s (needed for custom)'
            cand --oauth-client-id 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID'
            cand --oauth-client-secret-env 'Read the OAuth2 client secret from environment variable VAR (never from a flag)'
            cand --oauth-tenant 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]'
            cand --ca-cert 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable'
            cand --timeout 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest'
            cand --resolve 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --tls 'Implicit TLS (port 993 by default)'
            cand --starttls 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
            cand --password-stdin 'Read the password from the first line of stdin'
            cand --gmail 'Gmail: imap.gmail.com, port 993, TLS (use an App Password)'
            cand --test 'Log in first and save only if it works'
            cand --no-browser 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)'
            cand --device 'Microsoft: sign in on any device with a code (device code flow)'
            cand --insecure 'DANGEROUS: accept any certificate and host name'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;edit'= {
            cand --label 'New label'
            cand --host 'New IMAP server host name'
            cand --port 'New port'
            cand --user 'New login name'
            cand --password-env 'Read the password from this environment variable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --tls 'Implicit TLS (port 993 by default)'
            cand --starttls 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
            cand --password-prompt 'Ask for a new password (no echo)'
            cand --password-stdin 'Read the password from the first line of stdin'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;reauth'= {
            cand --oauth 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com'
            cand --oauth-auth-url 'The authorization endpoint, instead of the provider''s (needed for custom)'
            cand --oauth-token-url 'The token endpoint, instead of the provider''s (needed for custom)'
            cand --oauth-scope 'The scope to ask for, instead of the provider''s (needed for custom)'
            cand --oauth-client-id 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID'
            cand --oauth-client-secret-env 'Read the OAuth2 client secret from environment variable VAR (never from a flag)'
            cand --oauth-tenant 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]'
            cand --ca-cert 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable'
            cand --timeout 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest'
            cand --resolve 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --test 'Log in with the new token and record the result'
            cand --no-browser 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)'
            cand --device 'Microsoft: sign in on any device with a code (device code flow)'
            cand --insecure 'DANGEROUS: accept any certificate and host name'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;remove'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand -y 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand --yes 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand --keep-grant 'Keep an OAuth2 entry''s grant at the provider (by default Google''s is revoked)'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;rm'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand -y 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand --yes 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand --keep-grant 'Keep an OAuth2 entry''s grant at the provider (by default Google''s is revoked)'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;test'= {
            cand -j 'How many mailboxes to test at once'
            cand --jobs 'How many mailboxes to test at once'
            cand --fail-if-stale 'Do not log in: check the recorded results instead, failing every mailbox whose last test failed, is older than DURATION (e.g. 24h, 7d) or never happened'
            cand --format 'Output format for people, scripts or CI systems (--json is short for --format json)'
            cand --host 'Ad-hoc probe of a server, without the store: IMAP host name'
            cand --port 'Ad-hoc probe: port [default: 993 with --tls, 143 with --starttls]'
            cand --user 'Ad-hoc probe: login name'
            cand --password-env 'Read the password from this environment variable'
            cand --access-token-env 'Ad-hoc probe with OAuth2 (XOAUTH2, or OAUTHBEARER where that is all the server offers): read the access token from environment variable VAR instead of a password'
            cand --refresh-token-env 'Ad-hoc probe with OAuth2: trade the refresh token in environment variable VAR for an access token first (at --oauth''s token endpoint), then log in with it'
            cand --oauth 'Who issued the refresh token [default: from the host: Gmail → google, Microsoft → microsoft]'
            cand --oauth-tenant 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]'
            cand --oauth-token-url 'The token endpoint, instead of the provider''s (self-hosted identity providers)'
            cand --oauth-client-id 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID'
            cand --oauth-client-secret-env 'Read the OAuth2 client secret from environment variable VAR (never from a flag)'
            cand --ca-cert 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable'
            cand --timeout 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest'
            cand --resolve 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --all 'Test every stored mailbox, concurrently'
            cand --no-save 'Do not record the result in the store'
            cand --tls 'Implicit TLS (port 993 by default)'
            cand --starttls 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
            cand --password-stdin 'Read the password from the first line of stdin'
            cand --insecure 'DANGEROUS: accept any certificate and host name'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;harvest'= {
            cand --folders 'Folders to read instead of INBOX and the Sent folder (comma-separated)'
            cand --since 'Only messages since this day (YYYY-MM-DD): a one-off scan that leaves the saved state alone'
            cand --direction 'Which contacts are printed: people who wrote to the mailbox, people it was addressed to, or both (--import stores every contact, with both counts)'
            cand --format 'Output format [default: table; json with --json]'
            cand --import 'Upsert the contacts into this contact group in Supabase (counts only ever added once)'
            cand --connections 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)'
            cand --ca-cert 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable'
            cand --timeout 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest'
            cand --resolve 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --all 'Harvest every stored mailbox'
            cand --personal 'Print only people the user wrote to (--import stores every contact)'
            cand --keep-noreply 'Keep no-reply, bounce and mailer-daemon addresses (dropped by default)'
            cand --full 'Forget what earlier runs saw and read every message again'
            cand --insecure 'DANGEROUS: accept any certificate and host name'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;sync'= {
            cand --contacts-dir 'The address book: a vdir (one vCard per file), e.g. an existing khard or vdirsyncer address book [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --jobs 'Mailboxes at once (at most 4 per account whatever this says); a no-change sync costs about one login when all run at once'
            cand --connections 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)'
            cand --ca-cert 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable'
            cand --timeout 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest'
            cand --resolve 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --all 'Every stored mailbox (the default when none is named)'
            cand --full 'Read every folder from the start instead of only what is new'
            cand --wait 'Wait for a sync of this profile that is already running, instead of stopping'
            cand --scheduled 'Run as the scheduler does: log the run to $XDG_STATE_HOME/mailboxes/sync.log and notify the desktop of mailboxes that stopped working'
            cand --insecure 'DANGEROUS: accept any certificate and host name'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
            cand ls 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
            cand show 'One contact, by address or UID'
            cand groups 'The groups (vCard categories) and how many contacts each holds'
            cand export 'Every contact in one format, as `harvest --format` writes it'
            cand dedup 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
            cand unmerge 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;contacts;list'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;ls'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;show'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;groups'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;export'= {
            cand --format 'format'
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;dedup'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --apply 'Merge as planned: one card per person, the merge remembered by later syncs'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;unmerge'= {
            cand --contacts-dir 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;contacts;help'= {
            cand list 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
            cand show 'One contact, by address or UID'
            cand groups 'The groups (vCard categories) and how many contacts each holds'
            cand export 'Every contact in one format, as `harvest --format` writes it'
            cand dedup 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
            cand unmerge 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;contacts;help;list'= {
        }
        &'mailboxes;contacts;help;show'= {
        }
        &'mailboxes;contacts;help;groups'= {
        }
        &'mailboxes;contacts;help;export'= {
        }
        &'mailboxes;contacts;help;dedup'= {
        }
        &'mailboxes;contacts;help;unmerge'= {
        }
        &'mailboxes;contacts;help;help'= {
        }
        &'mailboxes;schedule'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install 'Run `mailboxes sync` every interval, as this profile and store'
            cand status 'The scheduler, the next run, and the last run''s time, exit code and summary'
            cand remove 'Take the schedule out again (only what `install` put in)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;schedule;install'= {
            cand --every 'How often: minutes dividing an hour (15m, 30m), hours dividing a day (1h … 12h), 1d'
            cand --scheduler 'Which scheduler [default: systemd where a user manager runs, else cron; launchd on macOS; schtasks on Windows]'
            cand --contacts-dir 'The address book the sync writes into [default: the sync''s]'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --no-enable 'Write the units but do not enable them'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;schedule;status'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;schedule;remove'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;schedule;help'= {
            cand install 'Run `mailboxes sync` every interval, as this profile and store'
            cand status 'The scheduler, the next run, and the last run''s time, exit code and summary'
            cand remove 'Take the schedule out again (only what `install` put in)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;schedule;help;install'= {
        }
        &'mailboxes;schedule;help;status'= {
        }
        &'mailboxes;schedule;help;remove'= {
        }
        &'mailboxes;schedule;help;help'= {
        }
        &'mailboxes;login'= {
            cand --url 'Your Supabase project URL, e.g. https://abcd.supabase.co'
            cand --anon-key 'The project''s anon (publishable) key'
            cand --email 'Your account''s email'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --password-stdin 'Read the account password from the first line of stdin'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;logout'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;status'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;whoami'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;discover'= {
            cand --timeout 'Give up on DNS after this many seconds'
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;completions'= {
            cand --store 'Where mailboxes are kept [default: supabase once logged in, else local]'
            cand --profile 'Which profile (account, or local file) to use'
            cand --json 'Print JSON for scripts instead of tables and sentences'
            cand -v 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --verbose 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
            cand --no-color 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailboxes;help'= {
            cand list 'List mailboxes (passwords are never shown)'
            cand add 'Add a mailbox'
            cand edit 'Change a mailbox''s fields; the password only when asked'
            cand reauth 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field'
            cand remove 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
            cand test 'Log in to mailboxes over IMAP and record the result'
            cand harvest 'Harvest contacts (senders and recipients) from mailboxes over IMAP'
            cand sync 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)'
            cand contacts 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup'
            cand schedule 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task'
            cand login 'Sign in to your Supabase account and keep the session in the OS keyring'
            cand logout 'Sign out: revoke the session and forget the stored tokens'
            cand status 'Show the account, session and store in use'
            cand discover 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailboxes;help;list'= {
        }
        &'mailboxes;help;add'= {
        }
        &'mailboxes;help;edit'= {
        }
        &'mailboxes;help;reauth'= {
        }
        &'mailboxes;help;remove'= {
        }
        &'mailboxes;help;test'= {
        }
        &'mailboxes;help;harvest'= {
        }
        &'mailboxes;help;sync'= {
        }
        &'mailboxes;help;contacts'= {
            cand list 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
            cand show 'One contact, by address or UID'
            cand groups 'The groups (vCard categories) and how many contacts each holds'
            cand export 'Every contact in one format, as `harvest --format` writes it'
            cand dedup 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
            cand unmerge 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
        }
        &'mailboxes;help;contacts;list'= {
        }
        &'mailboxes;help;contacts;show'= {
        }
        &'mailboxes;help;contacts;groups'= {
        }
        &'mailboxes;help;contacts;export'= {
        }
        &'mailboxes;help;contacts;dedup'= {
        }
        &'mailboxes;help;contacts;unmerge'= {
        }
        &'mailboxes;help;schedule'= {
            cand install 'Run `mailboxes sync` every interval, as this profile and store'
            cand status 'The scheduler, the next run, and the last run''s time, exit code and summary'
            cand remove 'Take the schedule out again (only what `install` put in)'
        }
        &'mailboxes;help;schedule;install'= {
        }
        &'mailboxes;help;schedule;status'= {
        }
        &'mailboxes;help;schedule;remove'= {
        }
        &'mailboxes;help;login'= {
        }
        &'mailboxes;help;logout'= {
        }
        &'mailboxes;help;status'= {
        }
        &'mailboxes;help;discover'= {
        }
        &'mailboxes;help;completions'= {
        }
        &'mailboxes;help;help'= {
        }
    ]
    $completions[$command]
}
