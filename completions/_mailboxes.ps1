
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mailboxes' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mailboxes'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mailboxes' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List mailboxes (passwords are never shown)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List mailboxes (passwords are never shown)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a mailbox')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a mailbox''s fields; the password only when asked')
            [CompletionResult]::new('reauth', 'reauth', [CompletionResultType]::ParameterValue, 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove mailboxes (asks first on a terminal; scripts pass --yes)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove mailboxes (asks first on a terminal; scripts pass --yes)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Log in to mailboxes over IMAP and record the result')
            [CompletionResult]::new('harvest', 'harvest', [CompletionResultType]::ParameterValue, 'Harvest contacts (senders and recipients) from mailboxes over IMAP')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)')
            [CompletionResult]::new('contacts', 'contacts', [CompletionResultType]::ParameterValue, 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to your Supabase account and keep the session in the OS keyring')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign out: revoke the session and forget the stored tokens')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the account, session and store in use')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show the account, session and store in use')
            [CompletionResult]::new('discover', 'discover', [CompletionResultType]::ParameterValue, 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;list' {
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;ls' {
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;add' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'A name for the mailbox, e.g. "Work Gmail"')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'IMAP server host name')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'IMAP server port [default: 993 with --tls, 143 with --starttls]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Login name, usually the email address')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from this environment variable')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Fill host, port, security and user from this address (presets, DNS SRV, MX); flags given too win')
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com')
            [CompletionResult]::new('--oauth-auth-url', '--oauth-auth-url', [CompletionResultType]::ParameterName, 'The authorization endpoint, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-token-url', '--oauth-token-url', [CompletionResultType]::ParameterName, 'The token endpoint, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-scope', '--oauth-scope', [CompletionResultType]::ParameterName, 'The scope to ask for, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-client-id', '--oauth-client-id', [CompletionResultType]::ParameterName, 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID')
            [CompletionResult]::new('--oauth-client-secret-env', '--oauth-client-secret-env', [CompletionResultType]::ParameterName, 'Read the OAuth2 client secret from environment variable VAR (never from a flag)')
            [CompletionResult]::new('--oauth-tenant', '--oauth-tenant', [CompletionResultType]::ParameterName, 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Implicit TLS (port 993 by default)')
            [CompletionResult]::new('--starttls', '--starttls', [CompletionResultType]::ParameterName, 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of stdin')
            [CompletionResult]::new('--gmail', '--gmail', [CompletionResultType]::ParameterName, 'Gmail: imap.gmail.com, port 993, TLS (use an App Password)')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Log in first and save only if it works')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Microsoft: sign in on any device with a code (device code flow)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'DANGEROUS: accept any certificate and host name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;edit' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'New label')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'New IMAP server host name')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'New port')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'New login name')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from this environment variable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Implicit TLS (port 993 by default)')
            [CompletionResult]::new('--starttls', '--starttls', [CompletionResultType]::ParameterName, 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear')
            [CompletionResult]::new('--password-prompt', '--password-prompt', [CompletionResultType]::ParameterName, 'Ask for a new password (no echo)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of stdin')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;reauth' {
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com')
            [CompletionResult]::new('--oauth-auth-url', '--oauth-auth-url', [CompletionResultType]::ParameterName, 'The authorization endpoint, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-token-url', '--oauth-token-url', [CompletionResultType]::ParameterName, 'The token endpoint, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-scope', '--oauth-scope', [CompletionResultType]::ParameterName, 'The scope to ask for, instead of the provider''s (needed for custom)')
            [CompletionResult]::new('--oauth-client-id', '--oauth-client-id', [CompletionResultType]::ParameterName, 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID')
            [CompletionResult]::new('--oauth-client-secret-env', '--oauth-client-secret-env', [CompletionResultType]::ParameterName, 'Read the OAuth2 client secret from environment variable VAR (never from a flag)')
            [CompletionResult]::new('--oauth-tenant', '--oauth-tenant', [CompletionResultType]::ParameterName, 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Log in with the new token and record the result')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Microsoft: sign in on any device with a code (device code flow)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'DANGEROUS: accept any certificate and host name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;remove' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('--keep-grant', '--keep-grant', [CompletionResultType]::ParameterName, 'Keep an OAuth2 entry''s grant at the provider (by default Google''s is revoked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;rm' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('--keep-grant', '--keep-grant', [CompletionResultType]::ParameterName, 'Keep an OAuth2 entry''s grant at the provider (by default Google''s is revoked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;test' {
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes to test at once')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes to test at once')
            [CompletionResult]::new('--fail-if-stale', '--fail-if-stale', [CompletionResultType]::ParameterName, 'Do not log in: check the recorded results instead, failing every mailbox whose last test failed, is older than DURATION (e.g. 24h, 7d) or never happened')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format for people, scripts or CI systems (--json is short for --format json)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Ad-hoc probe of a server, without the store: IMAP host name')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Ad-hoc probe: port [default: 993 with --tls, 143 with --starttls]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Ad-hoc probe: login name')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from this environment variable')
            [CompletionResult]::new('--access-token-env', '--access-token-env', [CompletionResultType]::ParameterName, 'Ad-hoc probe with OAuth2 (XOAUTH2, or OAUTHBEARER where that is all the server offers): read the access token from environment variable VAR instead of a password')
            [CompletionResult]::new('--refresh-token-env', '--refresh-token-env', [CompletionResultType]::ParameterName, 'Ad-hoc probe with OAuth2: trade the refresh token in environment variable VAR for an access token first (at --oauth''s token endpoint), then log in with it')
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Who issued the refresh token [default: from the host: Gmail → google, Microsoft → microsoft]')
            [CompletionResult]::new('--oauth-tenant', '--oauth-tenant', [CompletionResultType]::ParameterName, 'Microsoft''s tenant: common, consumers, organizations or an id [default: common]')
            [CompletionResult]::new('--oauth-token-url', '--oauth-token-url', [CompletionResultType]::ParameterName, 'The token endpoint, instead of the provider''s (self-hosted identity providers)')
            [CompletionResult]::new('--oauth-client-id', '--oauth-client-id', [CompletionResultType]::ParameterName, 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID')
            [CompletionResult]::new('--oauth-client-secret-env', '--oauth-client-secret-env', [CompletionResultType]::ParameterName, 'Read the OAuth2 client secret from environment variable VAR (never from a flag)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Test every stored mailbox, concurrently')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not record the result in the store')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Implicit TLS (port 993 by default)')
            [CompletionResult]::new('--starttls', '--starttls', [CompletionResultType]::ParameterName, 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of stdin')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'DANGEROUS: accept any certificate and host name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;harvest' {
            [CompletionResult]::new('--folders', '--folders', [CompletionResultType]::ParameterName, 'Folders to read instead of INBOX and the Sent folder (comma-separated)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only messages since this day (YYYY-MM-DD): a one-off scan that leaves the saved state alone')
            [CompletionResult]::new('--direction', '--direction', [CompletionResultType]::ParameterName, 'Which contacts are printed: people who wrote to the mailbox, people it was addressed to, or both (--import stores every contact, with both counts)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; json with --json]')
            [CompletionResult]::new('--import', '--import', [CompletionResultType]::ParameterName, 'Upsert the contacts into this contact group in Supabase (counts only ever added once)')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Harvest every stored mailbox')
            [CompletionResult]::new('--personal', '--personal', [CompletionResultType]::ParameterName, 'Print only people the user wrote to (--import stores every contact)')
            [CompletionResult]::new('--keep-noreply', '--keep-noreply', [CompletionResultType]::ParameterName, 'Keep no-reply, bounce and mailer-daemon addresses (dropped by default)')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Forget what earlier runs saw and read every message again')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'DANGEROUS: accept any certificate and host name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;sync' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book: a vdir (one vCard per file), e.g. an existing khard or vdirsyncer address book [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Mailboxes at once (at most 4 per account whatever this says); a no-change sync costs about one login when all run at once')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl''s --resolve); the certificate is still checked for HOST. Repeatable')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every stored mailbox (the default when none is named)')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Read every folder from the start instead of only what is new')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for a sync of this profile that is already running, instead of stopping')
            [CompletionResult]::new('--scheduled', '--scheduled', [CompletionResultType]::ParameterName, 'Run as the scheduler does: log the run to $XDG_STATE_HOME/mailboxes/sync.log and notify the desktop of mailboxes that stopped working')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'DANGEROUS: accept any certificate and host name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every contact, most written to and from first (--json: emails, name, groups, counts)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'Every contact, most written to and from first (--json: emails, name, groups, counts)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One contact, by address or UID')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'The groups (vCard categories) and how many contacts each holds')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every contact in one format, as `harvest --format` writes it')
            [CompletionResult]::new('dedup', 'dedup', [CompletionResultType]::ParameterValue, 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;contacts;list' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;ls' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;show' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;groups' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;dedup' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Merge as planned: one card per person, the merge remembered by later syncs')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;unmerge' {
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;contacts;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every contact, most written to and from first (--json: emails, name, groups, counts)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One contact, by address or UID')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'The groups (vCard categories) and how many contacts each holds')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every contact in one format, as `harvest --format` writes it')
            [CompletionResult]::new('dedup', 'dedup', [CompletionResultType]::ParameterValue, 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;contacts;help;list' {
            break
        }
        'mailboxes;contacts;help;show' {
            break
        }
        'mailboxes;contacts;help;groups' {
            break
        }
        'mailboxes;contacts;help;export' {
            break
        }
        'mailboxes;contacts;help;dedup' {
            break
        }
        'mailboxes;contacts;help;unmerge' {
            break
        }
        'mailboxes;contacts;help;help' {
            break
        }
        'mailboxes;schedule' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Run `mailboxes sync` every interval, as this profile and store')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The scheduler, the next run, and the last run''s time, exit code and summary')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take the schedule out again (only what `install` put in)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;schedule;install' {
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'How often: minutes dividing an hour (15m, 30m), hours dividing a day (1h … 12h), 1d')
            [CompletionResult]::new('--scheduler', '--scheduler', [CompletionResultType]::ParameterName, 'Which scheduler [default: systemd where a user manager runs, else cron; launchd on macOS; schtasks on Windows]')
            [CompletionResult]::new('--contacts-dir', '--contacts-dir', [CompletionResultType]::ParameterName, 'The address book the sync writes into [default: the sync''s]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--no-enable', '--no-enable', [CompletionResultType]::ParameterName, 'Write the units but do not enable them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;schedule;status' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;schedule;remove' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;schedule;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Run `mailboxes sync` every interval, as this profile and store')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The scheduler, the next run, and the last run''s time, exit code and summary')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take the schedule out again (only what `install` put in)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;schedule;help;install' {
            break
        }
        'mailboxes;schedule;help;status' {
            break
        }
        'mailboxes;schedule;help;remove' {
            break
        }
        'mailboxes;schedule;help;help' {
            break
        }
        'mailboxes;login' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Your Supabase project URL, e.g. https://abcd.supabase.co')
            [CompletionResult]::new('--anon-key', '--anon-key', [CompletionResultType]::ParameterName, 'The project''s anon (publishable) key')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Your account''s email')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the account password from the first line of stdin')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;logout' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;status' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;whoami' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;discover' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on DNS after this many seconds')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where mailboxes are kept [default: supabase once logged in, else local]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which profile (account, or local file) to use')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts instead of tables and sentences')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailboxes;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List mailboxes (passwords are never shown)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a mailbox')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a mailbox''s fields; the password only when asked')
            [CompletionResult]::new('reauth', 'reauth', [CompletionResultType]::ParameterValue, 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove mailboxes (asks first on a terminal; scripts pass --yes)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Log in to mailboxes over IMAP and record the result')
            [CompletionResult]::new('harvest', 'harvest', [CompletionResultType]::ParameterValue, 'Harvest contacts (senders and recipients) from mailboxes over IMAP')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)')
            [CompletionResult]::new('contacts', 'contacts', [CompletionResultType]::ParameterValue, 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to your Supabase account and keep the session in the OS keyring')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign out: revoke the session and forget the stored tokens')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the account, session and store in use')
            [CompletionResult]::new('discover', 'discover', [CompletionResultType]::ParameterValue, 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailboxes;help;list' {
            break
        }
        'mailboxes;help;add' {
            break
        }
        'mailboxes;help;edit' {
            break
        }
        'mailboxes;help;reauth' {
            break
        }
        'mailboxes;help;remove' {
            break
        }
        'mailboxes;help;test' {
            break
        }
        'mailboxes;help;harvest' {
            break
        }
        'mailboxes;help;sync' {
            break
        }
        'mailboxes;help;contacts' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every contact, most written to and from first (--json: emails, name, groups, counts)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One contact, by address or UID')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'The groups (vCard categories) and how many contacts each holds')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every contact in one format, as `harvest --format` writes it')
            [CompletionResult]::new('dedup', 'dedup', [CompletionResultType]::ParameterValue, 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)')
            break
        }
        'mailboxes;help;contacts;list' {
            break
        }
        'mailboxes;help;contacts;show' {
            break
        }
        'mailboxes;help;contacts;groups' {
            break
        }
        'mailboxes;help;contacts;export' {
            break
        }
        'mailboxes;help;contacts;dedup' {
            break
        }
        'mailboxes;help;contacts;unmerge' {
            break
        }
        'mailboxes;help;schedule' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Run `mailboxes sync` every interval, as this profile and store')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The scheduler, the next run, and the last run''s time, exit code and summary')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take the schedule out again (only what `install` put in)')
            break
        }
        'mailboxes;help;schedule;install' {
            break
        }
        'mailboxes;help;schedule;status' {
            break
        }
        'mailboxes;help;schedule;remove' {
            break
        }
        'mailboxes;help;login' {
            break
        }
        'mailboxes;help;logout' {
            break
        }
        'mailboxes;help;status' {
            break
        }
        'mailboxes;help;discover' {
            break
        }
        'mailboxes;help;completions' {
            break
        }
        'mailboxes;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
