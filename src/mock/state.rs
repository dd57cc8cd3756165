//! The mock cluster's model: brokers, topics, partition logs with producer state, groups'
//! committed offsets, and the fault queues. Everything here is plain data behind one mutex.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bytes::Bytes;

use super::errors as ec;
use super::group::Group;
use crate::protocol::messages::Uuid;
use crate::protocol::records::RecordBatches;

/// How many batches per producer and partition the broker remembers for duplicate detection.
pub const PRODUCER_WINDOW: usize = 5;

/// One stored batch: its offsets and max timestamp, and the bytes exactly as served.
#[derive(Clone, Debug)]
pub struct StoredBatch {
    pub base: i64,
    pub last: i64,
    pub max_ts: i64,
    pub bytes: Bytes,
}

#[derive(Clone, Debug, Default)]
pub struct ProducerEntry {
    pub epoch: i16,
    /// (first sequence, last sequence, base offset) of the last batches, oldest first.
    pub recent: VecDeque<(i32, i32, i64)>,
}

#[derive(Debug)]
pub struct PartitionState {
    /// The configured leader; -1 for none.
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub log: Vec<StoredBatch>,
    pub log_start: i64,
    pub high_watermark: i64,
    pub producers: HashMap<i64, ProducerEntry>,
}

impl PartitionState {
    pub fn new(leader: i32, replicas: Vec<i32>) -> Self {
        PartitionState {
            leader,
            leader_epoch: 0,
            replicas,
            log: Vec::new(),
            log_start: 0,
            high_watermark: 0,
            producers: HashMap::new(),
        }
    }

    /// Appends `batch` at the end of the log, rewriting its base offset and leader epoch as a
    /// broker does; returns the base offset. `count` is the number of offsets it takes.
    pub fn append_raw(&mut self, batch: &[u8], count: i64, max_ts: i64) -> i64 {
        let base = self.high_watermark;
        let mut b = batch.to_vec();
        if b.len() >= 16 {
            b[0..8].copy_from_slice(&base.to_be_bytes());
            b[12..16].copy_from_slice(&self.leader_epoch.to_be_bytes());
        }
        let last = base + count.max(1) - 1;
        self.log.push(StoredBatch { base, last, max_ts, bytes: Bytes::from(b) });
        self.high_watermark = last + 1;
        base
    }

    /// Index of the first batch holding an offset >= `offset`.
    pub fn first_batch_at(&self, offset: i64) -> usize {
        self.log.partition_point(|b| b.last < offset)
    }
}

/// A v2 batch header as the produce path needs it.
pub struct BatchHeader {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub last_offset_delta: i32,
    pub max_ts: i64,
}

/// Validates a produced `records` blob (v2 batches, CRCs) and returns each batch's header and
/// bytes; Err is the Kafka error code for the partition.
pub fn parse_produced(records: &Bytes) -> Result<Vec<(BatchHeader, Bytes)>, i16> {
    let mut out = Vec::new();
    let mut it = RecordBatches::new(records.clone());
    for b in it.by_ref() {
        let b = b.map_err(|_| ec::CORRUPT_MESSAGE)?;
        if b.magic() != 2 {
            return Err(ec::UNSUPPORTED_FOR_MESSAGE_FORMAT);
        }
        if b.record_count() <= 0 {
            return Err(ec::INVALID_RECORD);
        }
        out.push((
            BatchHeader {
                producer_id: b.producer_id(),
                producer_epoch: b.producer_epoch(),
                base_sequence: b.base_sequence(),
                last_offset_delta: (b.last_offset() - b.base_offset()) as i32,
                max_ts: b.max_timestamp(),
            },
            b.raw().clone(),
        ));
    }
    if out.is_empty() || it.remaining() != 0 {
        return Err(ec::CORRUPT_MESSAGE);
    }
    Ok(out)
}

#[derive(Debug)]
pub struct TopicState {
    pub id: Uuid,
    pub partitions: Vec<PartitionState>,
}

#[derive(Clone, Copy, Debug)]
pub enum Fault {
    Error(i16),
    Swallow,
    Drop,
    /// Served (the request takes effect), then the connection closes instead of answering.
    DropResponse,
}

#[derive(Debug)]
pub struct BrokerInfo {
    pub id: i32,
    pub port: u16,
    pub up: bool,
    pub rtt_ms: u64,
    pub rack: Option<String>,
}

/// Everything the brokers share.
pub struct State {
    pub cluster_id: String,
    pub brokers: Vec<BrokerInfo>,
    pub topics: BTreeMap<String, TopicState>,
    pub auto_create: bool,
    pub default_partitions: i32,
    pub next_producer_id: i64,
    pub faults: HashMap<i16, VecDeque<Fault>>,
    pub partition_faults: HashMap<(i16, String, i32), VecDeque<i16>>,
    pub delays: HashMap<i16, u64>,
    pub counts: HashMap<(i32, i16), u64>,
    pub groups: HashMap<String, Group>,
    pub group_initial_delay_ms: u64,
    /// Batches a producer sent again that were answered with the original offset.
    pub duplicates: u64,
    seed: u64,
}

impl State {
    pub fn new(cluster_id: String, seed: u64) -> Self {
        State {
            cluster_id,
            brokers: Vec::new(),
            topics: BTreeMap::new(),
            auto_create: true,
            default_partitions: 1,
            next_producer_id: 1000,
            faults: HashMap::new(),
            partition_faults: HashMap::new(),
            delays: HashMap::new(),
            counts: HashMap::new(),
            groups: HashMap::new(),
            group_initial_delay_ms: 0,
            duplicates: 0,
            seed,
        }
    }

    /// A fresh non-zero id (topic ids, member ids).
    pub fn next_uuid(&mut self) -> Uuid {
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let a = self.seed;
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let b = self.seed | 1;
        let mut u = [0u8; 16];
        u[..8].copy_from_slice(&a.to_be_bytes());
        u[8..].copy_from_slice(&b.to_be_bytes());
        u
    }

    pub fn broker(&self, id: i32) -> Option<&BrokerInfo> {
        self.brokers.iter().find(|b| b.id == id)
    }

    pub fn broker_up(&self, id: i32) -> bool {
        self.broker(id).is_some_and(|b| b.up)
    }

    pub fn topic_by_id(&self, id: &Uuid) -> Option<(&String, &TopicState)> {
        self.topics.iter().find(|(_, t)| &t.id == id)
    }

    pub fn topic_name_by_id(&self, id: &Uuid) -> Option<String> {
        self.topic_by_id(id).map(|(n, _)| n.clone())
    }

    pub fn partition_mut(&mut self, topic: &str, partition: i32) -> Option<&mut PartitionState> {
        let t = self.topics.get_mut(topic)?;
        usize::try_from(partition).ok().and_then(|p| t.partitions.get_mut(p))
    }

    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionState> {
        let t = self.topics.get(topic)?;
        usize::try_from(partition).ok().and_then(|p| t.partitions.get(p))
    }

    /// Creates a topic; leaders spread round-robin over the brokers, `rf` replicas each.
    pub fn create_topic(
        &mut self,
        name: &str,
        partitions: i32,
        rf: i16,
        assignments: &[(i32, Vec<i32>)],
    ) -> Result<Uuid, (i16, String)> {
        if !valid_topic_name(name) {
            return Err((ec::INVALID_TOPIC_EXCEPTION, format!("invalid topic name {name:?}")));
        }
        if self.topics.contains_key(name) {
            return Err((ec::TOPIC_ALREADY_EXISTS, format!("topic {name} already exists")));
        }
        let n = self.brokers.len() as i32;
        let rf = if rf <= 0 { n.min(3) } else { i32::from(rf) };
        if rf > n {
            return Err((ec::INVALID_REPLICATION_FACTOR, format!("replication factor {rf} > {n} brokers")));
        }
        let count = if !assignments.is_empty() {
            assignments.len() as i32
        } else if partitions <= 0 {
            self.default_partitions
        } else {
            partitions
        };
        let offset = (self.topics.len() as i32) % n.max(1);
        let mut parts = Vec::with_capacity(count as usize);
        for p in 0..count {
            let replicas: Vec<i32> = match assignments.iter().find(|(i, _)| *i == p) {
                Some((_, ids)) => {
                    if ids.is_empty() || ids.iter().any(|id| self.broker(*id).is_none()) {
                        return Err((ec::INVALID_REPLICA_ASSIGNMENT, format!("bad assignment {ids:?}")));
                    }
                    ids.clone()
                }
                None if !assignments.is_empty() => {
                    return Err((ec::INVALID_REPLICA_ASSIGNMENT, format!("no assignment for partition {p}")))
                }
                None => (0..rf).map(|r| (p + offset + r) % n + 1).collect(),
            };
            parts.push(PartitionState::new(replicas[0], replicas));
        }
        let id = self.next_uuid();
        self.topics.insert(name.to_string(), TopicState { id, partitions: parts });
        Ok(id)
    }

    /// Pops the next fault queued for `api_key`.
    pub fn take_fault(&mut self, api_key: i16) -> Option<Fault> {
        let q = self.faults.get_mut(&api_key)?;
        let f = q.pop_front();
        if q.is_empty() {
            self.faults.remove(&api_key);
        }
        f
    }

    /// Pops the next error queued for this API and partition.
    pub fn take_partition_error(&mut self, api_key: i16, topic: &str, partition: i32) -> Option<i16> {
        let key = (api_key, topic.to_string(), partition);
        let q = self.partition_faults.get_mut(&key)?;
        let e = q.pop_front();
        if q.is_empty() {
            self.partition_faults.remove(&key);
        }
        e
    }

    /// The error a request for `topic`/`partition` sent to `broker` gets when it must go to the
    /// leader: unknown partition, no leader, or another leader.
    pub fn leader_error(&self, broker: i32, topic: &str, partition: i32) -> i16 {
        match self.partition(topic, partition) {
            None => ec::UNKNOWN_TOPIC_OR_PARTITION,
            Some(p) if p.leader != broker => ec::NOT_LEADER_OR_FOLLOWER,
            Some(_) => ec::NONE,
        }
    }
}

pub fn valid_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-')
}

/// The produce path's sequence checks for one batch, as the broker does them. Ok(Some(offset))
/// is a duplicate of a remembered batch; Ok(None) means append.
pub fn check_sequence(p: &PartitionState, h: &BatchHeader) -> Result<Option<i64>, i16> {
    if h.producer_id < 0 {
        return Ok(None);
    }
    let last_seq = seq_add(h.base_sequence, h.last_offset_delta);
    match p.producers.get(&h.producer_id) {
        None => {
            if h.base_sequence != 0 {
                return Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER);
            }
            Ok(None)
        }
        Some(e) if h.producer_epoch < e.epoch => Err(ec::INVALID_PRODUCER_EPOCH),
        Some(e) if h.producer_epoch > e.epoch => {
            if h.base_sequence != 0 {
                return Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER);
            }
            Ok(None)
        }
        Some(e) => {
            if let Some((_, _, off)) =
                e.recent.iter().find(|(f, l, _)| *f == h.base_sequence && *l == last_seq)
            {
                return Ok(Some(*off));
            }
            match e.recent.back() {
                Some((_, l, _)) if h.base_sequence != seq_add(*l, 1) => Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER),
                None if h.base_sequence != 0 => Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER),
                _ => Ok(None),
            }
        }
    }
}

/// Records an appended batch in the producer's window.
pub fn remember_batch(p: &mut PartitionState, h: &BatchHeader, base_offset: i64) {
    if h.producer_id < 0 {
        return;
    }
    let e = p.producers.entry(h.producer_id).or_default();
    if e.epoch != h.producer_epoch {
        e.epoch = h.producer_epoch;
        e.recent.clear();
    }
    e.recent.push_back((h.base_sequence, seq_add(h.base_sequence, h.last_offset_delta), base_offset));
    while e.recent.len() > PRODUCER_WINDOW {
        e.recent.pop_front();
    }
}

/// Sequence arithmetic wraps from i32::MAX to 0.
fn seq_add(seq: i32, n: i32) -> i32 {
    ((i64::from(seq) + i64::from(n)) % (i64::from(i32::MAX) + 1)) as i32
}
