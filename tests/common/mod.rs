//! Shared by the integration tests: the local brokers started by scripts/kafka-local.sh, unique
//! topic names, and a blocking runner on the library's runtime.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, ConnSettings, TopicSpec};
use kafka_rs::runtime::block_on;
use kafka_rs::Result;

/// The single-node broker (auto-create on).
pub fn single() -> String {
    std::env::var("KAFKA_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

/// The 3-node cluster (auto-create off).
pub fn cluster() -> Vec<String> {
    std::env::var("KAFKA_CLUSTER_BOOTSTRAP")
        .unwrap_or_else(|_| "127.0.0.1:9192,127.0.0.1:9292,127.0.0.1:9392".into())
        .split(',')
        .map(String::from)
        .collect()
}

/// A topic name no other test or run uses.
pub fn topic(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros();
    format!("{prefix}-{t}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

pub fn settings() -> ConnSettings {
    ConnSettings::from_config(&Config::new()).unwrap()
}

pub fn settings_with(pairs: &[(&str, &str)]) -> ConnSettings {
    let mut c = Config::new();
    for (k, v) in pairs {
        c.set(k, v).unwrap();
    }
    ConnSettings::from_config(&c).unwrap()
}

/// Runs `fut` on the library's runtime with a 60 s limit.
pub fn run<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    block_on(fut, Some(Duration::from_secs(60)), None)
}

/// The single node's SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256/512).
pub fn sasl_plaintext() -> String {
    std::env::var("KAFKA_SASL_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9094".into())
}

/// The single node's SSL listener (mutual TLS: a client certificate is required).
pub fn ssl() -> String {
    std::env::var("KAFKA_SSL_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9095".into())
}

/// The single node's SASL_SSL listener (TLS with the server certificate only, plus SASL).
pub fn sasl_ssl() -> String {
    std::env::var("KAFKA_SASL_SSL_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9096".into())
}

/// The test users scripts/kafka-local.sh creates (fixed test values).
pub const SASL_USER: &str = "kafkars";
pub const SASL_PASSWORD: &str = "kafkars-secret";
pub const CLIENT_KEY_PASSWORD: &str = "client-key-secret";

/// A file of the single node's TLS material (ca.pem, client.pem, client.key, ...):
/// $KAFKA_TLS_DIR, else $KAFKA_RS_RUN/single/tls, else the default run dir's.
pub fn tls_file(name: &str) -> String {
    let dir = std::env::var("KAFKA_TLS_DIR").unwrap_or_else(|_| {
        let run = std::env::var("KAFKA_RS_RUN").unwrap_or_else(|_| "/tmp/libkafka_rs-kafka".into());
        format!("{run}/single/tls")
    });
    format!("{dir}/{name}")
}

/// Creates `topic` with `partitions` partitions (replication factor 1) on the single node.
pub fn create_topic(topic: &str, partitions: i32) {
    let conn = run(Conn::dial(&single(), settings())).unwrap();
    let spec = TopicSpec {
        name: topic.into(),
        num_partitions: partitions,
        replication_factor: 1,
        ..Default::default()
    };
    run(conn.create_topics(&[spec], Duration::from_secs(30))).unwrap();
}
