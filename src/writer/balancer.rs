//! Balancers choose the partition a message is written to, with kafka-go's algorithms
//! (balancer.go) and the partitioners of librdkafka, the Java client and sarama that they copy.
//!
//! Every balancer gets the message key (`None` = a null key, `Some(&[])` = an empty key; the two
//! are different for most balancers), the message size and the topic's partition ids in
//! ascending order, and returns one of those ids.
//!
//! | balancer | partition for a key | null key | empty key |
//! |---|---|---|---|
//! | [`RoundRobin`] | `partitions[(counter / chunk) % n]` | same | same |
//! | [`LeastBytes`] | fewest bytes so far | same | same |
//! | [`Hash`] | FNV-1a: `abs(int32(h) % n)` (sarama `NewHashPartitioner`) | round robin | hashed |
//! | [`ReferenceHash`] | FNV-1a: `(int32(h) & 0x7fffffff) % n` (sarama reference) | random | hashed |
//! | [`Crc32`] | `crc32(key) % n` (librdkafka `consistent_random`) | random | random |
//! | [`Crc32`] consistent | same (librdkafka `consistent`) | hashed as empty | hashed |
//! | [`Murmur2`] | `(murmur2(key) & 0x7fffffff) % n` (Java, librdkafka `murmur2_random`) | random | hashed |
//! | [`Murmur2`] consistent | same (librdkafka `murmur2`) | hashed as empty | hashed |
//! | [`Fnv1a`] | `abs(int32(h)) % n` (librdkafka `fnv1a_random`) | random | hashed |
//! | [`Fnv1a`] consistent | same (librdkafka `fnv1a`) | hashed as empty | hashed |
//! | [`Random`] | uniform | same | same |
//!
//! For a key, `abs(int32(h) % n)` and `abs(int32(h)) % n` are the same number (also for
//! `h = 0x80000000`, where both are `2^31 % n`), so [`Hash`] and [`Fnv1a`] place keyed messages
//! identically; only their null-key rules differ.
//!
//! One deliberate difference from kafka-go: its `Hash` and `ReferenceHash` return the *index*
//! into the partition list rather than the id at that index. Its Writer always passes
//! `0..n`, where the two are equal; here every balancer returns the id, so the result is one of
//! `partitions` for any list.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// Chooses a partition for a message.
pub trait Balancer: Send + Sync {
    /// Returns one of `partitions` for a message with this key (`None` = null key) whose key
    /// and value together are `message_bytes` long. `partitions` holds the topic's partition
    /// ids in ascending order; callers never pass an empty list (the built-in balancers answer
    /// -1 if they do).
    fn balance(&self, key: Option<&[u8]>, message_bytes: usize, partitions: &[i32]) -> i32;
}

// ---- hash functions ----------------------------------------------------------------------------

/// Kafka's murmur2 (the Java client's `Utils.murmur2`, librdkafka's `rd_murmur2`): seed
/// `0x9747b28c`, little-endian 4-byte words, wrapping 32-bit arithmetic.
pub fn murmur2(data: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java hashes an int length; keys longer than 2^31 bytes do not exist in Kafka.
    let mut h = SEED ^ data.len() as u32;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let mut k = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = words.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// 32-bit FNV-1a (Go's `hash/fnv.New32a`): offset basis `0x811c9dc5`, prime `0x01000193`.
pub fn fnv1a32(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// IEEE CRC-32 (zlib's `crc32`, Go's `crc32.ChecksumIEEE`, librdkafka's `rd_crc32`).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

// ---- randomness --------------------------------------------------------------------------------

/// A uniformly distributed 64-bit number. SplitMix64 over one process-wide atomic counter seeded
/// from the clock: one atomic add per number and no retry loop, so threads never wait on each
/// other. Not for cryptography.
fn random_u64() -> u64 {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        mix64(nanos ^ (u64::from(std::process::id()) << 32))
    });
    mix64(seed.wrapping_add(COUNTER.fetch_add(GAMMA, Ordering::Relaxed)))
}

/// SplitMix64's output function.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniformly chosen element of `partitions` (-1 if empty).
fn random_of(partitions: &[i32]) -> i32 {
    // The high bits of x * n: uniform up to a bias of n / 2^64.
    let i = ((u128::from(random_u64()) * partitions.len() as u128) >> 64) as usize;
    partitions.get(i).copied().unwrap_or(-1)
}

/// `partitions[i]`, or -1 for an empty list.
fn at(partitions: &[i32], i: usize) -> i32 {
    partitions.get(i).copied().unwrap_or(-1)
}

/// The partition count as Go's `int32(len(partitions))`.
fn count_i32(partitions: &[i32]) -> i32 {
    i32::try_from(partitions.len()).unwrap_or(i32::MAX)
}

// ---- balancers ---------------------------------------------------------------------------------

/// kafka-go's `RoundRobin`: `chunk_size` consecutive messages go to one partition, then the
/// next. The counter is a wrapping `u32`, as in kafka-go, kept in an atomic instead of behind a
/// mutex. A chunk size below 1 means 1. Keys are ignored.
#[derive(Debug, Default)]
pub struct RoundRobin {
    chunk_size: usize,
    counter: AtomicU32,
}

impl RoundRobin {
    pub fn new(chunk_size: usize) -> Self {
        RoundRobin { chunk_size, counter: AtomicU32::new(0) }
    }

    /// The chunk size in effect (at least 1).
    pub fn chunk_size(&self) -> usize {
        self.chunk_size.max(1)
    }
}

impl Balancer for RoundRobin {
    fn balance(&self, _key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        if partitions.is_empty() {
            return -1;
        }
        let chunk = u32::try_from(self.chunk_size.max(1)).unwrap_or(u32::MAX);
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        at(partitions, (n / chunk) as usize % partitions.len())
    }
}

/// kafka-go's `LeastBytes`: each message goes to the partition that has been given the fewest
/// bytes (key + value) by this balancer so far, the lowest id on a tie. The counts start again
/// from zero whenever the partition list changes (kafka-go checks only its length; a list of the
/// same length with other ids would make it return stale ids).
#[derive(Debug, Default)]
pub struct LeastBytes {
    /// (partition id, bytes sent to it), in the order of the last partition list.
    counters: Mutex<Vec<(i32, u64)>>,
}

impl LeastBytes {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Balancer for LeastBytes {
    fn balance(&self, _key: Option<&[u8]>, message_bytes: usize, partitions: &[i32]) -> i32 {
        if partitions.is_empty() {
            return -1;
        }
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        if counters.len() != partitions.len() || counters.iter().zip(partitions).any(|(c, p)| c.0 != *p) {
            *counters = partitions.iter().map(|&p| (p, 0)).collect();
        }
        let mut best = 0;
        for (i, c) in counters.iter().enumerate().skip(1) {
            if c.1 < counters[best].1 {
                best = i;
            }
        }
        let c = &mut counters[best];
        c.1 = c.1.saturating_add(message_bytes as u64);
        c.0
    }
}

/// kafka-go's `Hash` (with its default FNV-1a hasher), which is sarama's `NewHashPartitioner`:
/// `p = int32(fnv1a(key)) % n; if p < 0 { p = -p }`. A null key goes to the balancer's own
/// round robin; an empty key is hashed.
#[derive(Debug, Default)]
pub struct Hash {
    rr: RoundRobin,
}

impl Hash {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Balancer for Hash {
    fn balance(&self, key: Option<&[u8]>, message_bytes: usize, partitions: &[i32]) -> i32 {
        let Some(key) = key else {
            return self.rr.balance(None, message_bytes, partitions);
        };
        if partitions.is_empty() {
            return -1;
        }
        // Go's % truncates toward zero, like Rust's; |p| < n, so -p cannot overflow.
        let p = (fnv1a32(key) as i32 % count_i32(partitions)).abs();
        at(partitions, p as usize)
    }
}

/// kafka-go's `ReferenceHash` (default FNV-1a), which is sarama's
/// `NewReferenceHashPartitioner`: `(int32(fnv1a(key)) & 0x7fffffff) % n`. A null key goes to a
/// random partition; an empty key is hashed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReferenceHash;

impl Balancer for ReferenceHash {
    fn balance(&self, key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        let Some(key) = key else {
            return random_of(partitions);
        };
        if partitions.is_empty() {
            return -1;
        }
        let p = (fnv1a32(key) as i32 & 0x7fff_ffff) % count_i32(partitions);
        at(partitions, p as usize)
    }
}

/// kafka-go's `CRC32Balancer`, which is librdkafka's `consistent_random` (or `consistent` when
/// `consistent` is set): `partitions[crc32(key) % n]`, unsigned. Null and empty keys are the
/// same to it: random, or with `consistent` hashed like an empty key (CRC 0, so the first
/// partition).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Crc32 {
    pub consistent: bool,
}

impl Balancer for Crc32 {
    fn balance(&self, key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        let key = key.unwrap_or_default();
        if key.is_empty() && !self.consistent {
            return random_of(partitions);
        }
        if partitions.is_empty() {
            return -1;
        }
        at(partitions, (crc32(key) % partitions.len() as u32) as usize)
    }
}

/// kafka-go's `Murmur2Balancer`, which is the Java client's partitioner for keyed records and
/// librdkafka's `murmur2_random` (or `murmur2` when `consistent` is set):
/// `partitions[(murmur2(key) & 0x7fffffff) % n]`. A null key goes to a random partition, or with
/// `consistent` is hashed like an empty key; an empty key is always hashed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Murmur2 {
    pub consistent: bool,
}

impl Balancer for Murmur2 {
    fn balance(&self, key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        if key.is_none() && !self.consistent {
            return random_of(partitions);
        }
        if partitions.is_empty() {
            return -1;
        }
        let h = murmur2(key.unwrap_or_default()) & 0x7fff_ffff;
        at(partitions, (h % partitions.len() as u32) as usize)
    }
}

/// librdkafka's `fnv1a_random` (or `fnv1a` when `consistent` is set):
/// `partitions[abs(int32(fnv1a(key))) % n]`, which places every key where [`Hash`] does. A null
/// key goes to a random partition (where [`Hash`] uses round robin), or with `consistent` is
/// hashed like an empty key; an empty key is always hashed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fnv1a {
    pub consistent: bool,
}

impl Balancer for Fnv1a {
    fn balance(&self, key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        if key.is_none() && !self.consistent {
            return random_of(partitions);
        }
        if partitions.is_empty() {
            return -1;
        }
        // librdkafka negates an int32 and reads it back as uint32: INT32_MIN stays 2^31.
        let h = (fnv1a32(key.unwrap_or_default()) as i32).unsigned_abs();
        at(partitions, (h % partitions.len() as u32) as usize)
    }
}

/// A uniformly random partition for every message (librdkafka's `random`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Random;

impl Balancer for Random {
    fn balance(&self, _key: Option<&[u8]>, _message_bytes: usize, partitions: &[i32]) -> i32 {
        random_of(partitions)
    }
}

/// The signature of a balancing function: (key, message bytes, partitions) → partition.
pub type BalanceFn = dyn Fn(Option<&[u8]>, usize, &[i32]) -> i32 + Send + Sync;

/// A balancer made from a function (kafka-go's `BalancerFunc`). Nothing checks that the function
/// returns one of the partitions it was given; the caller of `balance` must.
pub struct FnBalancer(Box<BalanceFn>);

impl FnBalancer {
    pub fn new(f: impl Fn(Option<&[u8]>, usize, &[i32]) -> i32 + Send + Sync + 'static) -> Self {
        FnBalancer(Box::new(f))
    }
}

impl fmt::Debug for FnBalancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnBalancer")
    }
}

impl Balancer for FnBalancer {
    fn balance(&self, key: Option<&[u8]>, message_bytes: usize, partitions: &[i32]) -> i32 {
        (self.0)(key, message_bytes, partitions)
    }
}

// ---- names -------------------------------------------------------------------------------------

/// A balancer named in configuration: kafka-go's balancers by snake-case name, and librdkafka's
/// `partitioner` values.
///
/// | name | balancer |
/// |---|---|
/// | `round_robin` (default, as in kafka-go's Writer) | [`RoundRobin`] |
/// | `least_bytes` | [`LeastBytes`] |
/// | `hash` | [`Hash`] |
/// | `reference_hash` | [`ReferenceHash`] |
/// | `crc32`, `consistent_random` | [`Crc32`] |
/// | `consistent` | [`Crc32`] consistent |
/// | `murmur2_random` | [`Murmur2`] |
/// | `murmur2` | [`Murmur2`] consistent |
/// | `fnv1a_random` | [`Fnv1a`] |
/// | `fnv1a` | [`Fnv1a`] consistent |
/// | `random` | [`Random`] |
///
/// `murmur2` is librdkafka's name and means what it means there: a null key is hashed like an
/// empty one. kafka-go's `Murmur2Balancer{}` (null key → random) is `murmur2_random`. The two
/// place every non-null key identically. Likewise `fnv1a`/`fnv1a_random` place keys exactly as
/// `hash` does and differ from it only for null keys (hashed / random instead of round robin).
/// Names are matched ignoring ASCII case and surrounding spaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BalancerKind {
    #[default]
    RoundRobin,
    LeastBytes,
    Hash,
    ReferenceHash,
    Crc32,
    Murmur2,
    Random,
    Consistent,
    ConsistentRandom,
    Murmur2Random,
    Fnv1a,
    Fnv1aRandom,
}

impl BalancerKind {
    /// Every kind, in the order of the table above.
    pub const ALL: [BalancerKind; 12] = [
        BalancerKind::RoundRobin,
        BalancerKind::LeastBytes,
        BalancerKind::Hash,
        BalancerKind::ReferenceHash,
        BalancerKind::Crc32,
        BalancerKind::Murmur2,
        BalancerKind::Random,
        BalancerKind::Consistent,
        BalancerKind::ConsistentRandom,
        BalancerKind::Murmur2Random,
        BalancerKind::Fnv1a,
        BalancerKind::Fnv1aRandom,
    ];

    /// The configuration name.
    pub fn name(self) -> &'static str {
        match self {
            BalancerKind::RoundRobin => "round_robin",
            BalancerKind::LeastBytes => "least_bytes",
            BalancerKind::Hash => "hash",
            BalancerKind::ReferenceHash => "reference_hash",
            BalancerKind::Crc32 => "crc32",
            BalancerKind::Murmur2 => "murmur2",
            BalancerKind::Random => "random",
            BalancerKind::Consistent => "consistent",
            BalancerKind::ConsistentRandom => "consistent_random",
            BalancerKind::Murmur2Random => "murmur2_random",
            BalancerKind::Fnv1a => "fnv1a",
            BalancerKind::Fnv1aRandom => "fnv1a_random",
        }
    }
}

impl fmt::Display for BalancerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BalancerKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        BalancerKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let names: Vec<&str> = BalancerKind::ALL.iter().map(|k| k.name()).collect();
            Error::config(format!("unknown balancer \"{s}\" (one of {})", names.join(", ")))
        })
    }
}

/// A new balancer of the given kind. `chunk_size` is used by `round_robin` only.
pub fn build(kind: BalancerKind, chunk_size: usize) -> Box<dyn Balancer> {
    match kind {
        BalancerKind::RoundRobin => Box::new(RoundRobin::new(chunk_size)),
        BalancerKind::LeastBytes => Box::new(LeastBytes::new()),
        BalancerKind::Hash => Box::new(Hash::new()),
        BalancerKind::ReferenceHash => Box::new(ReferenceHash),
        BalancerKind::Crc32 | BalancerKind::ConsistentRandom => Box::new(Crc32 { consistent: false }),
        BalancerKind::Consistent => Box::new(Crc32 { consistent: true }),
        BalancerKind::Murmur2 => Box::new(Murmur2 { consistent: true }),
        BalancerKind::Murmur2Random => Box::new(Murmur2 { consistent: false }),
        BalancerKind::Fnv1a => Box::new(Fnv1a { consistent: true }),
        BalancerKind::Fnv1aRandom => Box::new(Fnv1a { consistent: false }),
        BalancerKind::Random => Box::new(Random),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    fn ids(n: i32) -> Vec<i32> {
        (0..n).collect()
    }

    /// How often each of `partitions` is chosen in `draws` calls with this key.
    fn histogram(b: &dyn Balancer, key: Option<&[u8]>, partitions: &[i32], draws: usize) -> Vec<usize> {
        let mut counts = vec![0; partitions.len()];
        for _ in 0..draws {
            let p = b.balance(key, 10, partitions);
            counts[partitions.iter().position(|&x| x == p).expect("not one of the partitions")] += 1;
        }
        counts
    }

    /// Every partition is chosen sometimes: the balancer spreads (random or round robin).
    fn spreads(b: &dyn Balancer, key: Option<&[u8]>) -> bool {
        histogram(b, key, &[2, 4, 6, 8, 10], 500).iter().all(|&c| c > 0)
    }

    /// The balancer gives the same partition every time.
    fn fixed(b: &dyn Balancer, key: Option<&[u8]>, partitions: &[i32]) -> i32 {
        let first = b.balance(key, 10, partitions);
        for _ in 0..200 {
            assert_eq!(b.balance(key, 10, partitions), first, "key {key:?}");
        }
        first
    }

    // ---- published hash vectors ----

    #[test]
    fn murmur2_matches_the_java_client_utils_test() {
        // UtilsTest.testMurmur2 (signed ints).
        let cases: [(&str, i32); 6] = [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            ("abc", 479470107),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key.as_bytes()) as i32, want, "{key}");
        }
    }

    #[test]
    fn murmur2_matches_librdkafka_unittest() {
        // rdmurmur2.c unittest_murmur2, including the unaligned suffixes of two strings.
        let short = "1234";
        let long = "PreAmbleWillBeRemoved,ThePrePartThatIs";
        let cases: [(&str, u32); 11] = [
            ("kafka", 0xd067cf64),
            ("giberish123456789", 0x8f552b0c),
            (short, 0x9fc97b14),
            (&short[1..], 0xe7c009ca),
            (&short[2..], 0x873930da),
            (&short[3..], 0x5a4b5ca1),
            (long, 0x78424f1c),
            (&long[1..], 0x4a62b377),
            (&long[2..], 0xe0e4e09e),
            (&long[3..], 0x62b8b43f),
            ("", 0x106e08d9),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key.as_bytes()), want, "{key:?}");
        }
        // librdkafka's NULL key hashes like "": that is what `consistent` means.
        let n = ids(1000);
        assert_eq!(
            Murmur2 { consistent: true }.balance(None, 0, &n),
            ((0x106e08d9u32 & 0x7fff_ffff) % 1000) as i32
        );
    }

    #[test]
    fn murmur2_partitions_match_sarama_for_100_partitions() {
        // sarama TestMurmur2 hashes, and the partitions the Java client gives with 100.
        let cases: [(&str, u32, Option<i32>); 6] = [
            ("foo", 597841616, Some(16)),
            ("bar", 988958145, Some(45)),
            ("baz", 1973573280, Some(80)),
            ("", 275646681, None),
            ("kafka", 3496464228, Some(80)),
            ("sarama", 770765511, Some(11)),
        ];
        let parts = ids(100);
        for b in [Murmur2 { consistent: false }, Murmur2 { consistent: true }] {
            for (key, hash, partition) in cases {
                assert_eq!(murmur2(key.as_bytes()), hash, "{key}");
                let want = partition.unwrap_or(((hash & 0x7fff_ffff) % 100) as i32);
                assert_eq!(b.balance(Some(key.as_bytes()), 0, &parts), want, "{key}");
            }
        }
    }

    #[test]
    fn crc32_partitions_match_sarama_consistent_crc_for_100_partitions() {
        // sarama TestConsistentCRCHashPartitioner (documented as librdkafka-compatible).
        let cases: [(&str, u32, i32); 5] = [
            ("abc123def456", 0x0f704e11, 57),
            ("SheetJS", 0x9dd03922, 26),
            ("9e8c7f4cf45857cfff7645d6", 0x441c1e94, 24),
            ("3900446192ff85a5f67da10c", 0x322b5737, 75),
            ("0f4407b7a67d6d27de372198", 0x049ff52a, 50),
        ];
        let parts = ids(100);
        for b in [Crc32 { consistent: false }, Crc32 { consistent: true }] {
            for (key, crc, partition) in cases {
                assert_eq!(crc32(key.as_bytes()), crc, "{key}");
                assert_eq!(b.balance(Some(key.as_bytes()), 0, &parts), partition, "{key}");
            }
        }
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xcbf43926);
    }

    #[test]
    fn fnv1a_matches_librdkafka_unittest() {
        // rdfnv1a.c unittest_fnv1a: the values are abs(int32(hash)).
        let long = "PreAmbleWillBeRemoved,ThePrePartThatIs";
        let cases: [(&str, u32); 8] = [
            ("kafka", 0x0d33c4e1),
            ("giberish123456789", 0x77a58295),
            ("1234", 0x023bdd03),
            ("234", 0x2dea3cd2),
            ("34", 0x740fa83e),
            ("4", 0x310ca263),
            (long, 0x65cbd69c),
            ("", 0x7ee3623b),
        ];
        for (key, want) in cases {
            assert_eq!((fnv1a32(key.as_bytes()) as i32).unsigned_abs(), want, "{key:?}");
        }
        assert_eq!(fnv1a32(b"1234"), 0xfdc422fd);
        assert_eq!(fnv1a32(b"34"), 0x8bf057c2);
        assert_eq!(fnv1a32(b""), 0x811c9dc5);
        // The partition is that value modulo the count, for the list's ids.
        let parts: Vec<i32> = (0..1009).map(|i| i * 2).collect();
        for (key, want) in cases {
            let want = parts[(want % 1009) as usize];
            assert_eq!(Fnv1a { consistent: false }.balance(Some(key.as_bytes()), 0, &parts), want, "{key:?}");
            assert_eq!(Fnv1a { consistent: true }.balance(Some(key.as_bytes()), 0, &parts), want, "{key:?}");
            assert_eq!(Hash::new().balance(Some(key.as_bytes()), 0, &parts), want, "{key:?}");
        }
    }

    #[test]
    fn a_hash_of_int32_min_is_partition_48_of_50_as_in_sarama() {
        // sarama TestHashPartitionerMinInt32.
        let key = b"1468509572224";
        assert_eq!(fnv1a32(key), 0x8000_0000);
        let parts = ids(50);
        assert_eq!(Hash::new().balance(Some(key), 0, &parts), 48);
        assert_eq!(Fnv1a { consistent: false }.balance(Some(key), 0, &parts), 48);
        // The reference hash masks the sign bit instead: 0 % 50.
        assert_eq!(ReferenceHash.balance(Some(key), 0, &parts), 0);
    }

    #[test]
    fn hash_and_reference_hash_follow_sarama_for_negative_hashes() {
        // fnv1a("1234") = 0xfdc422fd, int32 -37477635.
        let h = fnv1a32(b"1234") as i32;
        assert_eq!(h, -37477635);
        let parts = ids(7);
        assert_eq!(Hash::new().balance(Some(b"1234"), 0, &parts), (h % 7).abs());
        assert_eq!(ReferenceHash.balance(Some(b"1234"), 0, &parts), (h & 0x7fff_ffff) % 7);
        assert_ne!((h % 7).abs(), (h & 0x7fff_ffff) % 7, "the vector should tell the two apart");
    }

    #[test]
    fn hashing_balancers_return_ids_from_the_list_not_indexes() {
        let parts = [3, 5, 9, 11];
        let key = Some(&b"kafka"[..]);
        let idx = |i: u32| parts[(i % 4) as usize];
        assert_eq!(Crc32::default().balance(key, 0, &parts), idx(crc32(b"kafka")));
        assert_eq!(Murmur2::default().balance(key, 0, &parts), idx(murmur2(b"kafka") & 0x7fff_ffff));
        assert_eq!(Hash::new().balance(key, 0, &parts), idx(0x0d33c4e1));
        assert_eq!(Fnv1a::default().balance(key, 0, &parts), idx(0x0d33c4e1));
        assert_eq!(ReferenceHash.balance(key, 0, &parts), idx(fnv1a32(b"kafka") & 0x7fff_ffff));
    }

    // ---- round robin ----

    #[test]
    fn round_robin_walks_the_partitions_in_chunks() {
        let parts = [1, 4, 7];
        let take =
            |rr: &RoundRobin, n: usize| -> Vec<i32> { (0..n).map(|_| rr.balance(None, 0, &parts)).collect() };
        assert_eq!(take(&RoundRobin::default(), 7), [1, 4, 7, 1, 4, 7, 1]);
        assert_eq!(take(&RoundRobin::new(1), 4), [1, 4, 7, 1]);
        assert_eq!(take(&RoundRobin::new(3), 10), [1, 1, 1, 4, 4, 4, 7, 7, 7, 1]);
        assert_eq!(RoundRobin::new(0).chunk_size(), 1);
        // Keys do not matter.
        let rr = RoundRobin::new(2);
        assert_eq!(
            [
                rr.balance(Some(b"a"), 0, &parts),
                rr.balance(None, 0, &parts),
                rr.balance(Some(b""), 0, &parts)
            ],
            [1, 1, 4]
        );
        // A shorter list continues from the same counter.
        let rr = RoundRobin::new(1);
        assert_eq!([rr.balance(None, 0, &parts), rr.balance(None, 0, &[0, 1])], [1, 1]);
    }

    #[test]
    fn round_robin_counter_wraps_like_a_go_uint32() {
        let rr = RoundRobin::new(1);
        rr.counter.store(u32::MAX - 1, Ordering::Relaxed);
        let parts = ids(3);
        // (2^32 - 2) % 3 = 2, (2^32 - 1) % 3 = 0, then 0 again after the wrap.
        let got: Vec<i32> = (0..4).map(|_| rr.balance(None, 0, &parts)).collect();
        assert_eq!(got, [2, 0, 0, 1]);
    }

    #[test]
    fn round_robin_is_exactly_even_across_threads() {
        let rr = std::sync::Arc::new(RoundRobin::new(4));
        let parts = ids(5);
        let counts: Vec<Vec<usize>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let rr = rr.clone();
                    let parts = &parts;
                    s.spawn(move || {
                        let mut c = vec![0usize; 5];
                        for _ in 0..10_000 {
                            c[rr.balance(None, 0, parts) as usize] += 1;
                        }
                        c
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let total: Vec<usize> = (0..5).map(|p| counts.iter().map(|c| c[p]).sum()).collect();
        assert_eq!(total, vec![16_000; 5]);
    }

    // ---- least bytes ----

    #[test]
    fn least_bytes_picks_the_emptiest_partition_lowest_id_first() {
        let lb = LeastBytes::new();
        let parts = [0, 1, 2];
        assert_eq!(lb.balance(None, 100, &parts), 0); // 100 0 0
        assert_eq!(lb.balance(None, 50, &parts), 1); // 100 50 0
        assert_eq!(lb.balance(None, 10, &parts), 2); // 100 50 10
        assert_eq!(lb.balance(None, 10, &parts), 2); // 100 50 20
        assert_eq!(lb.balance(None, 40, &parts), 2); // 100 50 60
        assert_eq!(lb.balance(None, 60, &parts), 1); // 100 110 60
        assert_eq!(lb.balance(None, 0, &parts), 2); // 100 110 60
        assert_eq!(lb.balance(None, 40, &parts), 2); // 100 110 100
        assert_eq!(lb.balance(None, 1, &parts), 0); // tie 100/100: lowest first
                                                    // Keys are not counted by the balancer; the caller's size is.
        assert_eq!(lb.balance(Some(&[0; 1000]), 0, &parts), 2);
    }

    #[test]
    fn least_bytes_starts_again_when_the_partitions_change() {
        let lb = LeastBytes::new();
        assert_eq!(lb.balance(None, 100, &[0, 1]), 0);
        assert_eq!(lb.balance(None, 100, &[0, 1]), 1);
        assert_eq!(lb.balance(None, 5, &[0, 1]), 0); // 105 100
                                                     // A third partition: all counts reset, so partition 0 is chosen again.
        assert_eq!(lb.balance(None, 5, &[0, 1, 2]), 0); // 5 0 0
        assert_eq!(lb.balance(None, 5, &[0, 1, 2]), 1);
        // Same length, other ids: reset, and only ids from the new list come back.
        assert_eq!(lb.balance(None, 5, &[4, 5, 6]), 4);
        assert_eq!(lb.balance(None, 5, &[4, 5, 6]), 5);
        assert_eq!(lb.balance(None, 5, &[4, 5, 6]), 6);
        // The same list again keeps the counts.
        assert_eq!(lb.balance(None, 1, &[4, 5, 6]), 4);
    }

    // ---- null and empty keys ----

    #[test]
    fn hash_sends_null_keys_round_robin_and_hashes_empty_keys() {
        let h = Hash::new();
        let parts = [2, 4, 6, 8, 10];
        let got: Vec<i32> = (0..6).map(|_| h.balance(None, 0, &parts)).collect();
        assert_eq!(got, [2, 4, 6, 8, 10, 2]);
        // Empty key: int32(0x811c9dc5) = -2128831035; % 5 = 0 → partitions[0].
        assert_eq!(fixed(&h, Some(b""), &parts), parts[((0x811c9dc5u32 as i32) % 5).unsigned_abs() as usize]);
        // Keyed messages do not advance the round robin.
        h.balance(Some(b"x"), 0, &parts);
        assert_eq!(h.balance(None, 0, &parts), 4);
    }

    #[test]
    fn reference_hash_sends_null_keys_to_random_partitions_and_hashes_empty_keys() {
        assert!(spreads(&ReferenceHash, None));
        let parts = ids(1000);
        assert_eq!(fixed(&ReferenceHash, Some(b""), &parts), ((0x811c9dc5u32 & 0x7fff_ffff) % 1000) as i32);
    }

    #[test]
    fn crc32_treats_null_and_empty_keys_alike() {
        let random = Crc32 { consistent: false };
        assert!(spreads(&random, None));
        assert!(spreads(&random, Some(b"")));
        let consistent = Crc32 { consistent: true };
        // CRC-32 of nothing is 0: the first partition.
        assert_eq!(fixed(&consistent, None, &[3, 5, 9]), 3);
        assert_eq!(fixed(&consistent, Some(b""), &[3, 5, 9]), 3);
    }

    #[test]
    fn murmur2_randomizes_null_keys_only_and_consistent_hashes_them_like_empty() {
        let random = Murmur2 { consistent: false };
        let parts = ids(1000);
        let empty = ((0x106e08d9u32 & 0x7fff_ffff) % 1000) as i32;
        assert!(spreads(&random, None));
        assert_eq!(fixed(&random, Some(b""), &parts), empty);
        let consistent = Murmur2 { consistent: true };
        assert_eq!(fixed(&consistent, None, &parts), empty);
        assert_eq!(fixed(&consistent, Some(b""), &parts), empty);
    }

    #[test]
    fn fnv1a_randomizes_null_keys_only_and_consistent_hashes_them_like_empty() {
        let parts = ids(1009);
        let empty = 0x7ee3623b % 1009;
        let random = Fnv1a { consistent: false };
        assert!(spreads(&random, None));
        assert_eq!(fixed(&random, Some(b""), &parts), empty);
        let consistent = Fnv1a { consistent: true };
        assert_eq!(fixed(&consistent, None, &parts), empty);
        assert_eq!(fixed(&consistent, Some(b""), &parts), empty);
    }

    #[test]
    fn keyless_balancers_ignore_keys() {
        assert!(spreads(&Random, Some(b"same key")));
        assert!(spreads(&RoundRobin::new(1), Some(b"same key")));
        assert!(spreads(&LeastBytes::new(), Some(b"same key")));
    }

    #[test]
    fn random_is_uniform_enough() {
        // 70,000 draws over 7 partitions: each count is 10,000 ± 94 (one sigma).
        let counts = histogram(&Random, None, &[10, 20, 30, 40, 50, 60, 70], 70_000);
        assert!(counts.iter().all(|&c| (9_400..=10_600).contains(&c)), "{counts:?}");
        let chi2: f64 = counts.iter().map(|&c| (c as f64 - 10_000.0).powi(2) / 10_000.0).sum();
        // 6 degrees of freedom: P(chi2 > 40) is below 1e-6.
        assert!(chi2 < 40.0, "chi2 {chi2} for {counts:?}");
        // Two partitions and one partition.
        let counts = histogram(&Random, None, &[0, 1], 10_000);
        assert!(counts.iter().all(|&c| (4_500..=5_500).contains(&c)), "{counts:?}");
        assert_eq!(fixed(&Random, None, &[42]), 42);
    }

    #[test]
    fn random_numbers_drawn_by_many_threads_never_repeat() {
        // Each draw takes its own counter value and the mix is a bijection, so no two draws
        // are equal, however the threads interleave.
        let all: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..8).map(|_| s.spawn(|| (0..2_000).map(|_| random_u64()).collect::<Vec<_>>())).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let distinct: std::collections::HashSet<u64> = all.iter().copied().collect();
        assert_eq!(distinct.len(), 16_000);
    }

    #[test]
    fn an_empty_partition_list_gives_minus_one() {
        for kind in BalancerKind::ALL {
            let b = build(kind, 1);
            assert_eq!(b.balance(None, 1, &[]), -1, "{kind}");
            assert_eq!(b.balance(Some(b""), 1, &[]), -1, "{kind}");
            assert_eq!(b.balance(Some(b"k"), 1, &[]), -1, "{kind}");
        }
    }

    // ---- function balancers and names ----

    #[test]
    fn fn_balancer_calls_the_function() {
        let b =
            FnBalancer::new(|key, bytes, parts| if key.is_none() { -7 } else { parts[bytes % parts.len()] });
        assert_eq!(b.balance(None, 0, &[1, 2]), -7);
        assert_eq!(b.balance(Some(b""), 3, &[1, 2]), 2);
        let boxed: Box<dyn Balancer> = Box::new(b);
        assert_eq!(boxed.balance(Some(b"k"), 4, &[1, 2]), 1);
        assert_eq!(format!("{:?}", FnBalancer::new(|_, _, _| 0)), "FnBalancer");
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_config_errors() {
        for kind in BalancerKind::ALL {
            assert_eq!(kind.name().parse::<BalancerKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(" Murmur2_Random ".parse::<BalancerKind>().unwrap(), BalancerKind::Murmur2Random);
        assert_eq!("CONSISTENT".parse::<BalancerKind>().unwrap(), BalancerKind::Consistent);
        assert_eq!(BalancerKind::default(), BalancerKind::RoundRobin);
        let e = "sticky".parse::<BalancerKind>().unwrap_err();
        assert_eq!(e.code(), code::CONFIG);
        assert!(e.message().contains("sticky") && e.message().contains("murmur2_random"), "{e}");
        assert!("".parse::<BalancerKind>().is_err());
    }

    #[test]
    fn built_balancers_have_the_documented_null_and_empty_key_rules() {
        let parts = ids(1000);
        let b = |name: &str| build(name.parse().unwrap(), 1);
        // (name, null key fixed?, empty key fixed?)
        let rules = [
            ("round_robin", false, false),
            ("least_bytes", false, false),
            ("hash", false, true),
            ("reference_hash", false, true),
            ("crc32", false, false),
            ("consistent_random", false, false),
            ("consistent", true, true),
            ("murmur2_random", false, true),
            ("murmur2", true, true),
            ("fnv1a_random", false, true),
            ("fnv1a", true, true),
            ("random", false, false),
        ];
        assert_eq!(rules.len(), BalancerKind::ALL.len());
        for (name, null_fixed, empty_fixed) in rules {
            let bal = b(name);
            for (key, want_fixed) in [(None, null_fixed), (Some(&b""[..]), empty_fixed)] {
                let got: std::collections::HashSet<i32> =
                    (0..50).map(|_| bal.balance(key, 1, &parts)).collect();
                assert_eq!(got.len() == 1, want_fixed, "{name} {key:?}: {} partitions", got.len());
            }
        }
        // Keyed messages: the hashing balancers that share a hash agree.
        for key in ["a", "kafka", "1468509572224", "PreAmbleWillBeRemoved"] {
            let k = Some(key.as_bytes());
            let p = ids(13);
            assert_eq!(b("crc32").balance(k, 0, &p), b("consistent").balance(k, 0, &p));
            assert_eq!(b("murmur2").balance(k, 0, &p), b("murmur2_random").balance(k, 0, &p));
            assert_eq!(b("hash").balance(k, 0, &p), b("fnv1a").balance(k, 0, &p));
            assert_eq!(b("hash").balance(k, 0, &p), b("fnv1a_random").balance(k, 0, &p));
        }
        assert_eq!(build(BalancerKind::RoundRobin, 2).balance(None, 0, &[5, 6]), 5);
    }
}
