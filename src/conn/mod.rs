//! kafka-go's `Conn`: one connection to one broker, optionally bound to a topic partition, with
//! the low-level operations: metadata, topic admin, produce, fetch, offsets and seeking.

use std::sync::atomic::{AtomicI16, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cluster::fetch::{fetch_one, FetchOptions, FetchPosition, DEFAULT_MAX_DECOMPRESSED_FETCH};
pub use crate::cluster::fetch::{FetchedBatch, Message};

use crate::cluster::{self, BrokerInfo, ClusterMetadata, PartitionInfo};
use crate::config::Config;
use crate::error::{code, Error, Result};
use crate::net::{BrokerConnection, ConnectOptions, Security};
use crate::protocol::compression::Compression;
use crate::protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use crate::protocol::messages::delete_topics_request::DeleteTopicState;
use crate::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use crate::protocol::messages::{CreateTopicsRequest, DeleteTopicsRequest, ProduceRequest};
use crate::protocol::records::{BatchOptions, RecordBatchBuilder, RecordHeader};
use crate::runtime::now_ms;

/// `whence` values for [`Conn::seek`], as kafka-go defines them (not io.Seek*'s values).
pub const SEEK_START: i32 = 0;
pub const SEEK_ABSOLUTE: i32 = 1;
pub const SEEK_END: i32 = 2;
pub const SEEK_CURRENT: i32 = 3;
/// OR into `whence` to skip the check that the new offset is within the partition.
pub const SEEK_DONT_CHECK: i32 = 1 << 30;

/// Offset sentinels, as in ListOffsets.
pub const FIRST_OFFSET: i64 = -2;
pub const LAST_OFFSET: i64 = -1;

/// Settings a Conn takes from the configuration.
#[derive(Clone, Debug)]
pub struct ConnSettings {
    pub connect: ConnectOptions,
    pub allow_auto_create_topics: bool,
}

/// How often `dial_leader` asks a new leader whether it serves the partition yet (about 5 s).
const LEADER_READY_ATTEMPTS: u32 = 14;

impl ConnSettings {
    pub fn from_config(cfg: &Config) -> Result<Self> {
        let client_id = cfg.get("client.id")?;
        Ok(ConnSettings {
            connect: ConnectOptions {
                client_id: (!client_id.is_empty()).then(|| client_id.to_string()),
                connect_timeout: cfg.get_ms("socket.connection.setup.timeout.ms")?,
                request_timeout: cfg.get_ms("socket.timeout.ms")?,
                max_response_bytes: cfg.get_int("receive.message.max.bytes")? as usize,
                security: Security::from_config(cfg)?,
            },
            allow_auto_create_topics: cfg.get_bool("allow.auto.create.topics")?,
        })
    }
}

/// The topic partition a Conn is bound to.
#[derive(Clone, Debug)]
struct Binding {
    topic: String,
    topic_id: [u8; 16],
    partition: i32,
}

/// A topic to create.
#[derive(Clone, Debug, Default)]
pub struct TopicSpec {
    pub name: String,
    /// -1 = the broker's default.
    pub num_partitions: i32,
    /// -1 = the broker's default.
    pub replication_factor: i16,
    /// (partition, broker ids); when set, num_partitions and replication_factor must be -1.
    pub replica_assignment: Vec<(i32, Vec<i32>)>,
    pub configs: Vec<(String, String)>,
}

impl TopicSpec {
    /// The topic as a CreateTopics request entry (Conn and the admin client send the same).
    pub(crate) fn to_creatable(&self) -> CreatableTopic {
        CreatableTopic {
            name: self.name.clone(),
            num_partitions: self.num_partitions,
            replication_factor: self.replication_factor,
            assignments: self
                .replica_assignment
                .iter()
                .map(|(p, ids)| CreatableReplicaAssignment {
                    partition_index: *p,
                    broker_ids: ids.clone(),
                    ..Default::default()
                })
                .collect(),
            configs: self
                .configs
                .iter()
                .map(|(k, v)| CreatableTopicConfig {
                    name: k.clone(),
                    value: Some(v.clone()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }
}

/// A message to write, borrowing the caller's bytes (they are copied into the batch).
#[derive(Clone, Copy, Debug, Default)]
pub struct OutMessage<'a> {
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [RecordHeader<'a>],
    /// Milliseconds since the epoch; 0 = now.
    pub timestamp_ms: i64,
}

/// What the broker said about a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteResult {
    pub partition: i32,
    /// Offset of the first message written; -1 with acks=0.
    pub base_offset: i64,
    /// Broker append time for LogAppendTime topics, else -1.
    pub log_append_time_ms: i64,
    /// Encoded size of the batch sent.
    pub bytes: usize,
}

/// One broker connection, optionally bound to a topic partition (kafka-go's Conn). Safe to
/// share between threads.
pub struct Conn {
    broker: Arc<BrokerConnection>,
    binding: Option<Binding>,
    /// The next offset to read; FIRST_OFFSET/LAST_OFFSET until resolved.
    offset: Arc<AtomicI64>,
    required_acks: AtomicI16,
    read_deadline: Mutex<Option<Instant>>,
    write_deadline: Mutex<Option<Instant>>,
}

impl Conn {
    /// Connects to one broker (kafka-go's Dial).
    pub async fn dial(addr: &str, settings: ConnSettings) -> Result<Conn> {
        let broker = BrokerConnection::connect(addr, &settings.connect).await?;
        Ok(Conn::new(broker, None))
    }

    /// Asks `addr` who leads `topic`/`partition` (creating the topic if allowed and the broker
    /// agrees), connects to that leader and binds the Conn to the partition (kafka-go's
    /// DialLeader).
    pub async fn dial_leader(
        addr: &str,
        topic: &str,
        partition: i32,
        settings: ConnSettings,
    ) -> Result<Conn> {
        if topic.is_empty() || partition < 0 {
            return Err(Error::invalid_arg(format!("invalid topic partition \"{topic}\"/{partition}")));
        }
        let bootstrap = BrokerConnection::connect(addr, &settings.connect).await?;
        let (leader, info) =
            cluster::lookup_leader(&bootstrap, topic, partition, settings.allow_auto_create_topics).await?;
        let broker = if same_broker(&bootstrap, &leader) {
            bootstrap
        } else {
            BrokerConnection::connect(&leader.addr(), &settings.connect).await?
        };
        // Right after a topic is created the metadata names its leader before that broker has
        // taken the partition up; ask the leader itself, so the first read or write does not
        // fail with NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION.
        let mut backoff = std::time::Duration::from_millis(20);
        for attempt in 1.. {
            match cluster::list_offset(&broker, topic, partition, -1, false).await {
                Ok(_) => break,
                Err(e) if e.code() > 0 && e.is_retriable() && attempt < LEADER_READY_ATTEMPTS => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
        let binding = Binding { topic: topic.to_string(), topic_id: info.id, partition };
        Ok(Conn::new(broker, Some(binding)))
    }

    fn new(broker: Arc<BrokerConnection>, binding: Option<Binding>) -> Conn {
        Conn {
            broker,
            binding,
            offset: Arc::new(AtomicI64::new(FIRST_OFFSET)),
            required_acks: AtomicI16::new(-1),
            read_deadline: Mutex::new(None),
            write_deadline: Mutex::new(None),
        }
    }

    pub fn broker_addr(&self) -> &str {
        self.broker.addr()
    }

    /// The bound topic and partition, if any.
    pub fn topic_partition(&self) -> Option<(&str, i32)> {
        self.binding.as_ref().map(|b| (b.topic.as_str(), b.partition))
    }

    fn bound(&self) -> Result<&Binding> {
        self.binding.as_ref().ok_or_else(|| {
            Error::new(
                code::STATE,
                "this connection is not bound to a topic partition (dial it with dial_leader)",
            )
        })
    }

    /// The API versions the broker advertised: (api key, min, max).
    pub fn api_versions(&self) -> Vec<(i16, i16, i16)> {
        let mut v: Vec<_> = (0..=i16::from(u8::MAX))
            .filter_map(|k| self.broker.versions().broker_range(k).map(|(lo, hi)| (k, lo, hi)))
            .collect();
        v.sort();
        v
    }

    // ---- deadlines -----------------------------------------------------------------------

    pub fn set_read_deadline(&self, at: Option<Instant>) {
        *self.read_deadline.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn set_write_deadline(&self, at: Option<Instant>) {
        *self.write_deadline.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// The time left for a read call: the smaller of its own timeout and the read deadline.
    pub fn read_timeout(&self, call: Option<Duration>) -> Option<Duration> {
        limit(call, *self.read_deadline.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The time left for a write call: the smaller of its own timeout and the write deadline.
    pub fn write_timeout(&self, call: Option<Duration>) -> Option<Duration> {
        limit(call, *self.write_deadline.lock().unwrap_or_else(|p| p.into_inner()))
    }

    // ---- metadata and admin --------------------------------------------------------------

    pub async fn metadata(&self, topics: Option<&[String]>) -> Result<ClusterMetadata> {
        cluster::fetch_metadata(&self.broker, topics, false).await
    }

    /// Every broker in the cluster.
    pub async fn brokers(&self) -> Result<Vec<BrokerInfo>> {
        Ok(self.metadata(Some(&[])).await?.brokers)
    }

    /// The broker metadata names as controller (in KRaft: a broker that forwards admin requests).
    pub async fn controller(&self) -> Result<BrokerInfo> {
        let md = self.metadata(Some(&[])).await?;
        md.broker(md.controller_id).cloned().ok_or_else(|| {
            Error::new(code::NOT_FOUND, format!("controller {} is not in metadata", md.controller_id))
        })
    }

    /// Partitions of the given topics, or of every topic when `topics` is empty. An error for
    /// any named topic (e.g. it does not exist) fails the call.
    pub async fn read_partitions(&self, topics: &[String]) -> Result<Vec<PartitionInfo>> {
        let md =
            if topics.is_empty() { self.metadata(None).await? } else { self.metadata(Some(topics)).await? };
        let mut out = Vec::new();
        for t in md.topics {
            if t.error_code != 0 {
                return Err(Error::broker(t.error_code, format!("topic {}", t.name)));
            }
            out.extend(t.partitions);
        }
        Ok(out)
    }

    /// Creates topics. A topic that already exists is not an error (as in kafka-go).
    pub async fn create_topics(&self, topics: &[TopicSpec], timeout: Duration) -> Result<()> {
        let req = CreateTopicsRequest {
            topics: topics.iter().map(TopicSpec::to_creatable).collect(),
            timeout_ms: crate::runtime::clamp_ms(timeout),
            ..Default::default()
        };
        let resp = self.broker.send(&req).await?;
        for t in resp.topics {
            if t.error_code != 0 && t.error_code != 36 {
                let mut e = Error::broker(t.error_code, format!("create topic {}", t.name));
                if let Some(m) = t.error_message.filter(|m| !m.is_empty()) {
                    e = e.context(m);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Deletes topics by name.
    pub async fn delete_topics(&self, names: &[String], timeout: Duration) -> Result<()> {
        let req = DeleteTopicsRequest {
            topics: names
                .iter()
                .map(|n| DeleteTopicState { name: Some(n.clone()), ..Default::default() })
                .collect(),
            topic_names: names.to_vec(),
            timeout_ms: crate::runtime::clamp_ms(timeout),
            ..Default::default()
        };
        let resp = self.broker.send(&req).await?;
        for r in resp.responses {
            if r.error_code != 0 {
                return Err(Error::broker(
                    r.error_code,
                    format!("delete topic {}", r.name.unwrap_or_default()),
                ));
            }
        }
        Ok(())
    }

    // ---- offsets ---------------------------------------------------------------------------

    /// The offset the next read starts at, and how it is expressed: (offset, SEEK_ABSOLUTE),
    /// or (FIRST_OFFSET/LAST_OFFSET, SEEK_START/SEEK_END) before the position was resolved.
    pub fn offset(&self) -> (i64, i32) {
        match self.offset.load(Ordering::SeqCst) {
            FIRST_OFFSET => (0, SEEK_START),
            LAST_OFFSET => (0, SEEK_END),
            o => (o, SEEK_ABSOLUTE),
        }
    }

    /// ListOffsets for the bound partition: -2 = first, -1 = last (high watermark), or a time in
    /// milliseconds (first offset whose timestamp is at or after it; the last offset if none).
    pub async fn list_offset(&self, timestamp: i64) -> Result<i64> {
        let b = self.bound()?;
        let offset = cluster::list_offset(&self.broker, &b.topic, b.partition, timestamp, false).await?;
        if offset < 0 && timestamp >= 0 {
            return Box::pin(self.list_offset(LAST_OFFSET)).await;
        }
        Ok(offset)
    }

    pub async fn read_first_offset(&self) -> Result<i64> {
        self.list_offset(FIRST_OFFSET).await
    }

    pub async fn read_last_offset(&self) -> Result<i64> {
        self.list_offset(LAST_OFFSET).await
    }

    pub async fn read_offsets(&self) -> Result<(i64, i64)> {
        Ok((self.read_first_offset().await?, self.read_last_offset().await?))
    }

    /// The first offset whose message time is at or after `unix_ms` (the last offset if none).
    pub async fn read_offset_at(&self, unix_ms: i64) -> Result<i64> {
        if unix_ms < 0 {
            return Err(Error::invalid_arg("time must not be negative"));
        }
        self.list_offset(unix_ms).await
    }

    /// Moves the read position, kafka-go style: SEEK_START/SEEK_END are relative to the first
    /// and last offsets, SEEK_ABSOLUTE is an offset, SEEK_CURRENT is relative to the current
    /// position. Unless SEEK_DONT_CHECK is ORed in, an offset outside [first, last] is
    /// OFFSET_OUT_OF_RANGE. Returns the new offset.
    pub async fn seek(&self, offset: i64, whence: i32) -> Result<i64> {
        let check = whence & SEEK_DONT_CHECK == 0;
        let base_whence = whence & !SEEK_DONT_CHECK;
        let target = match base_whence {
            SEEK_ABSOLUTE => Some(offset),
            SEEK_START => self.read_first_offset().await?.checked_add(offset),
            SEEK_END => self.read_last_offset().await?.checked_add(offset),
            SEEK_CURRENT => self.current_offset().await?.checked_add(offset),
            _ => return Err(Error::invalid_arg(format!("invalid whence {whence}"))),
        }
        .ok_or_else(|| Error::invalid_arg("offset overflows"))?;
        if target < 0 {
            return Err(Error::broker(1, format!("seek to {target}")));
        }
        if check {
            let (first, last) = self.read_offsets().await?;
            if target < first || target > last {
                return Err(Error::broker(1, format!("seek to {target} outside [{first}, {last}]")));
            }
        }
        self.offset.store(target, Ordering::SeqCst);
        Ok(target)
    }

    /// The current read position as an absolute offset, resolving first/last if needed.
    async fn current_offset(&self) -> Result<i64> {
        match self.offset.load(Ordering::SeqCst) {
            o if o >= 0 => Ok(o),
            sentinel => {
                let o = self.list_offset(sentinel).await?;
                // Only the first resolver wins; a concurrent seek is not overwritten.
                let _ = self.offset.compare_exchange(sentinel, o, Ordering::SeqCst, Ordering::SeqCst);
                Ok(self.offset.load(Ordering::SeqCst))
            }
        }
    }

    // ---- produce ---------------------------------------------------------------------------

    /// Required acks for writes: -1 (all in-sync replicas, the default), 1 (leader) or 0 (none).
    pub fn set_required_acks(&self, acks: i16) -> Result<()> {
        if !matches!(acks, -1..=1) {
            return Err(Error::invalid_arg(format!("required acks must be -1, 0 or 1, not {acks}")));
        }
        self.required_acks.store(acks, Ordering::SeqCst);
        Ok(())
    }

    /// Writes messages to the bound partition as one batch (compressed with `codec`).
    pub async fn write_messages(
        &self,
        msgs: &[OutMessage<'_>],
        codec: Compression,
        broker_timeout: Duration,
    ) -> Result<WriteResult> {
        let b = self.bound()?;
        if msgs.is_empty() {
            return Err(Error::invalid_arg("no messages to write"));
        }
        let now = now_ms();
        let mut builder = RecordBatchBuilder::new(BatchOptions { compression: codec, ..Default::default() });
        for m in msgs {
            let ts = if m.timestamp_ms == 0 { now } else { m.timestamp_ms };
            builder.append(ts, m.key, m.value, m.headers)?;
        }
        let records = builder.finish()?;
        let bytes = records.len();
        let acks = self.required_acks.load(Ordering::SeqCst);
        let req = ProduceRequest {
            acks,
            timeout_ms: crate::runtime::clamp_ms(broker_timeout),
            topic_data: vec![TopicProduceData {
                name: b.topic.clone(),
                topic_id: b.topic_id,
                partition_data: vec![PartitionProduceData {
                    index: b.partition,
                    records: Some(records),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        if acks == 0 {
            let version = self.broker.versions().pick::<ProduceRequest>()?;
            self.broker.send_no_response(&req, version).await?;
            return Ok(WriteResult {
                partition: b.partition,
                base_offset: -1,
                log_append_time_ms: -1,
                bytes,
            });
        }
        let resp = self.broker.send(&req).await?;
        let p = resp
            .responses
            .iter()
            .flat_map(|t| t.partition_responses.iter())
            .find(|p| p.index == b.partition)
            .ok_or_else(|| Error::malformed("Produce response does not mention the partition"))?;
        if p.error_code != 0 {
            let mut e = Error::broker(p.error_code, format!("produce to {}/{}", b.topic, b.partition));
            if let Some(m) = p.error_message.as_deref().filter(|m| !m.is_empty()) {
                e = e.context(m);
            }
            return Err(e);
        }
        Ok(WriteResult {
            partition: b.partition,
            base_offset: p.base_offset,
            log_append_time_ms: p.log_append_time_ms,
            bytes,
        })
    }

    // ---- fetch -----------------------------------------------------------------------------

    /// Fetches one batch of messages from the current offset: the broker answers once it has
    /// `min_bytes` or `max_wait` has passed, with at most about `max_bytes`. Reading messages
    /// from the batch advances the Conn's offset.
    pub async fn read_batch(
        &self,
        min_bytes: i32,
        max_bytes: i32,
        max_wait: Duration,
        read_committed: bool,
    ) -> Result<FetchedBatch> {
        let b = self.bound()?;
        if min_bytes < 0 || max_bytes < 1 {
            return Err(Error::invalid_arg(format!("invalid fetch sizes min {min_bytes} max {max_bytes}")));
        }
        let offset = self.current_offset().await?;
        let opts = FetchOptions {
            min_bytes,
            max_bytes,
            max_wait,
            read_committed,
            max_decompressed_fetch: DEFAULT_MAX_DECOMPRESSED_FETCH,
        };
        let pos =
            FetchPosition { topic: b.topic.clone(), topic_id: b.topic_id, partition: b.partition, offset };
        let p = fetch_one(&self.broker, &opts, &pos).await?;
        Ok(FetchedBatch::from_partition(Arc::from(b.topic.as_str()), offset, p, &opts, self.offset.clone()))
    }

    /// Closes the connection; calls in flight on other threads fail with CLOSED.
    pub fn close(&self) {
        self.broker.close();
    }
}

fn same_broker(conn: &BrokerConnection, b: &BrokerInfo) -> bool {
    conn.addr() == b.addr()
        || conn.peer_addr().is_some_and(|p| p.port() as i32 == b.port && p.ip().to_string() == b.host)
}

fn limit(call: Option<Duration>, deadline: Option<Instant>) -> Option<Duration> {
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    match (call, left) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_shortens_call_timeout() {
        let soon = Instant::now() + Duration::from_millis(100);
        assert!(limit(Some(Duration::from_secs(5)), Some(soon)).unwrap() <= Duration::from_millis(100));
        assert_eq!(limit(Some(Duration::from_secs(1)), None), Some(Duration::from_secs(1)));
        assert!(limit(None, Some(soon)).is_some());
        assert_eq!(limit(None, None), None);
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(limit(None, Some(past)), Some(Duration::ZERO));
    }
}
