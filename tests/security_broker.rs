//! TLS and SASL against the single node's secured listeners (scripts/kafka-local.sh): Conn,
//! Reader and Writer over SSL (mutual TLS), SASL_PLAINTEXT and SASL_SSL with every mechanism,
//! and the failures: wrong password, untrusted CA, wrong host, missing client certificate, and
//! the wrong protocol on either side.

mod common;

use std::time::{Duration, Instant};

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, ConnSettings, OutMessage, TopicSpec};
use kafka_rs::error::code;
use kafka_rs::protocol::compression::Compression;
use kafka_rs::reader::Reader;
use kafka_rs::writer::{Event, OutRecord, Writer};
use kafka_rs::Error;

const T: Option<Duration> = Some(Duration::from_secs(30));

fn config(bootstrap: &str, pairs: &[(&str, &str)]) -> Config {
    let mut c = Config::new();
    c.set("bootstrap.servers", bootstrap).unwrap();
    for (k, v) in pairs {
        c.set(k, v).unwrap();
    }
    c
}

/// Mutual TLS with the test CA and client certificate.
fn mtls() -> Vec<(&'static str, String)> {
    vec![
        ("security.protocol", "ssl".into()),
        ("ssl.ca.location", tls_file("ca.pem")),
        ("ssl.certificate.location", tls_file("client.pem")),
        ("ssl.key.location", tls_file("client.key")),
    ]
}

fn sasl(protocol: &str, mechanism: &str, password: &str) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("security.protocol", protocol.to_string()),
        ("sasl.mechanisms", mechanism.to_string()),
        ("sasl.username", SASL_USER.to_string()),
        ("sasl.password", password.to_string()),
    ];
    if protocol == "sasl_ssl" {
        v.push(("ssl.ca.location", tls_file("ca.pem")));
    }
    v
}

fn borrow<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Creates a topic with a Conn, writes with a Writer, reads back with a Reader and with the
/// Conn bound to the partition, all through `bootstrap` with `pairs`.
fn roundtrip(label: &str, bootstrap: &str, pairs: &[(&'static str, String)]) {
    let pairs = borrow(pairs);
    let t = topic(&format!("sec-{label}"));
    let settings = ConnSettings::from_config(&config(bootstrap, &pairs)).unwrap();
    let conn = run(Conn::dial(bootstrap, settings.clone())).unwrap_or_else(|e| panic!("{label}: dial: {e}"));
    let spec = TopicSpec { name: t.clone(), num_partitions: 1, replication_factor: 1, ..Default::default() };
    run(conn.create_topics(&[spec], Duration::from_secs(30))).unwrap();

    let mut wpairs = pairs.clone();
    wpairs.push(("writer.topic", &t));
    let w = Writer::new(&config(bootstrap, &wpairs)).unwrap();
    let msgs: Vec<OutRecord> = [b"one".as_slice(), b"two", b"three"]
        .iter()
        .map(|v| OutRecord { value: Some(v), partition: -1, ..Default::default() })
        .collect();
    let offsets: Vec<i64> = w
        .write(&msgs, T, None)
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{label}: {e}")))
        .collect();
    assert_eq!(offsets, vec![0, 1, 2], "{label}");
    w.close(T, None, &mut |_| {}).unwrap();

    let leader = run(Conn::dial_leader(bootstrap, &t, 0, settings)).unwrap();
    run(leader.write_messages(
        &[OutMessage { value: Some(b"four"), ..Default::default() }],
        Compression::None,
        Duration::from_secs(10),
    ))
    .unwrap();
    assert_eq!(run(leader.read_last_offset()).unwrap(), 4, "{label}");

    let mut rpairs = pairs.clone();
    rpairs.push(("reader.topic", &t));
    let r = Reader::new(&config(bootstrap, &rpairs)).unwrap();
    let mut got = Vec::new();
    while got.len() < 4 {
        for m in r.read_batch(10, T, None).unwrap_or_else(|e| panic!("{label}: read: {e}")) {
            got.push(m.value.unwrap().to_vec());
        }
    }
    assert_eq!(got, vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec(), b"four".to_vec()], "{label}");
    r.close(T, None).unwrap();
}

#[test]
fn conn_reader_writer_over_plaintext() {
    roundtrip("plaintext", &single(), &[]);
}

#[test]
fn conn_reader_writer_over_ssl_with_a_client_certificate() {
    roundtrip("ssl", &ssl(), &mtls());
}

#[test]
fn conn_reader_writer_over_ssl_with_inline_pem_and_an_encrypted_key() {
    let read = |f: &str| std::fs::read_to_string(tls_file(f)).unwrap();
    let pairs = vec![
        ("security.protocol", "SSL".to_string()),
        ("ssl.ca.pem", read("ca.pem")),
        ("ssl.certificate.pem", read("client.pem")),
        ("ssl.key.pem", read("client-encrypted.key")),
        ("ssl.key.password", CLIENT_KEY_PASSWORD.to_string()),
    ];
    roundtrip("ssl-pem", &ssl(), &pairs);
}

#[test]
fn conn_reader_writer_over_sasl_plaintext_with_plain() {
    roundtrip("sp-plain", &sasl_plaintext(), &sasl("sasl_plaintext", "PLAIN", SASL_PASSWORD));
}

#[test]
fn conn_reader_writer_over_sasl_plaintext_with_scram_sha_256() {
    roundtrip("sp-s256", &sasl_plaintext(), &sasl("sasl_plaintext", "SCRAM-SHA-256", SASL_PASSWORD));
}

#[test]
fn conn_reader_writer_over_sasl_plaintext_with_scram_sha_512() {
    roundtrip("sp-s512", &sasl_plaintext(), &sasl("sasl_plaintext", "SCRAM-SHA-512", SASL_PASSWORD));
}

#[test]
fn conn_reader_writer_over_sasl_ssl_with_plain() {
    roundtrip("ss-plain", &sasl_ssl(), &sasl("sasl_ssl", "PLAIN", SASL_PASSWORD));
}

#[test]
fn conn_reader_writer_over_sasl_ssl_with_scram_sha_256() {
    roundtrip("ss-s256", &sasl_ssl(), &sasl("sasl_ssl", "SCRAM-SHA-256", SASL_PASSWORD));
}

#[test]
fn conn_reader_writer_over_sasl_ssl_with_scram_sha_512() {
    roundtrip("ss-s512", &sasl_ssl(), &sasl("sasl_ssl", "scram-sha-512", SASL_PASSWORD));
}

/// Dials with `pairs` and returns the error, with how long it took to come.
fn dial_error(addr: &str, pairs: &[(&'static str, String)]) -> (Error, Duration) {
    let mut pairs = borrow(pairs);
    pairs.push(("socket.connection.setup.timeout.ms", "10000"));
    let start = Instant::now();
    let e = run(Conn::dial(addr, settings_with(&pairs))).map(drop).expect_err("the dial should fail");
    (e, start.elapsed())
}

#[test]
fn a_wrong_password_is_sasl_authentication_failed_for_every_mechanism() {
    for (protocol, addr) in [("sasl_plaintext", sasl_plaintext()), ("sasl_ssl", sasl_ssl())] {
        for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
            let (e, took) = dial_error(&addr, &sasl(protocol, mechanism, "not-the-password"));
            eprintln!("{protocol} {mechanism}, wrong password: {e} after {took:?}");
            assert_eq!(e.code(), 58, "{protocol} {mechanism}: {e}");
            assert!(e.message().contains("authentication failed"), "{protocol} {mechanism}: {e}");
            assert!(!e.message().contains("not-the-password"), "{e}");
        }
    }
}

#[test]
fn an_unknown_user_is_sasl_authentication_failed() {
    let mut pairs = sasl("sasl_plaintext", "SCRAM-SHA-256", SASL_PASSWORD);
    pairs[2].1 = "nobody".into();
    let (e, _) = dial_error(&sasl_plaintext(), &pairs);
    assert_eq!(e.code(), 58, "{e}");
    assert!(e.message().contains("authentication failed"), "{e}");
}

#[test]
fn a_broker_certificate_from_an_untrusted_ca_is_a_tls_error_naming_unknown_issuer() {
    let mut pairs = mtls();
    pairs[1].1 = tls_file("untrusted-ca.pem");
    let (e, _) = dial_error(&ssl(), &pairs);
    assert_eq!(e.code(), code::TLS, "{e}");
    assert!(e.message().contains("UnknownIssuer"), "{e}");
    eprintln!("untrusted CA: {e}");
}

#[test]
fn without_a_ca_the_system_roots_are_used_and_do_not_trust_the_test_ca() {
    let pairs = [
        ("security.protocol", "sasl_ssl"),
        ("sasl.mechanisms", "PLAIN"),
        ("sasl.username", SASL_USER),
        ("sasl.password", SASL_PASSWORD),
        ("socket.connection.setup.timeout.ms", "10000"),
    ];
    let settings = match ConnSettings::from_config(&config("", &pairs)) {
        Ok(s) => s,
        // A machine without a system trust store: that is the clear error to expect.
        Err(e) => {
            assert_eq!(e.code(), code::CONFIG, "{e}");
            assert!(e.message().contains("system's trust store"), "{e}");
            return;
        }
    };
    let e = run(Conn::dial(&sasl_ssl(), settings)).map(drop).unwrap_err();
    assert_eq!(e.code(), code::TLS, "{e}");
    assert!(e.message().contains("UnknownIssuer"), "{e}");
}

#[test]
fn an_encrypted_key_needs_its_password_at_creation() {
    let mut pairs = mtls();
    pairs[3].1 = tls_file("client-encrypted.key");
    let e = ConnSettings::from_config(&config("", &borrow(&pairs))).unwrap_err();
    assert_eq!(e.code(), code::CONFIG, "{e}");
    assert!(e.message().contains("set ssl.key.password"), "{e}");
    pairs.push(("ssl.key.password", "wrong-key-pw".into()));
    let e = ConnSettings::from_config(&config("", &borrow(&pairs))).unwrap_err();
    assert!(e.message().contains("cannot decrypt") && !e.message().contains("wrong-key-pw"), "{e}");
    pairs.last_mut().unwrap().1 = CLIENT_KEY_PASSWORD.into();
    let conn =
        run(Conn::dial(&ssl(), ConnSettings::from_config(&config("", &borrow(&pairs))).unwrap())).unwrap();
    assert!(!run(conn.brokers()).unwrap().is_empty());
}

#[test]
fn a_certificate_for_another_host_is_a_tls_error_unless_hostname_checks_are_off() {
    // The broker's certificate names 127.0.0.1 only; "localhost" reaches the same listener.
    let port = ssl().rsplit_once(':').unwrap().1.to_string();
    let by_name = format!("localhost:{port}");
    let (e, _) = dial_error(&by_name, &mtls());
    assert_eq!(e.code(), code::TLS, "{e}");
    assert!(e.message().contains("not valid for \"localhost\""), "{e}");
    eprintln!("wrong host: {e}");

    let mut pairs = mtls();
    pairs.push(("ssl.endpoint.identification.algorithm", "none".into()));
    let conn = run(Conn::dial(&by_name, settings_with(&borrow(&pairs)))).unwrap();
    assert!(!run(conn.brokers()).unwrap().is_empty());
    // The chain is still checked with the hostname check off.
    pairs[1].1 = tls_file("untrusted-ca.pem");
    assert_eq!(dial_error(&by_name, &pairs).0.code(), code::TLS);
}

#[test]
fn disabling_verification_accepts_an_untrusted_certificate() {
    let mut pairs = mtls();
    pairs[1].1 = tls_file("untrusted-ca.pem");
    pairs.push(("enable.ssl.certificate.verification", "false".into()));
    run(Conn::dial(&ssl(), settings_with(&borrow(&pairs)))).unwrap();
}

#[test]
fn the_mtls_listener_refuses_a_client_without_a_certificate() {
    let pairs: Vec<_> = mtls().into_iter().take(2).collect();
    let (e, _) = dial_error(&ssl(), &pairs);
    eprintln!("no client certificate: {e}");
    assert_eq!(e.code(), code::TLS, "{e}");
    assert!(e.message().contains("certificate"), "{e}");
}

#[test]
fn tls_against_a_plaintext_listener_fails_clearly_without_hanging() {
    let pairs = vec![("security.protocol", "ssl".to_string()), ("ssl.ca.location", tls_file("ca.pem"))];
    let (e, took) = dial_error(&single(), &pairs);
    eprintln!("TLS client -> plaintext listener: {e} after {took:?}");
    assert_eq!(e.code(), code::TLS, "{e}");
    assert!(e.message().contains("plaintext"), "{e}");
}

#[test]
fn plaintext_against_a_tls_listener_fails_clearly_without_hanging() {
    for addr in [ssl(), sasl_ssl()] {
        let (e, took) = dial_error(&addr, &[]);
        eprintln!("plaintext client -> TLS listener {addr}: {e} after {took:?}");
        assert_ne!(e.code(), code::TIMED_OUT, "{e}");
        assert!(e.message().contains("security.protocol"), "{e}");
    }
}

#[test]
fn plaintext_against_a_sasl_listener_fails_clearly_without_hanging() {
    let settings = settings_with(&[("socket.connection.setup.timeout.ms", "10000")]);
    let r = run(async {
        let c = Conn::dial(&sasl_plaintext(), settings).await?;
        c.brokers().await
    });
    let e = r.expect_err("a SASL listener must refuse unauthenticated requests");
    eprintln!("plaintext client -> SASL listener: {e}");
    assert_ne!(e.code(), code::TIMED_OUT, "{e}");
    assert!(e.message().contains("if this is a SASL listener"), "{e}");
}

/// A failed login with a distinctive password, through a Writer with debug logging, a Reader
/// and a Conn: no log line, event, error or Debug output contains the password.
#[test]
fn a_failed_login_leaks_the_password_nowhere() {
    const CANARY: &str = "Canary-Pw-7f3a9c1e";
    let pairs = sasl("sasl_ssl", "SCRAM-SHA-512", CANARY);
    let mut seen = Vec::new();

    let (e, _) = dial_error(&sasl_ssl(), &pairs);
    seen.push(format!("{e} {e:?}"));

    let t = topic("sec-leak");
    let mut wpairs = borrow(&pairs);
    wpairs.extend([("writer.topic", t.as_str()), ("log_level", "7"), ("message.timeout.ms", "3000")]);
    let cfg = config(&sasl_ssl(), &wpairs);
    seen.push(format!("{cfg:?}"));
    let w = Writer::new(&cfg).unwrap();
    seen.push(format!("{:?}", w.settings()));
    let results =
        w.write(&[OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }], T, None).unwrap();
    assert!(results[0].is_err(), "a write with a wrong password must fail");
    seen.push(format!("{:?}", results));
    let mut logs = 0;
    w.close(T, None, &mut |ev| {
        if let Event::Log { .. } = ev {
            logs += 1;
        }
        seen.push(format!("{ev:?}"));
    })
    .ok();
    eprintln!("writer events: {logs} log lines");

    let mut rpairs = borrow(&pairs);
    rpairs.push(("reader.topic", &t));
    let r = Reader::new(&config(&sasl_ssl(), &rpairs)).unwrap();
    let e = r.read_batch(1, Some(Duration::from_secs(3)), None).map(drop).unwrap_err();
    seen.push(format!("{e} {e:?} {:?}", r.settings()));

    let all = seen.join("\n");
    assert!(all.contains("authentication failed"), "the failure should be reported: {all}");
    assert!(!all.contains(CANARY), "the password leaked:\n{all}");
}

/// A Writer whose login is refused fails its messages with the authentication error at once,
/// not when message.timeout.ms (here two minutes, longer than the write waits) runs out. Both
/// the idempotent writer (InitProducerId first) and the plain one.
#[test]
fn a_writer_with_a_wrong_password_fails_its_messages_with_the_login_error() {
    for idempotent in ["true", "false"] {
        let pairs = sasl("sasl_plaintext", "SCRAM-SHA-256", "not-the-password");
        let t = topic("sec-wrongpw");
        let mut wpairs = borrow(&pairs);
        wpairs.extend([
            ("writer.topic", t.as_str()),
            ("message.timeout.ms", "120000"),
            ("enable.idempotence", idempotent),
        ]);
        let w = Writer::new(&config(&sasl_plaintext(), &wpairs)).unwrap();
        let results = w
            .write(&[OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }], T, None)
            .unwrap();
        let e = results[0].as_ref().expect_err("a write with a wrong password must fail");
        assert_eq!(e.code(), 58, "idempotence {idempotent}: {e}");
        assert!(e.message().contains("authentication failed"), "{e}");
        w.close(T, None, &mut |_| {}).ok();
    }
}

/// Writes three messages through a Writer with `pairs` and returns its log lines (level,
/// message), every one served through close.
fn writer_logs(label: &str, bootstrap: &str, pairs: &[(&'static str, String)]) -> Vec<(i32, String)> {
    let t = topic(&format!("sec-{label}"));
    let mut wpairs = borrow(pairs);
    wpairs.extend([("writer.topic", t.as_str()), ("log_level", "7"), ("allow.auto.create.topics", "true")]);
    let w = Writer::new(&config(bootstrap, &wpairs)).unwrap();
    let mut logs = Vec::new();
    let mut sink = |e: Event| {
        if let Event::Log { level, message } = e {
            logs.push((level, message));
        }
    };
    for _ in 0..3 {
        let r = w
            .write(&[OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }], T, None)
            .unwrap();
        r[0].as_ref().unwrap_or_else(|e| panic!("{label}: {e}"));
        let _ = w.poll(Some(Duration::ZERO), None, &mut sink);
    }
    w.close(T, None, &mut sink).unwrap();
    logs
}

/// SASL PLAIN without TLS and TLS without certificate verification work, and the writer warns
/// about each exactly once (at creation), however many connections it opens; secure settings
/// warn about nothing.
#[test]
fn insecure_settings_are_warned_about_once_per_writer() {
    let insecure = |logs: &[(i32, String)]| -> Vec<(i32, String)> {
        logs.iter().filter(|(_, m)| m.contains("INSECURE")).cloned().collect()
    };
    let logs = writer_logs("warn-plain", &sasl_plaintext(), &sasl("sasl_plaintext", "PLAIN", SASL_PASSWORD));
    let warned = insecure(&logs);
    assert_eq!(warned.len(), 1, "{logs:?}");
    assert_eq!(warned[0].0, 4);
    assert!(warned[0].1.contains("sasl_plaintext") && warned[0].1.contains("PLAIN"), "{warned:?}");
    assert!(!logs.iter().any(|(_, m)| m.contains(SASL_PASSWORD)), "{logs:?}");

    let mut unverified = mtls();
    unverified[1].1 = tls_file("untrusted-ca.pem");
    unverified.push(("enable.ssl.certificate.verification", "false".into()));
    let logs = writer_logs("warn-noverify", &ssl(), &unverified);
    let warned = insecure(&logs);
    assert_eq!(warned.len(), 1, "{logs:?}");
    assert!(warned[0].1.contains("enable.ssl.certificate.verification=false"), "{warned:?}");

    for (label, addr, pairs) in [
        ("warn-scram", sasl_plaintext(), sasl("sasl_plaintext", "SCRAM-SHA-256", SASL_PASSWORD)),
        ("warn-sasl-ssl", sasl_ssl(), sasl("sasl_ssl", "PLAIN", SASL_PASSWORD)),
        ("warn-mtls", ssl(), mtls()),
    ] {
        let logs = writer_logs(label, &addr, &pairs);
        assert!(insecure(&logs).is_empty(), "{label}: {logs:?}");
    }
}

/// Every secret key (a SASL password, an inline private key and its password) stays out of the
/// config's Debug output, the handles' settings and get_redacted, while the connection that
/// uses them works. The inline key's PEM, final newline included, is stored exactly as given.
#[test]
fn secret_keys_are_redacted_everywhere_they_could_be_shown() {
    let read = |f: &str| std::fs::read_to_string(tls_file(f)).unwrap();
    let key_pem = read("client-encrypted.key");
    let body_line = key_pem.lines().nth(1).unwrap().to_string();
    let pairs = vec![
        ("security.protocol", "SSL".to_string()),
        ("ssl.ca.pem", read("ca.pem")),
        ("ssl.certificate.pem", read("client.pem")),
        ("ssl.key.pem", key_pem.clone()),
        ("ssl.key.password", CLIENT_KEY_PASSWORD.to_string()),
    ];
    let t = topic("sec-redact");
    let mut all = borrow(&pairs);
    all.push(("reader.topic", &t));
    let cfg = config(&ssl(), &all);
    assert_eq!(cfg.get("ssl.key.pem").unwrap(), key_pem, "stored exactly as given");
    let settings = ConnSettings::from_config(&cfg).unwrap();
    let conn = run(Conn::dial(&ssl(), settings.clone())).unwrap();
    assert!(!run(conn.brokers()).unwrap().is_empty());
    let r = Reader::new(&cfg).unwrap();
    let shown = [
        format!("{cfg:?}"),
        format!("{settings:?}"),
        format!("{:?}", r.settings()),
        format!("{:?}", Writer::new(&cfg).unwrap().settings()),
        cfg.get_redacted("ssl.key.pem").unwrap().to_string(),
        cfg.get_redacted("ssl.key.password").unwrap().to_string(),
    ]
    .join("\n");
    r.close(T, None).ok();
    assert!(!shown.contains(&body_line) && !shown.contains(CLIENT_KEY_PASSWORD), "a secret leaked:\n{shown}");
    assert!(shown.contains(kafka_rs::config::REDACTED), "{shown}");
}
