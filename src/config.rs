//! String key/value configuration with librdkafka's key names, checked key by key when set and
//! as a whole when a handle is created. Each key knows its type, default and range. Values of
//! secret keys are stored exactly as given, wiped from memory when dropped, and never appear in
//! error messages, `Debug` output or [`Config::get_redacted`] (what `kafka_config_get` returns).

use std::collections::BTreeMap;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// What [`Config::get_redacted`] (and so `kafka_config_get`) and `Debug` show instead of the
/// value of a secret key that has one.
pub const REDACTED: &str = "[redacted]";

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    /// A secret string (a password or a private key): stored exactly as given (not trimmed),
    /// never echoed back in errors, `Debug` or `get_redacted`.
    Secret,
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    Enum(&'static [&'static str]),
}

struct KeySpec {
    name: &'static str,
    kind: Kind,
    default: &'static str,
    doc: &'static str,
}

const fn key(name: &'static str, kind: Kind, default: &'static str, doc: &'static str) -> KeySpec {
    KeySpec { name, kind, default, doc }
}

const MAX_MS: i64 = i32::MAX as i64;

/// Every key the library understands: connection and security, Writer, Reader and group keys.
const KEYS: &[KeySpec] = &[
    key("bootstrap.servers", Kind::Str, "", "Comma-separated host:port list of brokers to start from."),
    key("client.id", Kind::Str, "libkafka_rs", "Client id sent to brokers (logs, quotas)."),
    key(
        "socket.connection.setup.timeout.ms",
        Kind::Int { min: 1, max: MAX_MS },
        "10000",
        "How long a TCP connect may take.",
    ),
    key(
        "socket.timeout.ms",
        Kind::Int { min: 10, max: MAX_MS },
        "60000",
        "How long a request may wait for the broker's response.",
    ),
    key(
        "receive.message.max.bytes",
        Kind::Int { min: 1000, max: i32::MAX as i64 },
        "100000000",
        "Largest response frame accepted from a broker.",
    ),
    key(
        "allow.auto.create.topics",
        Kind::Bool,
        "true",
        "Conn: ask the broker to create a missing topic when looking up a leader (default true, as kafka-go's DialLeader). Writer: unset means false (kafka-go's AllowAutoTopicCreation); true also creates a missing topic with CreateTopics where the broker's auto-creation is off."
    ),
    key(
        "security.protocol",
        Kind::Enum(&["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"]),
        "plaintext",
        "Transport security: TLS (ssl), SASL (sasl_plaintext), both (sasl_ssl) or neither. Case-insensitive.",
    ),
    key(
        "sasl.mechanisms",
        Kind::Enum(&["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
        "PLAIN",
        "SASL mechanism for sasl_plaintext/sasl_ssl (librdkafka's default GSSAPI is not supported).",
    ),
    key("sasl.username", Kind::Str, "", "SASL username (required with sasl_plaintext/sasl_ssl)."),
    key("sasl.password", Kind::Secret, "", "SASL password, used exactly as given (spaces included); never logged or shown in errors. With PLAIN over sasl_plaintext it crosses the network in clear text (a Writer logs a warning): prefer sasl_ssl or SCRAM."),
    key("ssl.ca.location", Kind::Str, "", "File of PEM CA certificates that brokers' certificates must chain to (default: the system's trust store)."),
    key("ssl.ca.pem", Kind::Str, "", "The same as PEM text, instead of a file."),
    key("ssl.certificate.location", Kind::Str, "", "Client certificate (PEM, leaf first) for mutual TLS; needs ssl.key.*."),
    key("ssl.certificate.pem", Kind::Str, "", "The client certificate as PEM text, instead of a file."),
    key("ssl.key.location", Kind::Str, "", "Client private key file (PEM: PKCS#8, RSA, EC, or encrypted PKCS#8 with ssl.key.password)."),
    key("ssl.key.pem", Kind::Secret, "", "The client private key as PEM text, instead of a file."),
    key("ssl.key.password", Kind::Secret, "", "Password of an encrypted PKCS#8 client key (PBES2: PBKDF2 or scrypt with AES-CBC), used exactly as given."),
    key(
        "enable.ssl.certificate.verification",
        Kind::Bool,
        "true",
        "false = INSECURE: accept any broker certificate (no CA or hostname check); a Writer logs a warning. For tests against throwaway brokers only.",
    ),
    key(
        "ssl.endpoint.identification.algorithm",
        Kind::Enum(&["https", "none"]),
        "https",
        "https: the broker's certificate must name the host dialed (hostname verification; SNI is always sent for DNS names). none: skip only the hostname check.",
    ),
    key(
        "log_level",
        Kind::Int { min: 0, max: 7 },
        "6",
        "Most verbose syslog level passed to the log callback (3 error, 4 warning, 6 info, 7 debug).",
    ),
    key(
        "metadata.max.age.ms",
        Kind::Int { min: 1, max: MAX_MS },
        "300000",
        "How long cached topic metadata is trusted before it is fetched again.",
    ),
    // ---- Writer ----
    key("writer.topic", Kind::Str, "", "Writer: the one topic every message goes to (else each message names its topic)."),
    key(
        "balancer",
        Kind::Enum(&[
            "round_robin",
            "least_bytes",
            "hash",
            "reference_hash",
            "crc32",
            "murmur2",
            "random",
            "consistent",
            "consistent_random",
            "murmur2_random",
            "fnv1a",
            "fnv1a_random",
        ]),
        "round_robin",
        "Writer: how a partition is chosen for a message without one (kafka-go and librdkafka names).",
    ),
    key(
        "balancer.chunk.size",
        Kind::Int { min: 1, max: MAX_MS },
        "1",
        "Writer: round_robin sends this many messages to a partition before moving on.",
    ),
    key(
        "acks",
        Kind::Enum(&["all", "-1", "1", "0", "one", "none", "leader"]),
        "all",
        "Writer: acknowledgements to wait for: all (-1), 1 (leader), 0 (none).",
    ),
    key(
        "enable.idempotence",
        Kind::Bool,
        "true",
        "Writer: producer id and sequence numbers so retries never duplicate or reorder (needs acks=all).",
    ),
    key(
        "max.in.flight.requests.per.connection",
        Kind::Int { min: 1, max: 1000 },
        "5",
        "Writer: produce requests in flight per broker connection (at most 5 with idempotence).",
    ),
    key(
        "linger.ms",
        Kind::Int { min: 0, max: 900000 },
        "0",
        "Writer: how long a batch may wait to fill; 0 sends as soon as a request slot is free (batches still fill while requests are in flight).",
    ),
    key("batch.num.messages", Kind::Int { min: 1, max: 1000000 }, "10000", "Writer: most messages in one partition batch."),
    key("batch.size", Kind::Int { min: 1, max: i32::MAX as i64 }, "1048576", "Writer: most bytes in one partition batch."),
    key(
        "queue.buffering.max.messages",
        Kind::Int { min: 1, max: i32::MAX as i64 },
        "1000000",
        "Writer: most messages whose delivery report the application does not have yet (waiting for delivery, or reported and not yet served by poll/flush/close); kafka_writer_produce and kafka_writer_write return KAFKA_ERR_QUEUE_FULL beyond it.",
    ),
    key(
        "queue.buffering.max.kbytes",
        Kind::Int { min: 1, max: i32::MAX as i64 },
        "1048576",
        "Writer: most KiB of messages (key + value + headers) whose delivery report the application does not have yet, counted like queue.buffering.max.messages (default 1 GiB, as librdkafka); KAFKA_ERR_QUEUE_FULL beyond it.",
    ),
    key(
        "compression.type",
        Kind::Enum(&["none", "gzip", "snappy", "lz4", "zstd"]),
        "none",
        "Writer: compression codec of produced batches.",
    ),
    key(
        "message.send.max.retries",
        Kind::Int { min: 0, max: i32::MAX as i64 },
        "2147483647",
        "Writer: how often a failed batch is retried (bounded by message.timeout.ms).",
    ),
    key("retry.backoff.ms", Kind::Int { min: 1, max: 300000 }, "100", "Writer: first wait before a retry."),
    key("retry.backoff.max.ms", Kind::Int { min: 1, max: 300000 }, "1000", "Writer: longest wait between retries."),
    key(
        "request.timeout.ms",
        Kind::Int { min: 1, max: 900000 },
        "30000",
        "Writer: how long the broker may take to acknowledge a produce request.",
    ),
    key(
        "message.timeout.ms",
        Kind::Int { min: 0, max: MAX_MS },
        "120000",
        "Writer: how long a message may take from produce to acknowledgement, retries included (0 = no limit).",
    ),
    // ---- Reader ----
    key("reader.topic", Kind::Str, "", "Reader: the topic to read (single-partition reader)."),
    key("reader.partition", Kind::Int { min: 0, max: i32::MAX as i64 }, "0", "Reader: the partition to read."),
    key(
        "auto.offset.reset",
        Kind::Enum(&["earliest", "smallest", "beginning", "latest", "largest", "end"]),
        "earliest",
        "Reader: where to start without an explicit offset, and where to go when the offset is out of range.",
    ),
    key("fetch.min.bytes", Kind::Int { min: 1, max: 100_000_000 }, "1", "Reader: the broker answers a fetch once it has this many bytes (or fetch.wait.max.ms passed)."),
    key("fetch.max.bytes", Kind::Int { min: 1024, max: i32::MAX as i64 }, "1048576", "Reader: most bytes one fetch returns (kafka-go's MaxBytes)."),
    key("fetch.max.decompressed.bytes", Kind::Int { min: 1 << 20, max: i32::MAX as i64 }, "67108864", "Reader: most bytes the compressed batches of one fetch response may decompress to together (each batch is also capped at 4 x fetch.max.bytes, at least 4 MiB; this cap is never below that). A batch past it is read by the next fetch. Not in librdkafka."),
    key("fetch.wait.max.ms", Kind::Int { min: 0, max: 300000 }, "500", "Reader: how long the broker may wait for fetch.min.bytes (kafka-go's MaxWait)."),
    key(
        "isolation.level",
        Kind::Enum(&["read_uncommitted", "read_committed"]),
        "read_uncommitted",
        "Reader: read_committed hides records of open and aborted transactions.",
    ),
    // ---- Consumer groups ----
    key("group.id", Kind::Str, "", "Reader: the consumer group; set it to read the partitions the group assigns (reader.partition is then ignored)."),
    key("group.instance.id", Kind::Str, "", "Reader: a static member id (KIP-345): close sends no LeaveGroup, and a restart within session.timeout.ms keeps the assignment without a rebalance; a second member with the same id fences the first (FENCED_INSTANCE_ID)."),
    key("reader.topics", Kind::Str, "", "Reader in a group: comma-separated topics to subscribe to (default: reader.topic)."),
    key("session.timeout.ms", Kind::Int { min: 1000, max: 3_600_000 }, "45000", "Reader in a group: a member silent this long is removed."),
    key("heartbeat.interval.ms", Kind::Int { min: 1, max: 3_600_000 }, "3000", "Reader in a group: how often the member heartbeats."),
    key("max.poll.interval.ms", Kind::Int { min: 1000, max: 86_400_000 }, "300000", "Reader in a group: how long a rebalance waits for members to rejoin."),
    key(
        "partition.assignment.strategy",
        Kind::Str,
        "range,roundrobin",
        "Reader in a group: comma-separated assignors in order of preference: range, roundrobin, cooperative-sticky, rack-affinity.",
    ),
    key("client.rack", Kind::Str, "", "Reader: this client's rack (for the rack-affinity assignor)."),
    key(
        "watch.partition.changes",
        Kind::Bool,
        "false",
        "Reader in a group (kafka-go's WatchPartitionChanges): the group leader polls the subscribed topics' metadata and makes the group rebalance when a partition count changes, so new partitions get read.",
    ),
    key(
        "topic.metadata.refresh.interval.ms",
        Kind::Int { min: 100, max: 86_400_000 },
        "5000",
        "Reader in a group with watch.partition.changes: how often the leader polls (kafka-go's PartitionWatchInterval and its default; librdkafka's key, whose default is 300000).",
    ),
    key(
        "auto.commit.interval.ms",
        Kind::Int { min: 0, max: 86_400_000 },
        "0",
        "Reader in a group: 0 = kafka_reader_read commits each message before returning it (kafka-go's default); more = commits gathered and sent at this interval and on close.",
    ),
];

/// Other spellings (Java client, older librdkafka) of the same keys.
const ALIASES: &[(&str, &str)] = &[
    ("delivery.timeout.ms", "message.timeout.ms"),
    ("retries", "message.send.max.retries"),
    ("compression.codec", "compression.type"),
    ("queue.buffering.max.ms", "linger.ms"),
    ("partitioner", "balancer"),
    ("request.required.acks", "acks"),
    ("sasl.mechanism", "sasl.mechanisms"),
];

fn spec(name: &str) -> Option<&'static KeySpec> {
    let name = ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, real)| real);
    KEYS.iter().find(|k| k.name == name)
}

fn check_value(spec: &KeySpec, value: &str) -> Result<()> {
    let shown =
        |v: &str| if matches!(spec.kind, Kind::Secret) { "(hidden)".to_string() } else { format!("\"{v}\"") };
    match spec.kind {
        Kind::Str | Kind::Secret => Ok(()),
        Kind::Int { min, max } => match value.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            Ok(_) => Err(Error::config(format!(
                "{}: value {} is out of range {min}..{max}",
                spec.name,
                shown(value)
            ))),
            Err(_) => Err(Error::config(format!("{}: value {} is not an integer", spec.name, shown(value)))),
        },
        Kind::Bool => parse_bool(value).map(|_| ()).ok_or_else(|| {
            Error::config(format!("{}: value {} is not true or false", spec.name, shown(value)))
        }),
        Kind::Enum(allowed) => {
            if allowed.iter().any(|a| a.eq_ignore_ascii_case(value.trim())) {
                Ok(())
            } else {
                Err(Error::config(format!(
                    "{}: value {} is not one of {}",
                    spec.name,
                    shown(value),
                    allowed.join(", ")
                )))
            }
        }
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn is_secret(spec: &KeySpec) -> bool {
    matches!(spec.kind, Kind::Secret)
}

/// A set of configuration values. Unset keys read as their defaults. Every value is wiped from
/// memory when it is replaced or the config is dropped (only the secret ones need it, but a
/// config is small and this way no path forgets one).
#[derive(Clone, Default)]
pub struct Config {
    values: BTreeMap<&'static str, Zeroizing<String>>,
}

/// Shows every key set, with the values of secret keys replaced by [`REDACTED`].
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            let secret = spec(k).is_some_and(is_secret);
            m.entry(k, &if secret { REDACTED } else { v.as_str() });
        }
        m.finish()
    }
}

impl Config {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key, rejecting an unknown key or a value of the wrong type. Values are stored
    /// without surrounding whitespace, except those of secret keys, which are stored exactly as
    /// given (a password may begin or end with a space).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let spec = spec(key).ok_or_else(|| {
            let hint = KEYS
                .iter()
                .filter(|k| k.name.split('.').any(|part| key.contains(part) && part.len() > 3))
                .map(|k| k.name)
                .collect::<Vec<_>>();
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", hint.join(" or "))
            };
            Error::config(format!("unknown configuration key \"{key}\"{hint}"))
        })?;
        check_value(spec, value)?;
        let stored = if is_secret(spec) { value } else { value.trim() };
        // The value replaced, if any, is wiped as it drops.
        self.values.insert(spec.name, Zeroizing::new(stored.to_string()));
        Ok(())
    }

    /// The value of a key as set, or its default. Secrets included: for the library's own use;
    /// what is shown to a user goes through [`Config::get_redacted`].
    pub fn get(&self, key: &str) -> Result<&str> {
        let spec = spec(key).ok_or_else(|| Error::config(format!("unknown configuration key \"{key}\"")))?;
        Ok(self.values.get(spec.name).map_or(spec.default, |v| v.as_str()))
    }

    /// As [`Config::get`], except that a secret key with a non-empty value reads as
    /// [`REDACTED`]: whether a secret is set can be seen, the secret cannot.
    pub fn get_redacted(&self, key: &str) -> Result<&str> {
        let value = self.get(key)?;
        Ok(if Config::is_secret_key(key) && !value.is_empty() { REDACTED } else { value })
    }

    /// Whether `key` (under any of its names) holds a secret: a password or a private key.
    pub fn is_secret_key(key: &str) -> bool {
        spec(key).is_some_and(is_secret)
    }

    /// Whether the user set the key explicitly (under any of its names).
    pub fn is_set(&self, key: &str) -> bool {
        spec(key).is_some_and(|s| self.values.contains_key(s.name))
    }

    pub fn get_int(&self, key: &str) -> Result<i64> {
        self.get(key)?.parse::<i64>().map_err(|_| Error::config(format!("{key}: not an integer")))
    }

    pub fn get_bool(&self, key: &str) -> Result<bool> {
        parse_bool(self.get(key)?).ok_or_else(|| Error::config(format!("{key}: not a boolean")))
    }

    pub fn get_ms(&self, key: &str) -> Result<Duration> {
        Ok(Duration::from_millis(self.get_int(key)?.max(0) as u64))
    }

    /// The bootstrap list, split on commas, without empty entries.
    pub fn bootstrap_servers(&self) -> Result<Vec<String>> {
        Ok(self
            .get("bootstrap.servers")?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect())
    }

    /// A description of every key, for documentation and `kafka_config_dump`-style tools.
    pub fn describe_keys() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
        KEYS.iter().map(|k| (k.name, k.default, k.doc))
    }

    /// The reference of every key as markdown (docs/configuration.md is this, checked by a test).
    pub fn reference_markdown() -> String {
        let mut out = String::from(
            "# Configuration keys\n\nGenerated from `src/config.rs` (a test fails when this file is stale; \
             regenerate with `KAFKA_RS_UPDATE_DOCS=1 cargo test --test docs`). Set keys with \
             `kafka_config_set(cfg, key, value)`; an unknown key or a bad value is `KAFKA_ERR_CONFIG`.\n\n\
             Values are stored without surrounding whitespace, except secrets (\"string (secret)\": \
             passwords and private keys), which are stored exactly as given, wiped from memory when \
             the configuration is freed (the copies a handle makes too, when it is closed; the TLS \
             library's parsed client key excepted), never shown in errors or logs, and read back by \
             `kafka_config_get` as `[redacted]` (the empty string when unset).\n\n\
             | key | default | values | meaning |\n|---|---|---|---|\n",
        );
        for k in KEYS {
            let values = match k.kind {
                Kind::Str => "string".to_string(),
                Kind::Secret => "string (secret)".to_string(),
                Kind::Int { min, max } => format!("{min}..{max}"),
                Kind::Bool => "true, false".to_string(),
                Kind::Enum(v) => v.join(", "),
            };
            let default =
                if k.default.is_empty() { "(none)".to_string() } else { format!("`{}`", k.default) };
            out.push_str(&format!("| `{}` | {default} | {values} | {} |\n", k.name, k.doc));
        }
        out.push_str("\nOther names accepted for the same keys:\n\n");
        for (alias, real) in ALIASES {
            out.push_str(&format!("- `{alias}` = `{real}`\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    #[test]
    fn defaults_and_typed_reads() {
        let mut c = Config::new();
        assert_eq!(c.get("client.id").unwrap(), "libkafka_rs");
        assert_eq!(c.get_ms("socket.timeout.ms").unwrap(), Duration::from_secs(60));
        c.set("socket.timeout.ms", " 1500 ").unwrap();
        assert_eq!(c.get_int("socket.timeout.ms").unwrap(), 1500);
        c.set("allow.auto.create.topics", "false").unwrap();
        assert!(!c.get_bool("allow.auto.create.topics").unwrap());
        c.set("bootstrap.servers", "a:1, b:2,,").unwrap();
        c.set("delivery.timeout.ms", "5000").unwrap();
        assert_eq!(c.get_int("message.timeout.ms").unwrap(), 5000);
        assert!(c.is_set("message.timeout.ms") && c.is_set("delivery.timeout.ms"));
        assert_eq!(c.bootstrap_servers().unwrap(), vec!["a:1", "b:2"]);
    }

    #[test]
    fn bad_keys_and_values_say_what_is_wrong() {
        let mut c = Config::new();
        let e = c.set("bootstrap.server", "x").unwrap_err();
        assert_eq!(e.code(), code::CONFIG);
        assert!(e.message().contains("unknown configuration key \"bootstrap.server\""), "{}", e.message());
        assert!(e.message().contains("bootstrap.servers"), "hint missing: {}", e.message());
        let e = c.set("socket.timeout.ms", "soon").unwrap_err();
        assert!(e.message().contains("not an integer"), "{}", e.message());
        let e = c.set("socket.timeout.ms", "-5").unwrap_err();
        assert!(e.message().contains("out of range"), "{}", e.message());
        let e = c.set("allow.auto.create.topics", "maybe").unwrap_err();
        assert!(e.message().contains("true or false"));
        let e = c.set("security.protocol", "carrier_pigeon").unwrap_err();
        assert!(e.message().contains("plaintext"));
    }

    #[test]
    fn secret_values_are_never_echoed() {
        let s = KeySpec { name: "sasl.password", kind: Kind::Secret, default: "", doc: "" };
        check_value(&s, "hunter2").unwrap();
        let s = KeySpec { name: "x", kind: Kind::Secret, default: "", doc: "" };
        assert!(check_value(&s, "anything").is_ok());
        let mut c = Config::new();
        c.set("sasl.password", "hunter2").unwrap();
        c.set("ssl.key.password", "hunter3").unwrap();
        c.set("sasl.username", "alice").unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("alice") && !d.contains("hunter2") && !d.contains("hunter3"), "{d}");
        assert!(d.contains(REDACTED), "{d}");
    }

    /// The secret keys of the table: a key whose name says it holds a password, a private key
    /// or a token must be one, so a new key cannot be added as a plain string by mistake.
    #[test]
    fn every_secret_looking_key_is_a_secret() {
        let secret: Vec<&str> = KEYS.iter().filter(|k| is_secret(k)).map(|k| k.name).collect();
        assert_eq!(secret, ["sasl.password", "ssl.key.pem", "ssl.key.password"]);
        for k in KEYS {
            let looks_secret = ["password", "secret", "token", "credential", "key.pem", "jaas"]
                .iter()
                .any(|w| k.name.contains(w));
            assert_eq!(looks_secret, is_secret(k), "{}", k.name);
            assert_eq!(is_secret(k), Config::is_secret_key(k.name), "{}", k.name);
        }
    }

    #[test]
    fn get_redacted_hides_every_secret_and_debug_too() {
        let mut c = Config::new();
        let secrets: Vec<&str> = KEYS.iter().filter(|k| is_secret(k)).map(|k| k.name).collect();
        for k in &secrets {
            // Unset: the empty default, which reveals nothing.
            assert_eq!(c.get_redacted(k).unwrap(), "", "{k}");
            c.set(k, &format!("value-of-{k}")).unwrap();
        }
        c.set("sasl.username", "alice").unwrap();
        let d = format!("{c:?}");
        for k in &secrets {
            assert_eq!(c.get_redacted(k).unwrap(), REDACTED, "{k}");
            assert_eq!(c.get(k).unwrap(), format!("value-of-{k}"), "the library still reads it");
            assert!(!d.contains(&format!("value-of-{k}")), "{d}");
        }
        assert_eq!(c.get_redacted("sasl.username").unwrap(), "alice");
        assert_eq!(c.get_redacted("client.id").unwrap(), "libkafka_rs");
        assert!(c.get_redacted("no.such.key").is_err());
        // Set to empty: nothing to hide.
        c.set("sasl.password", "").unwrap();
        assert_eq!(c.get_redacted("sasl.password").unwrap(), "");
    }

    #[test]
    fn secrets_are_stored_exactly_as_given_other_values_trimmed() {
        let mut c = Config::new();
        for pw in [" leading", "trailing ", "\tboth\n", "   "] {
            c.set("sasl.password", pw).unwrap();
            assert_eq!(c.get("sasl.password").unwrap(), pw);
            c.set("ssl.key.password", pw).unwrap();
            assert_eq!(c.get("ssl.key.password").unwrap(), pw);
        }
        let pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        c.set("ssl.key.pem", pem).unwrap();
        assert_eq!(c.get("ssl.key.pem").unwrap(), pem);
        c.set("client.id", "  app \n").unwrap();
        assert_eq!(c.get("client.id").unwrap(), "app");
        c.set("sasl.username", " alice ").unwrap();
        assert_eq!(c.get("sasl.username").unwrap(), "alice");
    }
}
