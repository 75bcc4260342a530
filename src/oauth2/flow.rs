//! Signing in (issue 12 item 2): the authorization code flow with PKCE (RFC 7636, S256) and a
//! random `state`, redirected to a loopback listener on `http://127.0.0.1:<port>/` bound to
//! port 0 (RFC 8252 §7.3: Google and Microsoft accept any port there).
//!
//! The URL is opened with `$BROWSER` (run with the URL as its one argument) or the platform's
//! opener, and needs no terminal. `--no-browser` prints it on stderr instead and also takes the
//! address the browser was sent to, pasted on stdin (for a session over SSH, where the
//! browser's machine cannot reach our loopback); the listener stays up too, and whichever
//! answers first wins. The listener serves any number of requests (browsers prefetch and ask
//! for `/favicon.ico`), answers a wrong `state` with an error page and goes on waiting (it may be
//! a forged request), and gives up at the deadline.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::{exchange_code, Endpoints, Tokens};
use crate::error::usage;
use crate::http::percent_encode;
use crate::secret::Secret;
use crate::untrusted::printable;

/// How the person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Open a browser; the redirect comes back to the loopback listener.
    Browser,
    /// Print the URL; the redirected address may be pasted on stdin (the listener also waits).
    Paste,
}

/// Where to tell the person what is going on (stderr, through the command's `Ui`).
pub type Say<'a> = &'a dyn Fn(&str);

/// What the redirect brought back.
enum Answer {
    Code(Secret),
    /// `error=…` (access_denied when the person said no).
    Refused(String),
    /// Something to tell the person (a pasted line that is not the redirect): the flow goes on.
    Note(String),
}

/// Runs the whole flow and trades the code for tokens.
pub fn sign_in(
    endpoints: &Endpoints,
    login_hint: Option<&str>,
    method: Method,
    timeout: Duration,
    say: Say<'_>,
) -> anyhow::Result<Tokens> {
    let deadline = Instant::now() + timeout;
    let auth_url = endpoints
        .auth_url
        .as_deref()
        .ok_or_else(|| usage("--oauth custom needs --oauth-auth-url URL"))?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|err| anyhow::anyhow!("cannot listen on 127.0.0.1 for the sign-in: {err}"))?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/");
    let verifier = random_token(32)?;
    let state = random_token(16)?;
    let url = authorization_url(
        endpoints,
        auth_url,
        &redirect_uri,
        &verifier,
        &state,
        login_hint,
    );

    let (sender, answers) = mpsc::channel::<Answer>();
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::scope(|scope| -> anyhow::Result<Tokens> {
        {
            let (sender, stop, state) = (sender.clone(), Arc::clone(&stop), state.clone());
            scope.spawn(move || serve(listener, &state, &sender, &stop));
        }
        match method {
            Method::Browser => {
                say(&format!(
                    "Opening the sign-in page in your browser (if it does not open, visit \
                     this address):\n  {url}"
                ));
                if let Err(err) = open_browser(&url) {
                    say(&format!(
                        "could not open a browser ({err}); visit the address above"
                    ));
                }
            }
            Method::Paste => {
                say(&format!(
                    "Open this address in a browser and sign in:\n  {url}\nThen paste the \
                     address the browser ends up at (http://127.0.0.1:{port}/?code=…), even \
                     if it shows an error page, and press Enter:"
                ));
                // Not joined: a blocked read of stdin must not keep the command alive.
                let (sender, state) = (sender.clone(), state.clone());
                std::thread::spawn(move || read_pasted(&state, &sender));
            }
        }
        drop(sender);
        let answer = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match answers.recv_timeout(left) {
                Ok(Answer::Note(text)) => say(&text),
                other => break other,
            }
        };
        stop.store(true, Ordering::SeqCst);
        match answer {
            Ok(Answer::Code(code)) => exchange_code(endpoints, &code, &redirect_uri, &verifier),
            Ok(Answer::Refused(error)) if error == "access_denied" => Err(anyhow::anyhow!(
                "the sign-in was refused (access_denied): nothing was stored; run the command \
                 again and allow access"
            )),
            Ok(Answer::Refused(error)) => Err(anyhow::anyhow!(
                "the provider ended the sign-in with an error ({}); nothing was stored",
                printable(&error)
            )),
            Ok(Answer::Note(_)) => unreachable!("notes are shown while waiting"),
            Err(_) => Err(usage(format!(
                "no sign-in came back within {} s; nothing was stored (raise --timeout, or use \
                 --no-browser to paste the address by hand)",
                timeout.as_secs()
            ))),
        }
    })
}

/// The authorization request's URL: only public parameters (no secret, no verifier).
fn authorization_url(
    endpoints: &Endpoints,
    auth_url: &str,
    redirect_uri: &str,
    verifier: &str,
    state: &str,
    login_hint: Option<&str>,
) -> String {
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &endpoints.client_id),
        ("redirect_uri", redirect_uri),
        ("scope", &endpoints.scope),
        ("state", state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    // Google sends a refresh token only with these, and not again on a repeated consent
    // without `prompt=consent` (pdobsan/oama#36).
    if endpoints.provider == super::Provider::Google {
        params.push(("access_type", "offline"));
        params.push(("prompt", "consent"));
    }
    if let Some(hint) = login_hint {
        params.push(("login_hint", hint));
    }
    let query: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={}", percent_encode(value)))
        .collect();
    let separator = if auth_url.contains('?') { '&' } else { '?' };
    format!("{auth_url}{separator}{}", query.join("&"))
}

/// `bytes` random bytes, base64url: a PKCE verifier (32 → 43 characters) or a `state`.
fn random_token(bytes: usize) -> anyhow::Result<String> {
    let mut buffer = vec![0u8; bytes];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer)
        .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}

/// Serves the loopback listener until `stop` (or an answer with the right `state`).
fn serve(listener: TcpListener, state: &str, answers: &mpsc::Sender<Answer>, stop: &AtomicBool) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    // Each request on its own thread (at most a few at once): a connection that sends
    // nothing cannot hold up the browser's.
    let busy = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) if busy.load(Ordering::SeqCst) < 16 => {
                let (answers, state, busy) = (
                    answers.clone(),
                    state.to_owned(),
                    std::sync::Arc::clone(&busy),
                );
                busy.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    if let Some(answer) = answer_request(stream, &state) {
                        let _ = answers.send(answer);
                    }
                    busy.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Ok((stream, _)) => drop(stream),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads one request (bounded in size and time) and answers it with a small page.
fn answer_request(mut stream: TcpStream, state: &str) -> Option<Answer> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    // One request gets 5 s in all: a client trickling bytes cannot keep the real redirect,
    // which comes on another connection, waiting.
    let started = Instant::now();
    while !head.windows(4).any(|w| w == b"\r\n\r\n")
        && head.len() < 16 * 1024
        && started.elapsed() < Duration::from_secs(5)
    {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("GET "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("");
    let (status, page, answer) = match judge(target, state) {
        Judged::Answer(answer @ Answer::Code(_)) => (
            "200 OK",
            "Signed in. You can close this tab and go back to the terminal.",
            Some(answer),
        ),
        Judged::Answer(answer) => (
            "200 OK",
            "The sign-in was not completed. You can close this tab; the terminal says more.",
            Some(answer),
        ),
        Judged::WrongState => (
            "400 Bad Request",
            "This sign-in answer does not belong to the running mailboxes command.",
            None,
        ),
        Judged::Other => ("404 Not Found", "Nothing here.", None),
    };
    let body = format!("<!doctype html><meta charset=utf-8><title>mailboxes</title><p>{page}</p>");
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    answer
}

enum Judged {
    Answer(Answer),
    WrongState,
    Other,
}

/// What a redirected request target (`/?code=…&state=…`) or pasted address says.
fn judge(target: &str, state: &str) -> Judged {
    let Some((_, query)) = target.split_once('?') else {
        return Judged::Other;
    };
    let query = query.split('#').next().unwrap_or_default();
    let field = |name: &str| {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| crate::http::percent_decode(value))
        })
    };
    let (code, error) = (field("code"), field("error"));
    if code.is_none() && error.is_none() {
        return Judged::Other;
    }
    // Compared in full; `state` is not secret, a timing leak tells nothing useful.
    if field("state").as_deref() != Some(state) {
        return Judged::WrongState;
    }
    match (code, error) {
        (_, Some(error)) => Judged::Answer(Answer::Refused(error)),
        (Some(code), None) if !code.is_empty() => Judged::Answer(Answer::Code(Secret::new(code))),
        _ => Judged::Other,
    }
}

/// `--no-browser`: lines pasted on stdin, until one is the redirect with our `state`.
fn read_pasted(state: &str, answers: &mpsc::Sender<Answer>) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match judge(line, state) {
            Judged::Answer(answer) => {
                let _ = answers.send(answer);
                return;
            }
            Judged::WrongState => {
                let _ = answers.send(Answer::Note(
                    "that address is from another sign-in (its state does not match); paste \
                     the newest one"
                        .into(),
                ));
            }
            Judged::Other => {
                let _ = answers.send(Answer::Note(
                    "that is not the address with ?code=… in it; paste the whole address from \
                     the browser's address bar"
                        .into(),
                ));
            }
        }
    }
}

/// Opens `url` with `$BROWSER` (each of its `:`-separated commands in turn, `%s` replaced or
/// the URL added as the one argument), else the platform's opener.
fn open_browser(url: &str) -> std::io::Result<()> {
    let run = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(drop)
    };
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        let mut last = std::io::Error::other("$BROWSER is empty");
        for command in browser.split(':').filter(|c| !c.trim().is_empty()) {
            let mut words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.contains("%s")) {
                words = words.iter().map(|w| w.replace("%s", url)).collect();
            } else {
                words.push(url.to_owned());
            }
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            match run(&words[0], &args) {
                Ok(()) => return Ok(()),
                Err(err) => last = err,
            }
        }
        return Err(last);
    }
    if cfg!(target_os = "macos") {
        run("open", &[url])
    } else if cfg!(windows) {
        run("rundll32", &["url.dll,FileProtocolHandler", url])
    } else {
        run("xdg-open", &[url])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_is_judged_by_its_state() {
        assert!(
            matches!(judge("/?code=abc&state=s1", "s1"), Judged::Answer(Answer::Code(c)) if c.expose() == "abc")
        );
        assert!(matches!(
            judge("/?code=abc&state=s2", "s1"),
            Judged::WrongState
        ));
        assert!(matches!(judge("/?code=abc", "s1"), Judged::WrongState));
        assert!(matches!(judge("/favicon.ico", "s1"), Judged::Other));
        assert!(matches!(
            judge("http://127.0.0.1:5/?error=access_denied&state=s1", "s1"),
            Judged::Answer(Answer::Refused(e)) if e == "access_denied"
        ));
        assert!(matches!(
            judge("http://127.0.0.1:5/?state=s1&code=a%2Fb#x", "s1"),
            Judged::Answer(Answer::Code(c)) if c.expose() == "a/b"
        ));
    }

    #[test]
    fn the_verifier_and_state_are_long_and_random() {
        let (a, b) = (random_token(32).unwrap(), random_token(32).unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
