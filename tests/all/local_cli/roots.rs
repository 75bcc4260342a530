//! Where trusted roots come from: `SSL_CERT_DIR`, and Mozilla's compiled-in roots when the
//! system has none.

use super::*;

/// The system's roots can come from a certificate directory (`SSL_CERT_DIR`, as OpenSSL reads
/// it). Here the "system" is a directory holding only the test CA under its hash name, and the
/// bundle file (`SSL_CERT_FILE`) is missing: the login must verify through that directory.
#[test]
fn system_roots_come_from_ssl_cert_dir() {
    let dovecot = Dovecot::shared();
    let mut env = fresh();
    let certs = env.root().join("system-certs");
    std::fs::create_dir_all(&certs).unwrap();
    let pem = std::fs::read(&dovecot.ca_cert).unwrap();
    let hash = openssl::x509::X509::from_pem(&pem)
        .unwrap()
        .subject_name_hash();
    std::fs::write(certs.join(format!("{hash:08x}.0")), &pem).unwrap();
    let missing = env.root().join("no-bundle.pem");
    env.env("SSL_CERT_DIR", &certs)
        .env("SSL_CERT_FILE", &missing);
    env.env("PW", ALICE.password);
    let port = dovecot.imaps_port.to_string();
    let cli = Cli::test_host("localhost", ALICE.name).port(&port).args([
        "--password-env",
        "PW",
        "--json",
    ]);
    let args = cli.strs();
    let run = env.run(&args);
    run.ok();
    assert_eq!(run.json()[0]["ok"], json!(true), "{run}");

    // The same directory without the CA: not trusted, so the directory really is what counts.
    std::fs::remove_file(certs.join(format!("{hash:08x}.0"))).unwrap();
    std::fs::write(certs.join("00000000.0"), b"not a certificate").unwrap();
    let run = env.run(&args);
    run.code(1);
    assert_eq!(run.json()[0]["kind"], json!("tls"), "{run}");
}

/// A system with no trusted roots at all (a container without ca-certificates): the probe falls
/// back to Mozilla's roots compiled into the binary, which do not hold the test CA, so the
/// certificate is "not trusted" (not "no roots, install ca-certificates"), and `--ca-cert`
/// still works on top.
#[test]
fn no_system_roots_falls_back_to_the_compiled_in_ones() {
    let dovecot = Dovecot::shared();
    let mut env = fresh();
    let missing = env.root().join("nothing-here");
    env.env("SSL_CERT_DIR", &missing)
        .env("SSL_CERT_FILE", &missing);
    env.env("PW", ALICE.password);
    let port = dovecot.imaps_port.to_string();
    let cli = Cli::test_host("localhost", ALICE.name).port(&port).args([
        "--password-env",
        "PW",
        "--json",
        "-vv",
    ]);
    let args = cli.strs();
    let run = env.run(&args);
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], json!("tls"), "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("its issuer is not a trusted CA"),
        "{run}"
    );
    // "probe: 150 trusted roots from Compiled" (-vv): Mozilla's list was what the probe used.
    let compiled: usize = run
        .stderr
        .lines()
        .find_map(|line| {
            line.split("probe: ")
                .nth(1)?
                .strip_suffix(" trusted roots from Compiled")
        })
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no compiled-in roots used: {run}"));
    assert!(compiled > 100, "{run}");

    let ca = dovecot.ca_cert.display().to_string();
    let mut with_ca = args.to_vec();
    with_ca.extend(["--ca-cert", &ca]);
    env.run(&with_ca).ok();
}
