//! Our balancers against librdkafka's partitioners, through kcat and the real local broker
//! (scripts/kafka-local.sh start): kcat produces 10,000 distinct keyed messages to a 7-partition
//! topic and lets its partitioner choose; we read every partition back and check that our
//! balancer puts every key in the partition librdkafka chose.
//!
//! - `consistent_random` (librdkafka's default) ↔ [`Crc32`] (kafka-go's `CRC32Balancer`).
//! - `murmur2_random` ↔ [`Murmur2`] (kafka-go's `Murmur2Balancer`). For non-null keys this is
//!   also the Java client's default partitioner: librdkafka documents it as functionally
//!   equivalent, and both compute `(murmur2(key) & 0x7fffffff) % n`.
//! - `fnv1a_random` ↔ [`Hash`] (kafka-go's `Hash`, which is sarama's `NewHashPartitioner`) and
//!   [`Fnv1a`]. For non-null keys librdkafka's `abs(int32(h)) % n` and sarama's
//!   `abs(int32(h) % n)` are the same number.
//!
//! Null keys are not compared: every one of these sends them to a random partition (kafka-go's
//! `Hash` to its round robin), so there is nothing to match.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::conn::{Conn, TopicSpec};
use kafka_rs::writer::balancer::{build, Balancer, BalancerKind, Crc32, Fnv1a, Hash, Murmur2, ReferenceHash};

const PARTITIONS: i32 = 7;
const KEYS: usize = 10_000;

fn kcat_available() -> bool {
    Command::new("kcat").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// `n` distinct, non-empty keys of 1 to 48 bytes, any byte except kcat's delimiters (tab,
/// newline), NUL and CR, so high bytes (negative as Java bytes) and every tail length of
/// murmur2 occur.
fn keys(n: usize) -> Vec<Vec<u8>> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let len = 1 + (next() % 48) as usize;
        let key: Vec<u8> = (0..len)
            .map(|_| loop {
                let b = next() as u8;
                if !matches!(b, 0 | b'\t' | b'\n' | b'\r') {
                    break b;
                }
            })
            .collect();
        if seen.insert(key.clone()) {
            out.push(key);
        }
    }
    out
}

/// Creates `topic` with 7 partitions and waits until metadata shows all of them with a leader.
fn create_topic(topic: &str) {
    let conn = run(Conn::dial(&single(), settings())).unwrap();
    let spec = TopicSpec {
        name: topic.to_string(),
        num_partitions: PARTITIONS,
        replication_factor: 1,
        ..Default::default()
    };
    run(conn.create_topics(&[spec], Duration::from_secs(30))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let parts = run(conn.read_partitions(&[topic.to_string()]));
        if let Ok(parts) = &parts {
            if parts.len() == PARTITIONS as usize && parts.iter().all(|p| p.leader >= 0) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "topic {topic} not ready: {parts:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Lets kcat produce `key\tvalue` lines with the given partitioner and no partition.
fn kcat_produce(topic: &str, partitioner: &str, keys: &[Vec<u8>]) {
    let mut child = Command::new("kcat")
        .args(["-P", "-b", &single(), "-t", topic, "-K", "\t"])
        .args(["-X", &format!("partitioner={partitioner}"), "-X", "linger.ms=20"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = std::io::BufWriter::new(child.stdin.take().unwrap());
        for (i, k) in keys.iter().enumerate() {
            stdin.write_all(k).unwrap();
            writeln!(stdin, "\tv{i}").unwrap();
        }
        stdin.flush().unwrap();
    }
    assert!(child.wait().unwrap().success(), "kcat -P with partitioner={partitioner} failed");
}

/// Every message of every partition: key → partition.
fn read_back(topic: &str) -> HashMap<Vec<u8>, i32> {
    let mut placed = HashMap::new();
    for p in 0..PARTITIONS {
        let conn = run(Conn::dial_leader(&single(), topic, p, settings())).unwrap();
        let last = run(conn.read_last_offset()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut next = 0;
        while next < last {
            assert!(Instant::now() < deadline, "partition {p}: stuck at {next} of {last}");
            let mut batch = run(conn.read_batch(1, 8 << 20, Duration::from_millis(500), false)).unwrap();
            while let Some(m) = batch.next_message().unwrap() {
                let key = m.key.expect("kcat wrote a key").to_vec();
                assert!(placed.insert(key, p).is_none(), "a key was written twice");
                next = m.offset + 1;
            }
        }
    }
    placed
}

/// How many of `keys` the balancer puts where kcat put them.
fn agreeing(balancer: &dyn Balancer, keys: &[Vec<u8>], placed: &HashMap<Vec<u8>, i32>) -> usize {
    let partitions: Vec<i32> = (0..PARTITIONS).collect();
    keys.iter().filter(|k| balancer.balance(Some(k), k.len() + 6, &partitions) == placed[*k]).count()
}

/// Produces with kcat's `partitioner`, then checks each balancer against where every key went,
/// and that `control` (another hash) disagrees on at least a tenth of them, so the comparison
/// can fail.
fn check(partitioner: &str, ours: &[(&str, &dyn Balancer)], control: (&str, &dyn Balancer)) {
    assert!(kcat_available(), "kcat is not installed (scripts/install-deps.sh installs it)");
    let topic = topic(&format!("balancer-{partitioner}"));
    create_topic(&topic);
    let keys = keys(KEYS);
    kcat_produce(&topic, partitioner, &keys);
    let placed = read_back(&topic);
    assert_eq!(placed.len(), KEYS, "{partitioner}: messages read back");

    let partitions: Vec<i32> = (0..PARTITIONS).collect();
    let mut per_partition = vec![0usize; PARTITIONS as usize];
    for p in placed.values() {
        per_partition[*p as usize] += 1;
    }
    for (name, balancer) in ours {
        let mismatches: Vec<(&Vec<u8>, i32, i32)> = keys
            .iter()
            .filter_map(|k| {
                let theirs = placed[k];
                let mine = balancer.balance(Some(k), k.len() + 6, &partitions);
                (mine != theirs).then_some((k, mine, theirs))
            })
            .collect();
        println!(
            "kcat partitioner={partitioner}: {} keys in partitions {per_partition:?}; {name}: {} of {} agree",
            placed.len(),
            KEYS - mismatches.len(),
            KEYS
        );
        assert!(
            mismatches.is_empty(),
            "{partitioner} vs {name}: {} keys differ, first (key, ours, kcat's): {:?}",
            mismatches.len(),
            &mismatches[..mismatches.len().min(5)]
        );
    }
    let control_agrees = agreeing(control.1, &keys, &placed);
    println!("kcat partitioner={partitioner}: control {}: {control_agrees} of {KEYS} agree", control.0);
    assert!(
        control_agrees < KEYS * 9 / 10,
        "{partitioner}: the control {} agrees on {control_agrees}",
        control.0
    );
    // 10,000 keys over 7 partitions: every partition gets some.
    assert!(per_partition.iter().all(|&c| c > 1000), "{partitioner}: {per_partition:?}");
}

#[test]
fn crc32_places_keys_like_librdkafka_consistent_random() {
    let by_name = build("consistent_random".parse::<BalancerKind>().unwrap(), 1);
    check(
        "consistent_random",
        &[
            ("Crc32", &Crc32 { consistent: false }),
            ("Crc32 consistent", &Crc32 { consistent: true }),
            ("consistent_random", by_name.as_ref()),
        ],
        ("Murmur2", &Murmur2 { consistent: false }),
    );
}

#[test]
fn murmur2_places_keys_like_librdkafka_murmur2_random_and_the_java_client() {
    let by_name = build("murmur2_random".parse::<BalancerKind>().unwrap(), 1);
    check(
        "murmur2_random",
        &[
            ("Murmur2", &Murmur2 { consistent: false }),
            ("Murmur2 consistent", &Murmur2 { consistent: true }),
            ("murmur2_random", by_name.as_ref()),
        ],
        ("Crc32", &Crc32 { consistent: false }),
    );
}

#[test]
fn hash_places_keys_like_librdkafka_fnv1a_random() {
    let by_name = build("fnv1a_random".parse::<BalancerKind>().unwrap(), 1);
    check(
        "fnv1a_random",
        &[
            ("Hash", &Hash::new()),
            ("Fnv1a", &Fnv1a { consistent: false }),
            ("fnv1a_random", by_name.as_ref()),
        ],
        // The same FNV-1a hash, reduced the Java way: differs for negative hashes.
        ("ReferenceHash", &ReferenceHash),
    );
}
