# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mailboxes_global_optspecs
    string join \n store= profile= json v/verbose no-color h/help V/version
end

function __fish_mailboxes_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mailboxes_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mailboxes_using_subcommand
    set -l cmd (__fish_mailboxes_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mailboxes -n "__fish_mailboxes_needs_command" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_needs_command" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_needs_command" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "list" -d 'List mailboxes (passwords are never shown)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "ls" -d 'List mailboxes (passwords are never shown)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "add" -d 'Add a mailbox'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "edit" -d 'Change a mailbox\'s fields; the password only when asked'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "reauth" -d 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "remove" -d 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "rm" -d 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "test" -d 'Log in to mailboxes over IMAP and record the result'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "harvest" -d 'Harvest contacts (senders and recipients) from mailboxes over IMAP'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "sync" -d 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "contacts" -d 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "schedule" -d 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "login" -d 'Sign in to your Supabase account and keep the session in the OS keyring'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "logout" -d 'Sign out: revoke the session and forget the stored tokens'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "status" -d 'Show the account, session and store in use'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "whoami" -d 'Show the account, session and store in use'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "discover" -d 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mailboxes -n "__fish_mailboxes_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -l stale -d 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand list" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -l stale -d 'Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand ls" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l label -d 'A name for the mailbox, e.g. "Work Gmail"' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l host -d 'IMAP server host name' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l port -d 'IMAP server port [default: 993 with --tls, 143 with --starttls]' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l user -d 'Login name, usually the email address' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l password-env -d 'Read the password from this environment variable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l email -d 'Fill host, port, security and user from this address (presets, DNS SRV, MX); flags given too win' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth -d 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com' -r -f -a "google\t'Google (Gmail, Workspace): GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET'
microsoft\t'Microsoft 365, Outlook.com: MICROSOFT_CLIENT_ID, --oauth-tenant'
custom\t'Any other: --oauth-token-url and --oauth-client-id'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-auth-url -d 'The authorization endpoint, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-token-url -d 'The token endpoint, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-scope -d 'The scope to ask for, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-client-id -d 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-client-secret-env -d 'Read the OAuth2 client secret from environment variable VAR (never from a flag)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l oauth-tenant -d 'Microsoft\'s tenant: common, consumers, organizations or an id [default: common]' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l ca-cert -d 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l timeout -d 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l resolve -d 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl\'s --resolve); the certificate is still checked for HOST. Repeatable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l tls -d 'Implicit TLS (port 993 by default)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l starttls -d 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l gmail -d 'Gmail: imap.gmail.com, port 993, TLS (use an App Password)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l test -d 'Log in first and save only if it works'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l no-browser -d 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l device -d 'Microsoft: sign in on any device with a code (device code flow)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l insecure -d 'DANGEROUS: accept any certificate and host name'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand add" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l label -d 'New label' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l host -d 'New IMAP server host name' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l port -d 'New port' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l user -d 'New login name' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l password-env -d 'Read the password from this environment variable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l tls -d 'Implicit TLS (port 993 by default)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l starttls -d 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l password-prompt -d 'Ask for a new password (no echo)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand edit" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth -d 'Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take nothing else): google presets imap.gmail.com, microsoft outlook.office365.com' -r -f -a "google\t'Google (Gmail, Workspace): GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET'
microsoft\t'Microsoft 365, Outlook.com: MICROSOFT_CLIENT_ID, --oauth-tenant'
custom\t'Any other: --oauth-token-url and --oauth-client-id'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-auth-url -d 'The authorization endpoint, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-token-url -d 'The token endpoint, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-scope -d 'The scope to ask for, instead of the provider\'s (needed for custom)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-client-id -d 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-client-secret-env -d 'Read the OAuth2 client secret from environment variable VAR (never from a flag)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l oauth-tenant -d 'Microsoft\'s tenant: common, consumers, organizations or an id [default: common]' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l ca-cert -d 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l timeout -d 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l resolve -d 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl\'s --resolve); the certificate is still checked for HOST. Repeatable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l test -d 'Log in with the new token and record the result'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l no-browser -d 'Print the sign-in address instead of opening a browser, and take the address the browser ends up at pasted on stdin (for SSH sessions)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l device -d 'Microsoft: sign in on any device with a code (device code flow)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l insecure -d 'DANGEROUS: accept any certificate and host name'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand reauth" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -s y -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -l keep-grant -d 'Keep an OAuth2 entry\'s grant at the provider (by default Google\'s is revoked)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand remove" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -s y -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -l keep-grant -d 'Keep an OAuth2 entry\'s grant at the provider (by default Google\'s is revoked)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand rm" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -s j -l jobs -d 'How many mailboxes to test at once' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l fail-if-stale -d 'Do not log in: check the recorded results instead, failing every mailbox whose last test failed, is older than DURATION (e.g. 24h, 7d) or never happened' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l format -d 'Output format for people, scripts or CI systems (--json is short for --format json)' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for scripts (same as --json)'
github\t'GitHub Actions annotations (::error …), masking secrets read from the environment'
junit\t'A JUnit XML report'
tap\t'Test Anything Protocol, version 14'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l host -d 'Ad-hoc probe of a server, without the store: IMAP host name' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l port -d 'Ad-hoc probe: port [default: 993 with --tls, 143 with --starttls]' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l user -d 'Ad-hoc probe: login name' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l password-env -d 'Read the password from this environment variable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l access-token-env -d 'Ad-hoc probe with OAuth2 (XOAUTH2, or OAUTHBEARER where that is all the server offers): read the access token from environment variable VAR instead of a password' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l refresh-token-env -d 'Ad-hoc probe with OAuth2: trade the refresh token in environment variable VAR for an access token first (at --oauth\'s token endpoint), then log in with it' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l oauth -d 'Who issued the refresh token [default: from the host: Gmail → google, Microsoft → microsoft]' -r -f -a "google\t'Google (Gmail, Workspace): GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET'
microsoft\t'Microsoft 365, Outlook.com: MICROSOFT_CLIENT_ID, --oauth-tenant'
custom\t'Any other: --oauth-token-url and --oauth-client-id'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l oauth-tenant -d 'Microsoft\'s tenant: common, consumers, organizations or an id [default: common]' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l oauth-token-url -d 'The token endpoint, instead of the provider\'s (self-hosted identity providers)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l oauth-client-id -d 'The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l oauth-client-secret-env -d 'Read the OAuth2 client secret from environment variable VAR (never from a flag)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l ca-cert -d 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l timeout -d 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l resolve -d 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl\'s --resolve); the certificate is still checked for HOST. Repeatable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l all -d 'Test every stored mailbox, concurrently'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l no-save -d 'Do not record the result in the store'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l tls -d 'Implicit TLS (port 993 by default)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l starttls -d 'Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l insecure -d 'DANGEROUS: accept any certificate and host name'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand test" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l folders -d 'Folders to read instead of INBOX and the Sent folder (comma-separated)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l since -d 'Only messages since this day (YYYY-MM-DD): a one-off scan that leaves the saved state alone' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l direction -d 'Which contacts are printed: people who wrote to the mailbox, people it was addressed to, or both (--import stores every contact, with both counts)' -r -f -a "from\t'People who wrote to the user'
to\t'People the mail was addressed to'
both\t'Both'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l format -d 'Output format [default: table; json with --json]' -r -f -a "table\t'A table for people'
json\t'An array of {email, name, from_count, to_count, first_seen, last_seen, mailboxes}'
csv\t'Google Contacts\' CSV import columns'
vcard\t'vCard 4.0 (RFC 6350), one card per contact'
mutt\t'mutt\'s query_command format (email TAB name TAB counts)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l import -d 'Upsert the contacts into this contact group in Supabase (counts only ever added once)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l connections -d 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l ca-cert -d 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l timeout -d 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l resolve -d 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl\'s --resolve); the certificate is still checked for HOST. Repeatable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l all -d 'Harvest every stored mailbox'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l personal -d 'Print only people the user wrote to (--import stores every contact)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l keep-noreply -d 'Keep no-reply, bounce and mailer-daemon addresses (dropped by default)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l full -d 'Forget what earlier runs saw and read every message again'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l insecure -d 'DANGEROUS: accept any certificate and host name'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand harvest" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l contacts-dir -d 'The address book: a vdir (one vCard per file), e.g. an existing khard or vdirsyncer address book [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l jobs -d 'Mailboxes at once (at most 4 per account whatever this says); a no-change sync costs about one login when all run at once' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l connections -d 'Connections one mailbox may use at once: a folder with many new messages is read over several (each logs in once)' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l ca-cert -d 'Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l timeout -d 'Give up on a server after this many seconds (DNS, connect, TLS and every response) [default: 15]; `harvest --help` says how it bounds a harvest' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l resolve -d 'Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS changes (like curl\'s --resolve); the certificate is still checked for HOST. Repeatable' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l all -d 'Every stored mailbox (the default when none is named)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l full -d 'Read every folder from the start instead of only what is new'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l wait -d 'Wait for a sync of this profile that is already running, instead of stopping'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l scheduled -d 'Run as the scheduler does: log the run to $XDG_STATE_HOME/mailboxes/sync.log and notify the desktop of mailboxes that stopped working'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l insecure -d 'DANGEROUS: accept any certificate and host name'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand sync" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "list" -d 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "ls" -d 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "show" -d 'One contact, by address or UID'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "groups" -d 'The groups (vCard categories) and how many contacts each holds'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "export" -d 'Every contact in one format, as `harvest --format` writes it'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "dedup" -d 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "unmerge" -d 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and not __fish_seen_subcommand_from list ls show groups export dedup unmerge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from groups" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l format -r -f -a "table\t'A table for people'
json\t'An array of {email, name, from_count, to_count, first_seen, last_seen, mailboxes}'
csv\t'Google Contacts\' CSV import columns'
vcard\t'vCard 4.0 (RFC 6350), one card per contact'
mutt\t'mutt\'s query_command format (email TAB name TAB counts)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l apply -d 'Merge as planned: one card per person, the merge remembered by later syncs'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from dedup" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -l contacts-dir -d 'The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from unmerge" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "show" -d 'One contact, by address or UID'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "groups" -d 'The groups (vCard categories) and how many contacts each holds'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "export" -d 'Every contact in one format, as `harvest --format` writes it'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "dedup" -d 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "unmerge" -d 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand contacts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -f -a "install" -d 'Run `mailboxes sync` every interval, as this profile and store'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -f -a "status" -d 'The scheduler, the next run, and the last run\'s time, exit code and summary'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -f -a "remove" -d 'Take the schedule out again (only what `install` put in)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and not __fish_seen_subcommand_from install status remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l every -d 'How often: minutes dividing an hour (15m, 30m), hours dividing a day (1h … 12h), 1d' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l scheduler -d 'Which scheduler [default: systemd where a user manager runs, else cron; launchd on macOS; schtasks on Windows]' -r -f -a "systemd\t'systemd user units (Linux)'
cron\t'a marked line in the user\'s crontab'
launchd\t'a LaunchAgent (macOS)'
schtasks\t'a scheduled task (Windows)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l contacts-dir -d 'The address book the sync writes into [default: the sync\'s]' -r -F
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l no-enable -d 'Write the units but do not enable them'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "install" -d 'Run `mailboxes sync` every interval, as this profile and store'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "status" -d 'The scheduler, the next run, and the last run\'s time, exit code and summary'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Take the schedule out again (only what `install` put in)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l url -d 'Your Supabase project URL, e.g. https://abcd.supabase.co' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l anon-key -d 'The project\'s anon (publishable) key' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l email -d 'Your account\'s email' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l password-stdin -d 'Read the account password from the first line of stdin'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand login" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand logout" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand status" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -l timeout -d 'Give up on DNS after this many seconds' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand discover" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -l store -d 'Where mailboxes are kept [default: supabase once logged in, else local]' -r -f -a "local\t'A JSON file in the user\'s config dir (no account needed)'
supabase\t'The user\'s row in Supabase (`public.user_secrets.settings.mailboxes`)'"
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -l profile -d 'Which profile (account, or local file) to use' -r
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -l json -d 'Print JSON for scripts instead of tables and sentences'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -s v -l verbose -d 'Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -l no-color -d 'No colours (also when NO_COLOR is set or stdout is not a terminal)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "list" -d 'List mailboxes (passwords are never shown)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "add" -d 'Add a mailbox'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "edit" -d 'Change a mailbox\'s fields; the password only when asked'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "reauth" -d 'Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "remove" -d 'Remove mailboxes (asks first on a terminal; scripts pass --yes)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "test" -d 'Log in to mailboxes over IMAP and record the result'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "harvest" -d 'Harvest contacts (senders and recipients) from mailboxes over IMAP'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "sync" -d 'Log in to mailboxes, harvest what is new and write the contacts into your address book (a vdir khard and vdirsyncer read; on Supabase, public.contacts)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "contacts" -d 'The contacts `sync` keeps in your address book: list, show, groups, export, dedup'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "schedule" -d 'Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "login" -d 'Sign in to your Supabase account and keep the session in the OS keyring'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "logout" -d 'Sign out: revoke the session and forget the stored tokens'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "status" -d 'Show the account, session and store in use'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "discover" -d 'Find the IMAP server for an email address (presets, DNS SRV, MX) without saving'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and not __fish_seen_subcommand_from list add edit reauth remove test harvest sync contacts schedule login logout status discover completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "list" -d 'Every contact, most written to and from first (--json: emails, name, groups, counts)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "show" -d 'One contact, by address or UID'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "groups" -d 'The groups (vCard categories) and how many contacts each holds'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "export" -d 'Every contact in one format, as `harvest --format` writes it'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "dedup" -d 'Find cards that are one person (the same full name, an address that spells the name, the same Gmail account; never a first name alone) and print the plan; --apply merges'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from contacts" -f -a "unmerge" -d 'Take an address back out of the card `dedup --apply` merged it into (the next sync gives it its own card again)'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "install" -d 'Run `mailboxes sync` every interval, as this profile and store'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "status" -d 'The scheduler, the next run, and the last run\'s time, exit code and summary'
complete -c mailboxes -n "__fish_mailboxes_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "remove" -d 'Take the schedule out again (only what `install` put in)'
