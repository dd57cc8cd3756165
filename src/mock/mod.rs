//! An in-process mock Kafka cluster for tests: N brokers on loopback ports speaking the real wire
//! protocol (through the generated messages in `crate::protocol`), with in-memory partition logs,
//! idempotent-producer checks, a classic group coordinator, committed offsets, and fault
//! injection. It is a test tool beside the layers: it uses only `protocol`, `error` and tokio.
//!
//! It is not a broker: no replication (replicas and ISR are metadata only), no transactions, no
//! compaction or retention, no SASL/TLS, no quotas, no KIP-848 groups. See docs/mock-cluster.md.
//!
//! ```no_run
//! use kafka_rs::mock::{MockCluster, api_key, errors};
//! let mock = MockCluster::start(3).unwrap();
//! mock.create_topic("t", 3).unwrap();
//! mock.push_errors(api_key::PRODUCE, &[errors::NOT_LEADER_OR_FOLLOWER; 2]);
//! let bootstrap = mock.bootstrap(); // "127.0.0.1:port,..." for bootstrap.servers
//! # drop(bootstrap);
//! ```

mod group;
mod handlers;
mod server;
mod state;

pub mod errors;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::runtime::Runtime;
use tokio::sync::Notify;

use crate::error::{code, Error, Result};
pub use crate::protocol::messages::api_key;
use state::{BrokerInfo, Fault, State};

/// What the brokers' tasks share.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Woken whenever a log grows (long-polling fetches wait on it).
    pub(crate) appended: Notify,
}

/// How [`MockCluster::append_corrupt_batch`] breaks a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// The batch's CRC does not match its contents (fails when the batch is parsed).
    Crc,
    /// Valid CRC, attributes say gzip, the payload is not gzip (fails on decompression).
    Compression,
    /// Valid CRC, uncompressed, but the records are not valid record encodings.
    Records,
}

/// A running mock cluster. Dropping it stops it (as [`MockCluster::stop`]).
pub struct MockCluster {
    shared: Arc<Shared>,
    rt: Option<Runtime>,
    running: Mutex<Vec<Option<server::Running>>>,
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn not_found(what: String) -> Error {
    Error::new(code::NOT_FOUND, what)
}

impl MockCluster {
    /// Starts `brokers` brokers (ids 1..=brokers) on ephemeral 127.0.0.1 ports, on a runtime of
    /// the mock's own (so it works from any `#[test]`, with or without a tokio runtime).
    pub fn start(brokers: usize) -> Result<MockCluster> {
        if brokers == 0 || brokers > 64 {
            return Err(Error::invalid_arg(format!("broker count must be 1..=64, not {brokers}")));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kafka-mock")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::internal(format!("mock cluster runtime: {e}")))?;
        let s = seed();
        let mut st = State::new(String::new(), s);
        let id = st.next_uuid();
        st.cluster_id = format!("mock-{}", id[..8].iter().map(|b| format!("{b:02x}")).collect::<String>());
        let shared = Arc::new(Shared { state: Mutex::new(st), appended: Notify::new() });
        let mut running = Vec::new();
        for i in 0..brokers {
            let l = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| Error::transport(format!("mock broker bind: {e}")))?;
            let port = l.local_addr().map_err(|e| Error::transport(e.to_string()))?.port();
            let id = i as i32 + 1;
            shared.state.lock().unwrap().brokers.push(BrokerInfo {
                id,
                port,
                up: true,
                rtt_ms: 0,
                rack: None,
            });
            running.push(Some(Self::listen(&rt, &shared, id, l)?));
        }
        // Session and rebalance timeouts of every group.
        let weak = Arc::downgrade(&shared);
        rt.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let Some(shared) = weak.upgrade() else { return };
                let now = std::time::Instant::now();
                let mut st = shared.state.lock().unwrap();
                for g in st.groups.values_mut() {
                    g.tick(now);
                }
            }
        });
        Ok(MockCluster { shared, rt: Some(rt), running: Mutex::new(running) })
    }

    fn listen(
        rt: &Runtime,
        shared: &Arc<Shared>,
        id: i32,
        l: std::net::TcpListener,
    ) -> Result<server::Running> {
        l.set_nonblocking(true).map_err(|e| Error::transport(e.to_string()))?;
        let _g = rt.enter();
        let l = tokio::net::TcpListener::from_std(l).map_err(|e| Error::transport(e.to_string()))?;
        Ok(server::serve(shared.clone(), id, l))
    }

    fn rt(&self) -> &Runtime {
        self.rt.as_ref().expect("the mock cluster is running")
    }

    /// Runs `f` to completion on the mock's runtime from any thread (inside another runtime
    /// too: then from a helper thread).
    fn block<F: Future + Send>(&self, f: F) -> F::Output
    where
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| self.rt().block_on(f)).join().expect("mock cluster helper thread")
            })
        } else {
            self.rt().block_on(f)
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap()
    }

    /// "127.0.0.1:port,..." of every broker, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        self.state().brokers.iter().map(|b| format!("127.0.0.1:{}", b.port)).collect::<Vec<_>>().join(",")
    }

    /// The address of one broker.
    pub fn broker_address(&self, broker: i32) -> Option<String> {
        self.state().broker(broker).map(|b| format!("127.0.0.1:{}", b.port))
    }

    pub fn broker_count(&self) -> usize {
        self.state().brokers.len()
    }

    pub fn cluster_id(&self) -> String {
        self.state().cluster_id.clone()
    }

    /// Sets a broker's rack (reported in Metadata).
    pub fn set_rack(&self, broker: i32, rack: Option<&str>) -> Result<()> {
        let mut st = self.state();
        let b = st
            .brokers
            .iter_mut()
            .find(|b| b.id == broker)
            .ok_or_else(|| not_found(format!("no broker {broker}")))?;
        b.rack = rack.map(str::to_string);
        Ok(())
    }

    /// Creates a topic with `partitions` partitions; leaders round-robin over the brokers,
    /// min(3, brokers) replicas each (metadata only).
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<()> {
        if partitions <= 0 {
            return Err(Error::invalid_arg(format!("partitions must be positive, not {partitions}")));
        }
        self.state().create_topic(name, partitions, -1, &[]).map(drop).map_err(|(c, m)| Error::broker(c, m))
    }

    /// Deletes a topic (its log and producer state). NOT_FOUND if there is none.
    pub fn delete_topic(&self, name: &str) -> Result<()> {
        self.state().topics.remove(name).map(drop).ok_or_else(|| not_found(format!("no topic {name}")))
    }

    /// The topic's id, as Metadata reports it.
    pub fn topic_id(&self, name: &str) -> Option<[u8; 16]> {
        self.state().topics.get(name).map(|t| t.id)
    }

    /// Whether Metadata requests that allow it create unknown topics (default on), and with how
    /// many partitions (default 1).
    pub fn set_auto_create(&self, enabled: bool, partitions: i32) {
        let mut st = self.state();
        st.auto_create = enabled;
        st.default_partitions = partitions.max(1);
    }

    /// How long an Empty group waits for more members before its first rebalance completes
    /// (Kafka's group.initial.rebalance.delay.ms; 0 here by default).
    pub fn set_group_initial_rebalance_delay(&self, ms: u64) {
        self.state().group_initial_delay_ms = ms;
    }

    /// Moves a partition's leadership to `broker`, or makes it leaderless with -1 (Metadata then
    /// reports leader -1 and LEADER_NOT_AVAILABLE). The leader epoch increases; the old leader
    /// answers NOT_LEADER_OR_FOLLOWER for it.
    pub fn set_leader(&self, topic: &str, partition: i32, broker: i32) -> Result<()> {
        let mut st = self.state();
        if broker != -1 && st.broker(broker).is_none() {
            return Err(not_found(format!("no broker {broker}")));
        }
        let p = st
            .partition_mut(topic, partition)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))?;
        p.leader = broker;
        p.leader_epoch += 1;
        if broker >= 0 && !p.replicas.contains(&broker) {
            p.replicas.insert(0, broker);
        }
        Ok(())
    }

    /// The partition's configured leader (-1: none).
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        self.state().partition(topic, partition).map(|p| p.leader)
    }

    fn push(&self, api: i16, faults: impl IntoIterator<Item = Fault>) {
        self.state().faults.entry(api).or_default().extend(faults);
    }

    /// The next `codes.len()` requests of `api_key` (on any broker) fail with these Kafka error
    /// codes, one each, in order: the request has no effect and every entry of its response
    /// carries the code. Queued behind swallow/drop faults pushed earlier for the same API.
    pub fn push_errors(&self, api_key: i16, codes: &[i16]) {
        self.push(api_key, codes.iter().map(|c| Fault::Error(*c)));
    }

    /// The next `codes.len()` requests of `api_key` that name `topic`/`partition` get these
    /// codes in that partition's response entry (the other partitions are served normally).
    /// APIs with partitions: Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch.
    pub fn push_partition_errors(&self, api_key: i16, topic: &str, partition: i32, codes: &[i16]) {
        self.state()
            .partition_faults
            .entry((api_key, topic.to_string(), partition))
            .or_default()
            .extend(codes.iter().copied());
    }

    /// Delays every response of `api_key` by `ms` (0 removes the delay).
    pub fn delay(&self, api_key: i16, ms: u64) {
        let mut st = self.state();
        if ms == 0 {
            st.delays.remove(&api_key);
        } else {
            st.delays.insert(api_key, ms);
        }
    }

    /// Delays every response of one broker by `ms` (a round-trip time; 0 removes it).
    pub fn set_rtt(&self, broker: i32, ms: u64) -> Result<()> {
        let mut st = self.state();
        let b = st
            .brokers
            .iter_mut()
            .find(|b| b.id == broker)
            .ok_or_else(|| not_found(format!("no broker {broker}")))?;
        b.rtt_ms = ms;
        Ok(())
    }

    /// The next `n` requests of `api_key` are never answered; nor is anything after them on
    /// the same connection (a broker answers in order), which stays open until the client
    /// closes it.
    pub fn swallow(&self, api_key: i16, n: usize) {
        self.push(api_key, std::iter::repeat_n(Fault::Swallow, n));
    }

    /// The next `n` requests of `api_key` make the broker close the connection instead of
    /// answering.
    pub fn drop_connections(&self, api_key: i16, n: usize) {
        self.push(api_key, std::iter::repeat_n(Fault::Drop, n));
    }

    /// The next `n` requests of `api_key` are served (they take effect: a Produce is appended)
    /// but the broker closes the connection instead of answering: a lost acknowledgement.
    pub fn drop_responses(&self, api_key: i16, n: usize) {
        self.push(api_key, std::iter::repeat_n(Fault::DropResponse, n));
    }

    /// Forgets every queued fault and delay (request and partition errors, swallow, drop,
    /// API delays, broker RTTs).
    pub fn clear_faults(&self) {
        let mut st = self.state();
        st.faults.clear();
        st.partition_faults.clear();
        st.delays.clear();
        for b in &mut st.brokers {
            b.rtt_ms = 0;
        }
    }

    /// Takes a broker down: closes its listener and every connection to it; new connections are
    /// refused until [`MockCluster::broker_up`]. It leaves Metadata, and the partitions it leads
    /// report leader -1 (LEADER_NOT_AVAILABLE) until it is back or [`MockCluster::set_leader`]
    /// moves them.
    pub fn broker_down(&self, broker: i32) -> Result<()> {
        let idx = self.index(broker)?;
        let running = self.running.lock().unwrap()[idx].take();
        if let Some(r) = running {
            self.state().brokers[idx].up = false;
            self.block(r.shutdown());
        }
        Ok(())
    }

    /// Brings a broker back on the same port.
    pub fn broker_up(&self, broker: i32) -> Result<()> {
        let idx = self.index(broker)?;
        let mut running = self.running.lock().unwrap();
        if running[idx].is_some() {
            return Ok(());
        }
        let port = self.state().brokers[idx].port;
        let mut tries = 0;
        let l = loop {
            match std::net::TcpListener::bind(("127.0.0.1", port)) {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => {
                    return Err(Error::transport(format!("mock broker {broker} rebind to port {port}: {e}")))
                }
            }
        };
        running[idx] = Some(Self::listen(self.rt(), &self.shared, broker, l)?);
        self.state().brokers[idx].up = true;
        Ok(())
    }

    pub fn is_up(&self, broker: i32) -> bool {
        self.state().broker_up(broker)
    }

    fn index(&self, broker: i32) -> Result<usize> {
        self.state()
            .brokers
            .iter()
            .position(|b| b.id == broker)
            .ok_or_else(|| not_found(format!("no broker {broker}")))
    }

    /// Appends a record batch (v2, as a producer builds it) to a partition as the leader would:
    /// the base offset is rewritten; returns it.
    pub fn append_batch(&self, topic: &str, partition: i32, batch: &[u8]) -> Result<i64> {
        let parsed = state::parse_produced(&Bytes::copy_from_slice(batch))
            .map_err(|c| Error::broker(c, "append_batch: not a valid record batch"))?;
        let mut st = self.state();
        let p = st
            .partition_mut(topic, partition)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))?;
        let mut first = -1;
        for (h, bytes) in parsed {
            let base = p.append_raw(&bytes, i64::from(h.last_offset_delta) + 1, h.max_ts);
            if first < 0 {
                first = base;
            }
        }
        drop(st);
        self.shared.appended.notify_waiters();
        Ok(first)
    }

    /// Appends a deliberately undecodable batch taking `records` offsets (at least 1) at the end
    /// of a partition's log, and returns its base offset. Fetches return it like any other batch.
    pub fn append_corrupt_batch(
        &self,
        topic: &str,
        partition: i32,
        kind: Corruption,
        records: i32,
    ) -> Result<i64> {
        let records = records.max(1);
        let batch = corrupt_batch(kind, records);
        let mut st = self.state();
        let p = st
            .partition_mut(topic, partition)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))?;
        let base = p.append_raw(&batch, i64::from(records), 0);
        drop(st);
        self.shared.appended.notify_waiters();
        Ok(base)
    }

    /// Moves the log start forward (as retention or DeleteRecords would), dropping the batches
    /// wholly below `offset`; fetches below it then get OFFSET_OUT_OF_RANGE.
    pub fn truncate_log_start(&self, topic: &str, partition: i32, offset: i64) -> Result<()> {
        let mut st = self.state();
        let p = st
            .partition_mut(topic, partition)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))?;
        let offset = offset.clamp(p.log_start, p.high_watermark);
        p.log.retain(|b| b.last >= offset);
        p.log_start = offset;
        Ok(())
    }

    /// The partition's high watermark (= last stable offset, = log end).
    pub fn high_watermark(&self, topic: &str, partition: i32) -> Result<i64> {
        self.state()
            .partition(topic, partition)
            .map(|p| p.high_watermark)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))
    }

    pub fn log_start_offset(&self, topic: &str, partition: i32) -> Result<i64> {
        self.state()
            .partition(topic, partition)
            .map(|p| p.log_start)
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))
    }

    /// The stored batches of a partition, exactly as fetches return them.
    pub fn batches(&self, topic: &str, partition: i32) -> Result<Vec<Bytes>> {
        self.state()
            .partition(topic, partition)
            .map(|p| p.log.iter().map(|b| b.bytes.clone()).collect())
            .ok_or_else(|| not_found(format!("no partition {topic}/{partition}")))
    }

    /// How many produced batches were recognised as duplicates (answered with the original
    /// offset and not appended).
    pub fn duplicate_batches(&self) -> u64 {
        self.state().duplicates
    }

    /// The offset a group committed for a partition.
    pub fn committed_offset(&self, group: &str, topic: &str, partition: i32) -> Option<i64> {
        self.state().groups.get(group)?.offsets.get(&(topic.to_string(), partition)).map(|o| o.0)
    }

    /// A group's current generation and member ids (in join order; the leader first unless it
    /// changed), if the group exists.
    pub fn group_members(&self, group: &str) -> Option<(i32, Vec<String>)> {
        let st = self.state();
        let g = st.groups.get(group)?;
        Some((g.generation, g.members.iter().map(|m| m.id.clone()).collect()))
    }

    /// Requests of `api_key` received by all brokers (counted on arrival, faults included).
    pub fn request_count(&self, api_key: i16) -> u64 {
        self.state().counts.iter().filter(|((_, k), _)| *k == api_key).map(|(_, n)| *n).sum()
    }

    /// Requests of `api_key` received by one broker.
    pub fn broker_request_count(&self, broker: i32, api_key: i16) -> u64 {
        self.state().counts.get(&(broker, api_key)).copied().unwrap_or(0)
    }

    pub fn reset_request_counts(&self) {
        self.state().counts.clear();
    }

    /// Stops every broker and the runtime. Also done on drop.
    pub fn stop(&mut self) {
        let all: Vec<server::Running> =
            self.running.lock().unwrap().iter_mut().filter_map(Option::take).collect();
        if self.rt.is_some() {
            for r in all {
                self.block(r.shutdown());
            }
        }
        for b in &mut self.state().brokers {
            b.up = false;
        }
        if let Some(rt) = self.rt.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(2));
            }
        }
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A batch header + body with the given attributes, `count` records and a correct or wrong CRC.
fn raw_batch(attributes: i16, count: i32, body: &[u8], good_crc: bool) -> Vec<u8> {
    let mut b = Vec::with_capacity(61 + body.len());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&((49 + body.len()) as i32).to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    b.push(2);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&attributes.to_be_bytes());
    b.extend_from_slice(&(count - 1).to_be_bytes());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&(-1i64).to_be_bytes());
    b.extend_from_slice(&(-1i16).to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    b.extend_from_slice(&count.to_be_bytes());
    b.extend_from_slice(body);
    let mut crc = crc32c::crc32c(&b[21..]);
    if !good_crc {
        crc ^= 0xdead_beef;
    }
    b[17..21].copy_from_slice(&crc.to_be_bytes());
    b
}

fn corrupt_batch(kind: Corruption, count: i32) -> Vec<u8> {
    let garbage = [0xffu8; 32];
    match kind {
        Corruption::Crc => raw_batch(0, count, &garbage, false),
        Corruption::Compression => raw_batch(1, count, b"this is not gzip data at all....", true),
        Corruption::Records => raw_batch(0, count, &garbage, true),
    }
}

#[cfg(test)]
mod tests;
