//! A TLS-terminating front for a plain HTTP server on 127.0.0.1 (the Supabase test gateway),
//! so the client's HTTPS path — and which roots it trusts — can be tested against the real
//! stack. It serves the test Dovecot's certificate (for localhost and 127.0.0.1, signed by the
//! Dovecot test CA) and relays bytes both ways, for as many requests as a connection carries.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};

/// How long a relayed connection may stay silent both ways before the front drops it.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// How long each side's read waits before the other side gets its turn.
const POLL: Duration = Duration::from_millis(5);

pub struct TlsFront {
    port: u16,
}

impl TlsFront {
    /// A front on 127.0.0.1 for `upstream` (`http://127.0.0.1:PORT`), serving `cert` (a PEM
    /// chain) with `key`; alive until the test process exits.
    pub fn start(upstream: &str, cert: &Path, key: &Path) -> TlsFront {
        let mut builder =
            SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("a TLS acceptor");
        builder
            .set_certificate_chain_file(cert)
            .expect("the front's certificate");
        builder
            .set_private_key_file(key, SslFiletype::PEM)
            .expect("the front's key");
        let acceptor = Arc::new(builder.build());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the TLS front");
        let port = listener.local_addr().expect("the front's address").port();
        let upstream = upstream.trim_start_matches("http://").to_owned();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (acceptor, upstream) = (Arc::clone(&acceptor), upstream.clone());
                // A client that gives up (or refuses the certificate) is not the front's failure.
                thread::spawn(move || {
                    let _ = relay(&acceptor, client, &upstream);
                });
            }
        });
        TlsFront { port }
    }

    /// The project URL to give the CLI.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

/// Terminates TLS on `client` and relays its bytes to `upstream` and back until either closes.
fn relay(acceptor: &SslAcceptor, client: TcpStream, upstream: &str) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut tls = acceptor.accept(client).map_err(io::Error::other)?;
    tls.get_ref().set_read_timeout(Some(POLL))?;
    let mut server = TcpStream::connect(upstream)?;
    server.set_read_timeout(Some(POLL))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut last = Instant::now();
    while last.elapsed() < IDLE_LIMIT {
        let from_client = pass(&mut tls, &mut server, &mut buf)?;
        let from_server = pass(&mut server, &mut tls, &mut buf)?;
        match (from_client, from_server) {
            (Some(0), _) | (_, Some(0)) => break,
            (None, None) => {}
            _ => last = Instant::now(),
        }
    }
    let _ = tls.shutdown();
    Ok(())
}

/// Moves what `from` has now to `to`: `Some(bytes)` (0 when `from` closed), `None` when it had
/// nothing within [`POLL`].
fn pass(from: &mut impl Read, to: &mut impl Write, buf: &mut [u8]) -> io::Result<Option<usize>> {
    match from.read(buf) {
        Ok(n) => {
            to.write_all(&buf[..n])?;
            to.flush()?;
            Ok(Some(n))
        }
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}
