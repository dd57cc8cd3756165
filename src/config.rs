//! String key/value configuration with librdkafka's key names, checked key by key when set and
//! as a whole when a handle is created. Each key knows its type, default and range; values of
//! secret keys never appear in error messages.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    /// A secret string: never echoed back in errors (the SASL and TLS keys use it).
    #[allow(dead_code)]
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

/// Every key the library understands. Later issues add the Writer, Reader and security keys.
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
        "Ask the broker to create a missing topic when looking up its leader (if the broker allows it).",
    ),
    key(
        "security.protocol",
        Kind::Enum(&["plaintext"]),
        "plaintext",
        "Transport security (TLS/SASL: coming).",
    ),
];

fn spec(name: &str) -> Option<&'static KeySpec> {
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

/// A set of configuration values. Unset keys read as their defaults.
#[derive(Clone, Debug, Default)]
pub struct Config {
    values: BTreeMap<&'static str, String>,
}

impl Config {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key, rejecting an unknown key or a value of the wrong type.
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
        self.values.insert(spec.name, value.trim().to_string());
        Ok(())
    }

    /// The value of a key as set, or its default.
    pub fn get(&self, key: &str) -> Result<&str> {
        let spec = spec(key).ok_or_else(|| Error::config(format!("unknown configuration key \"{key}\"")))?;
        Ok(self.values.get(spec.name).map_or(spec.default, String::as_str))
    }

    /// Whether the user set the key explicitly.
    pub fn is_set(&self, key: &str) -> bool {
        self.values.contains_key(key)
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
    }
}
