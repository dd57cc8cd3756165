//! The Reader: kafka-go's Reader for one topic partition. A fetch task prefetches ahead of the
//! application, follows the partition's leader through leader changes and broker restarts, and
//! never hands out a message from before the latest seek.

pub mod group;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use self::group::GroupReader;
pub use self::group::Rebalance;
use crate::cluster::fetch::{fetch_one, BadBatch, FetchOptions, FetchPosition, FetchedBatch, Message};
use crate::cluster::{ClusterClient, TopicInfo};
use crate::config::Config;
use crate::conn::ConnSettings;
use crate::error::{code, Error, Result};
use crate::group::assignor::{
    Assignor, CooperativeStickyAssignor, RackAffinityAssignor, RangeAssignor, RoundRobinAssignor,
};
use crate::group::member::{GroupMember, MemberSettings};
use crate::runtime::{self, CancelToken};

/// Offset sentinels accepted by [`Reader::set_offset`].
pub const FIRST_OFFSET: i64 = -2;
pub const LAST_OFFSET: i64 = -1;

/// Everything a reader takes from the configuration, checked as a whole.
#[derive(Clone, Debug)]
pub struct ReaderSettings {
    pub bootstrap: Vec<String>,
    pub conn: ConnSettings,
    pub metadata_max_age: Duration,
    pub topic: String,
    pub partition: i32,
    /// FIRST_OFFSET or LAST_OFFSET: where to start, and where to go when out of range.
    pub reset: i64,
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub max_wait: Duration,
    pub read_committed: bool,
    /// fetch.max.decompressed.bytes
    pub max_decompressed_fetch: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl ReaderSettings {
    /// The broker pool a reader fetches through.
    fn cluster(&self) -> Result<Arc<ClusterClient>> {
        ClusterClient::new(self.bootstrap.clone(), self.conn.connect.clone(), self.metadata_max_age)
    }

    pub fn from_config(cfg: &Config) -> Result<Self> {
        let bootstrap = cfg.bootstrap_servers()?;
        if bootstrap.is_empty() {
            return Err(Error::config(
                "bootstrap.servers is required for a reader (e.g. \"127.0.0.1:9092\")",
            ));
        }
        let topics = cfg.get("reader.topics")?;
        let in_group = !cfg.get("group.id")?.is_empty();
        let topic = match cfg.get("reader.topic")? {
            "" if in_group && !topics.is_empty() => {
                topics.split(',').next().unwrap_or_default().trim().to_string()
            }
            t => t.to_string(),
        };
        if topic.is_empty() {
            return Err(Error::config(
                "reader.topic is required: the topic to read (or reader.topics with group.id)",
            ));
        }
        if !topics.is_empty() && !in_group {
            return Err(Error::config(
                "reader.topics needs group.id: without a group a reader reads one partition",
            ));
        }
        let reset = match cfg.get("auto.offset.reset")? {
            "earliest" | "smallest" | "beginning" => FIRST_OFFSET,
            _ => LAST_OFFSET,
        };
        let min_bytes = cfg.get_int("fetch.min.bytes")? as i32;
        let max_bytes = cfg.get_int("fetch.max.bytes")? as i32;
        if min_bytes > max_bytes {
            return Err(Error::config("fetch.min.bytes must not exceed fetch.max.bytes"));
        }
        Ok(ReaderSettings {
            bootstrap,
            conn: ConnSettings::from_config(cfg)?,
            metadata_max_age: cfg.get_ms("metadata.max.age.ms")?,
            topic,
            partition: cfg.get_int("reader.partition")? as i32,
            reset,
            min_bytes,
            max_bytes,
            max_wait: cfg.get_ms("fetch.wait.max.ms")?,
            read_committed: cfg.get("isolation.level")? == "read_committed",
            max_decompressed_fetch: cfg.get_int("fetch.max.decompressed.bytes")? as usize,
            backoff_min: cfg.get_ms("retry.backoff.ms")?,
            backoff_max: cfg.get_ms("retry.backoff.max.ms")?,
        })
    }
}

/// What the fetch task hands to the application: messages or an error, tagged with the seek
/// generation they belong to.
enum Fetched {
    /// `next`: where the fetch task goes on from (past skipped markers and aborted records).
    Messages {
        generation: u64,
        messages: Vec<Message>,
        next: i64,
    },
    Error {
        generation: u64,
        error: Error,
    },
}

/// Where the fetch task should read next. A seek bumps the generation.
#[derive(Clone, Copy)]
struct Position {
    generation: u64,
    offset: i64,
}

#[derive(Default)]
struct Counters {
    fetches: AtomicU64,
    messages: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    reconnects: AtomicU64,
}

struct Shared {
    settings: ReaderSettings,
    cluster: Arc<ClusterClient>,
    position: Mutex<Position>,
    seek: Notify,
    high_water_mark: AtomicI64,
    stats: Counters,
}

/// A snapshot of a reader's activity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReaderStats {
    pub fetches: u64,
    pub messages: u64,
    pub bytes: u64,
    pub errors: u64,
    pub reconnects: u64,
    pub offset: i64,
    pub lag: i64,
    pub queued_messages: u64,
}

impl ReaderStats {
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"fetches":{},"messages":{},"bytes":{},"errors":{},"reconnects":{},"offset":{},"lag":{},"queued_messages":{}}}"#,
            self.fetches,
            self.messages,
            self.bytes,
            self.errors,
            self.reconnects,
            self.offset,
            self.lag,
            self.queued_messages
        )
    }
}

/// State of the application side: the batch being handed out, and the offset of the next
/// message it will get.
struct Front {
    generation: u64,
    queue: VecDeque<Message>,
    offset: i64,
    /// Where the fetch that filled the queue ended: the offset once the queue is drained
    /// (past transaction markers and aborted records that were never delivered).
    queue_end: i64,
}

/// Reads one topic partition. Calls may come from any thread; reads are serialized.
pub struct PartitionReader {
    shared: Arc<Shared>,
    rx: tokio::sync::Mutex<mpsc::Receiver<Fetched>>,
    front: Mutex<Front>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// How many fetch responses the fetch task may run ahead of the application.
const PREFETCH: usize = 4;

impl PartitionReader {
    /// Creates a reader; fetching starts in the background at once.
    fn new(settings: ReaderSettings) -> Result<PartitionReader> {
        let cluster = settings.cluster()?;
        let start = settings.reset;
        let shared = Arc::new(Shared {
            settings,
            cluster,
            position: Mutex::new(Position { generation: 0, offset: start }),
            seek: Notify::new(),
            high_water_mark: AtomicI64::new(-1),
            stats: Counters::default(),
        });
        let (tx, rx) = mpsc::channel(PREFETCH);
        let task = runtime::spawn(fetch_loop(shared.clone(), tx))?;
        Ok(PartitionReader {
            shared,
            rx: tokio::sync::Mutex::new(rx),
            front: Mutex::new(Front {
                generation: 0,
                queue: VecDeque::new(),
                offset: start,
                queue_end: start,
            }),
            task: Mutex::new(Some(task)),
        })
    }

    pub fn settings(&self) -> &ReaderSettings {
        &self.shared.settings
    }

    /// The next message (kafka-go's ReadMessage / FetchMessage), waiting up to `timeout`.
    pub fn read(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<Message> {
        let mut batch = self.read_batch(1, timeout, cancel)?;
        batch.pop().ok_or_else(|| Error::internal("empty read"))
    }

    /// Up to `max` messages that are already here, or waits up to `timeout` for the first.
    pub fn read_batch(
        &self,
        max: usize,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Message>> {
        if max == 0 {
            return Err(Error::invalid_arg("max must be at least 1"));
        }
        if let Some(out) = self.take(max) {
            return Ok(out);
        }
        runtime::block_on(
            async {
                let mut rx = self.rx.lock().await;
                loop {
                    if let Some(out) = self.take(max) {
                        return Ok(out);
                    }
                    let Some(f) = rx.recv().await else {
                        return Err(Error::closed("the reader is closed"));
                    };
                    let current = self.shared.position.lock().unwrap_or_else(|p| p.into_inner()).generation;
                    match f {
                        Fetched::Messages { generation, messages, next } if generation == current => {
                            let mut front = self.front.lock().unwrap_or_else(|p| p.into_inner());
                            if front.generation == generation {
                                front.queue.extend(messages);
                                front.queue_end = front.queue_end.max(next);
                                if front.queue.is_empty() {
                                    front.offset = front.offset.max(next);
                                }
                            }
                        }
                        Fetched::Error { generation, error } if generation == current => return Err(error),
                        // From before a seek: dropped.
                        _ => {}
                    }
                }
            },
            timeout,
            cancel,
        )
    }

    fn take(&self, max: usize) -> Option<Vec<Message>> {
        let mut front = self.front.lock().unwrap_or_else(|p| p.into_inner());
        if front.queue.is_empty() {
            return None;
        }
        let n = max.min(front.queue.len());
        let out: Vec<Message> = front.queue.drain(..n).collect();
        if let Some(last) = out.last() {
            front.offset = last.offset + 1;
            if front.queue.is_empty() {
                front.offset = front.offset.max(front.queue_end);
            }
        }
        Some(out)
    }

    /// Moves the reader to `offset` (or FIRST_OFFSET / LAST_OFFSET). Messages fetched before
    /// are dropped; the next read returns the message at `offset`.
    pub fn set_offset(&self, offset: i64) -> Result<()> {
        if offset < FIRST_OFFSET {
            return Err(Error::invalid_arg(format!("invalid offset {offset}")));
        }
        let generation = {
            let mut p = self.shared.position.lock().unwrap_or_else(|p| p.into_inner());
            p.generation += 1;
            p.offset = offset;
            p.generation
        };
        {
            let mut front = self.front.lock().unwrap_or_else(|p| p.into_inner());
            front.generation = generation;
            front.queue.clear();
            front.offset = offset;
            front.queue_end = offset;
        }
        self.shared.seek.notify_one();
        Ok(())
    }

    /// Moves the reader to the first message at or after `unix_ms` (the end if none).
    pub fn set_offset_at(
        &self,
        unix_ms: i64,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<i64> {
        if unix_ms < 0 {
            return Err(Error::invalid_arg("time must not be negative"));
        }
        let shared = self.shared.clone();
        let offset = runtime::block_on(
            async move {
                match list_offset(&shared, unix_ms).await? {
                    o if o >= 0 => Ok(o),
                    _ => list_offset(&shared, LAST_OFFSET).await,
                }
            },
            timeout,
            cancel,
        )?;
        self.set_offset(offset)?;
        Ok(offset)
    }

    /// The offset of the next message `read` returns; FIRST_OFFSET/LAST_OFFSET until known.
    pub fn offset(&self) -> i64 {
        let front = self.front.lock().unwrap_or_else(|p| p.into_inner());
        match front.queue.front() {
            Some(m) => m.offset,
            None => front.offset,
        }
    }

    /// Messages between the reader's offset and the high watermark of the last fetch (kafka-go's
    /// Lag; with read_committed, the last stable offset); -1 before the first fetch.
    pub fn lag(&self) -> i64 {
        let hwm = self.shared.high_water_mark.load(Ordering::SeqCst);
        let offset = self.offset();
        if hwm < 0 || offset < 0 {
            -1
        } else {
            (hwm - offset).max(0)
        }
    }

    /// Asks the leader for the current high watermark and returns the lag to it (kafka-go's
    /// ReadLag).
    pub fn read_lag(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<i64> {
        let shared = self.shared.clone();
        let hwm = runtime::block_on(async move { list_offset(&shared, LAST_OFFSET).await }, timeout, cancel)?;
        self.shared.high_water_mark.fetch_max(hwm, Ordering::SeqCst);
        let offset = self.offset();
        let offset = if offset == FIRST_OFFSET {
            let shared = self.shared.clone();
            runtime::block_on(async move { list_offset(&shared, FIRST_OFFSET).await }, timeout, cancel)?
        } else if offset == LAST_OFFSET {
            hwm
        } else {
            offset
        };
        Ok((hwm - offset).max(0))
    }

    pub fn stats(&self) -> ReaderStats {
        let s = &self.shared.stats;
        ReaderStats {
            fetches: s.fetches.load(Ordering::Relaxed),
            messages: s.messages.load(Ordering::Relaxed),
            bytes: s.bytes.load(Ordering::Relaxed),
            errors: s.errors.load(Ordering::Relaxed),
            reconnects: s.reconnects.load(Ordering::Relaxed),
            offset: self.offset(),
            lag: self.lag(),
            queued_messages: self.front.lock().unwrap_or_else(|p| p.into_inner()).queue.len() as u64,
        }
    }

    /// Stops fetching and closes the connections. Returns at once; never blocks on the network.
    pub fn close(&self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
        self.shared.cluster.close();
    }
}

impl Drop for PartitionReader {
    fn drop(&mut self) {
        self.close();
    }
}

async fn topic_info(shared: &Shared, refresh: bool) -> Result<Arc<TopicInfo>> {
    shared.cluster.topic(&shared.settings.topic, refresh, false).await
}

async fn leader(shared: &Shared, refresh: bool) -> Result<(i32, Arc<TopicInfo>)> {
    let t = topic_info(shared, refresh).await?;
    let p = shared.settings.partition;
    let leader = t
        .partitions
        .iter()
        .find(|x| x.id == p)
        .ok_or_else(|| Error::broker(3, format!("topic {} has no partition {p}", t.name)))?
        .leader;
    if leader < 0 {
        return Err(Error::broker(5, format!("{}/{p} has no leader", t.name)));
    }
    Ok((leader, t))
}

/// ListOffsets on the partition's leader: FIRST_OFFSET, LAST_OFFSET or a time (-1 if no message
/// is that recent).
async fn list_offset(shared: &Shared, timestamp: i64) -> Result<i64> {
    let mut refresh = false;
    let mut last = Error::internal("no attempt");
    for _ in 0..3 {
        let attempt = async {
            let (leader, t) = leader(shared, refresh).await?;
            let conn = shared.cluster.broker(leader).await?;
            let s = &shared.settings;
            crate::cluster::list_offset(&conn, &t.name, s.partition, timestamp, s.read_committed).await
        };
        match attempt.await {
            Ok(o) => return Ok(o),
            Err(e) if e.is_retriable() => {
                last = e;
                refresh = true;
                tokio::time::sleep(shared.settings.backoff_min).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// What one fetch gave: the end the lag counts to, the messages, the offset to fetch next (past
/// skipped transaction markers and aborted records too, or at a batch that cannot be read) and
/// that batch.
type FetchOutcome = (i64, Vec<Message>, i64, Option<BadBatch>);

/// One fetch of the partition from `offset` on its leader.
async fn fetch_once(shared: &Shared, offset: i64, refresh: bool) -> Result<FetchOutcome> {
    let s = &shared.settings;
    let (leader, t) = leader(shared, refresh).await?;
    let conn = shared.cluster.broker(leader).await?;
    let opts = FetchOptions {
        min_bytes: s.min_bytes,
        max_bytes: s.max_bytes,
        max_wait: s.max_wait,
        read_committed: s.read_committed,
        max_decompressed_fetch: s.max_decompressed_fetch,
    };
    let pos = FetchPosition { topic: t.name.clone(), topic_id: t.id, partition: s.partition, offset };
    let p = fetch_one(&conn, &opts, &pos).await?;
    // What lag counts to: the high watermark, or with read_committed the last stable offset
    // (as ListOffsets answers read_lag), since nothing beyond it can be read yet.
    let hwm =
        if s.read_committed && p.last_stable_offset >= 0 { p.last_stable_offset } else { p.high_watermark };
    shared.stats.bytes.fetch_add(p.records.as_ref().map_or(0, |r| r.len()) as u64, Ordering::Relaxed);
    let cursor = Arc::new(AtomicI64::new(offset));
    let (messages, next, bad) =
        FetchedBatch::from_partition(Arc::from(t.name.as_str()), offset, p, &opts, cursor).drain();
    Ok((hwm, messages, next, bad))
}

async fn fetch_loop(shared: Arc<Shared>, tx: mpsc::Sender<Fetched>) {
    let mut refresh = false;
    let mut failures: u32 = 0;
    loop {
        let pos = *shared.position.lock().unwrap_or_else(|p| p.into_inner());
        let still_current = |shared: &Shared| {
            shared.position.lock().unwrap_or_else(|p| p.into_inner()).generation == pos.generation
        };

        let step = async {
            let offset = if pos.offset < 0 {
                let o = list_offset(&shared, pos.offset).await?;
                let mut p = shared.position.lock().unwrap_or_else(|p| p.into_inner());
                if p.generation == pos.generation {
                    p.offset = o;
                }
                o
            } else {
                pos.offset
            };
            fetch_once(&shared, offset, refresh).await
        };
        let outcome = tokio::select! {
            r = step => Some(r),
            _ = shared.seek.notified() => None,
        };
        let Some(outcome) = outcome else { continue };
        match outcome {
            Ok((hwm, messages, next, bad)) => {
                failures = 0;
                refresh = false;
                shared.stats.fetches.fetch_add(1, Ordering::Relaxed);
                shared.high_water_mark.store(hwm, Ordering::SeqCst);
                {
                    let mut p = shared.position.lock().unwrap_or_else(|p| p.into_inner());
                    if p.generation != pos.generation {
                        continue;
                    }
                    p.offset = next;
                }
                // A fetch of nothing new is not passed on; one that only skipped markers or
                // aborted records is, so the application's offset moves past them.
                if !messages.is_empty() || next > pos.offset {
                    shared.stats.messages.fetch_add(messages.len() as u64, Ordering::Relaxed);
                    let send = tx.send(Fetched::Messages { generation: pos.generation, messages, next });
                    tokio::select! {
                        r = send => if r.is_err() { return },
                        _ = shared.seek.notified() => continue,
                    }
                }
                // A batch that cannot be read: after the messages before it, the application
                // gets its error once, and the reader waits at that batch until the
                // application moves it (set_offset to BadBatch::skip_to, named in the error,
                // skips the batch). Fetching it again could only fail the same way.
                if let Some(bad) = bad {
                    shared.stats.errors.fetch_add(1, Ordering::Relaxed);
                    let send = tx.send(Fetched::Error { generation: pos.generation, error: bad.error });
                    tokio::select! {
                        r = send => if r.is_err() { return },
                        _ = shared.seek.notified() => continue,
                    }
                    // A seek that came while the error was being sent may have been taken by
                    // the select above: wait only while the position is still this one.
                    let seek = shared.seek.notified();
                    tokio::pin!(seek);
                    seek.as_mut().enable();
                    if still_current(&shared) {
                        seek.await;
                    }
                }
            }
            Err(e) => {
                if !still_current(&shared) {
                    continue;
                }
                shared.stats.errors.fetch_add(1, Ordering::Relaxed);
                failures += 1;
                if e.code() == 1 {
                    // OFFSET_OUT_OF_RANGE: jump to the start or end, as auto.offset.reset says.
                    let mut p = shared.position.lock().unwrap_or_else(|p| p.into_inner());
                    if p.generation == pos.generation {
                        p.offset = shared.settings.reset;
                    }
                    continue;
                }
                if e.is_retriable() || e.code() == code::CLOSED {
                    // Leader moved or broker gone: look the leader up again and reconnect.
                    refresh = true;
                    shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                } else if tx.send(Fetched::Error { generation: pos.generation, error: e }).await.is_err() {
                    return;
                }
                let s = &shared.settings;
                let backoff = runtime::backoff(s.backoff_min, s.backoff_max, failures);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shared.seek.notified() => {}
                }
            }
        }
    }
}

/// Settings of a reader in a consumer group, checked as a whole.
struct GroupConfig {
    member: MemberSettings,
    assignors: Vec<Arc<dyn Assignor>>,
    commit_interval: Duration,
}

fn group_config(cfg: &Config, settings: &ReaderSettings) -> Result<GroupConfig> {
    let topics: Vec<String> = match cfg.get("reader.topics")? {
        "" => vec![settings.topic.clone()],
        list => list.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
    };
    let rack = Some(cfg.get("client.rack")?).filter(|r| !r.is_empty()).map(String::from);
    let mut assignors: Vec<Arc<dyn Assignor>> = Vec::new();
    for name in cfg.get("partition.assignment.strategy")?.split(',').map(str::trim).filter(|n| !n.is_empty())
    {
        assignors.push(match name {
            "range" => Arc::new(RangeAssignor),
            "roundrobin" => Arc::new(RoundRobinAssignor),
            "cooperative-sticky" => Arc::new(CooperativeStickyAssignor),
            "rack-affinity" => Arc::new(RackAffinityAssignor::new(rack.clone())),
            other => {
                return Err(Error::config(format!(
                    "partition.assignment.strategy: unknown assignor \"{other}\" (range, roundrobin, cooperative-sticky, rack-affinity)"
                )))
            }
        });
    }
    let session = cfg.get_ms("session.timeout.ms")?;
    let heartbeat = cfg.get_ms("heartbeat.interval.ms")?;
    if heartbeat >= session {
        return Err(Error::config("heartbeat.interval.ms must be below session.timeout.ms"));
    }
    let instance = cfg.get("group.instance.id")?;
    Ok(GroupConfig {
        member: MemberSettings {
            group_id: cfg.get("group.id")?.to_string(),
            instance_id: (!instance.is_empty()).then(|| instance.to_string()),
            topics,
            session_timeout: session,
            rebalance_timeout: cfg.get_ms("max.poll.interval.ms")?,
            heartbeat_interval: heartbeat,
            rack,
            backoff: settings.backoff_min,
            watch_partitions: if cfg.get_bool("watch.partition.changes")? {
                Some(cfg.get_ms("topic.metadata.refresh.interval.ms")?)
            } else {
                None
            },
        },
        assignors,
        commit_interval: cfg.get_ms("auto.commit.interval.ms")?,
    })
}

struct GroupMode {
    reader: GroupReader,
    commit_interval: Duration,
    last_commit: Mutex<std::time::Instant>,
}

enum Mode {
    Partition(PartitionReader),
    Group(GroupMode),
}

/// kafka-go's Reader: one topic partition, or (with `group.id`) the partitions a consumer group
/// assigns. Calls may come from any thread.
pub struct Reader {
    settings: ReaderSettings,
    mode: Mode,
}

fn group_only(what: &str) -> Error {
    Error::new(code::STATE, format!("{what} is only available in a consumer group (set group.id)"))
}

fn not_in_group(what: &str) -> Error {
    Error::new(
        code::STATE,
        format!("{what} is not available when group.id is set (the group decides offsets)"),
    )
}

impl Reader {
    /// Creates a reader from the configuration; with `group.id` it joins the group.
    pub fn new(cfg: &Config) -> Result<Reader> {
        // Parsed once: the security settings read and check key and certificate files.
        let settings = ReaderSettings::from_config(cfg)?;
        if cfg.get("group.id")?.is_empty() {
            return Ok(Reader { mode: Mode::Partition(PartitionReader::new(settings.clone())?), settings });
        }
        let g = group_config(cfg, &settings)?;
        let cluster = settings.cluster()?;
        let (member, events) = GroupMember::start(cluster.clone(), g.member, g.assignors)?;
        let fetch = group::GroupFetchSettings {
            reset: settings.reset,
            min_bytes: settings.min_bytes,
            max_bytes: settings.max_bytes,
            max_wait: settings.max_wait,
            read_committed: settings.read_committed,
            max_decompressed_fetch: settings.max_decompressed_fetch,
            backoff: settings.backoff_min,
        };
        let reader = GroupReader::start(cluster, member, events, fetch)?;
        Ok(Reader {
            settings,
            mode: Mode::Group(GroupMode {
                reader,
                commit_interval: g.commit_interval,
                last_commit: Mutex::new(std::time::Instant::now()),
            }),
        })
    }

    pub fn settings(&self) -> &ReaderSettings {
        &self.settings
    }

    pub fn is_group(&self) -> bool {
        matches!(self.mode, Mode::Group(_))
    }

    /// Up to `max` messages. In a group, they are committed as kafka-go's ReadMessage does:
    /// synchronously when `auto.commit.interval.ms` is 0, else gathered for the next periodic
    /// commit.
    pub fn read_batch(
        &self,
        max: usize,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Message>> {
        let msgs = self.fetch_batch(max, timeout, cancel)?;
        if let Mode::Group(g) = &self.mode {
            let refs: Vec<&Message> = msgs.iter().collect();
            if g.commit_interval.is_zero() {
                match g.reader.commit(&refs, timeout, cancel) {
                    Ok(()) => {}
                    Err(e) if e.code() > 0 => {
                        // The broker (or the generation check) refused: nothing was committed,
                        // so nothing is delivered and the next read returns them again
                        // (kafka-go loses them here; a later commit would skip over them).
                        g.reader.unread(msgs);
                        return Err(e);
                    }
                    Err(_) => {
                        // Timed out or the connection broke: the broker may have applied the
                        // commit, and if the partition moved before the next read nobody would
                        // deliver these. So they are delivered now and their offsets go with
                        // the next commit (before a rebalance and on close at the latest):
                        // at least once, never lost.
                        g.reader.stage_commit(&refs);
                    }
                }
            } else {
                g.reader.stage_commit(&refs);
                // A failed periodic commit keeps its offsets for the next one.
                let _ = self.commit_if_due(g, timeout, cancel);
            }
        }
        Ok(msgs)
    }

    fn commit_if_due(
        &self,
        g: &GroupMode,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<()> {
        let mut last = g.last_commit.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed() >= g.commit_interval {
            *last = std::time::Instant::now();
            drop(last);
            g.reader.flush_commits(timeout, cancel)?;
        }
        Ok(())
    }

    /// The next message, committed in a group (kafka-go's ReadMessage).
    pub fn read(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<Message> {
        self.read_batch(1, timeout, cancel)?.pop().ok_or_else(|| Error::internal("empty read"))
    }

    /// Up to `max` messages without committing them (kafka-go's FetchMessage); commit them with
    /// [`Reader::commit`].
    pub fn fetch_batch(
        &self,
        max: usize,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Message>> {
        match &self.mode {
            Mode::Partition(r) => r.read_batch(max, timeout, cancel),
            Mode::Group(g) => {
                if !g.commit_interval.is_zero() {
                    let _ = self.commit_if_due(g, timeout, cancel);
                }
                g.reader.read_batch(max, timeout, cancel)
            }
        }
    }

    /// The next message without committing it (kafka-go's FetchMessage).
    pub fn fetch(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<Message> {
        self.fetch_batch(1, timeout, cancel)?.pop().ok_or_else(|| Error::internal("empty read"))
    }

    /// Commits the offsets after `msgs` (kafka-go's CommitMessages): the highest offset per
    /// partition wins; messages of a finished generation are refused (ILLEGAL_GENERATION).
    pub fn commit(
        &self,
        msgs: &[&Message],
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<()> {
        match &self.mode {
            Mode::Partition(_) => Err(group_only("commit")),
            Mode::Group(g) => {
                if g.commit_interval.is_zero() {
                    g.reader.commit(msgs, timeout, cancel)
                } else {
                    g.reader.stage_commit(msgs);
                    self.commit_if_due(g, timeout, cancel)
                }
            }
        }
    }

    /// Rebalances (assigned / revoked partitions) since the last call; always empty outside a
    /// group.
    pub fn take_rebalances(&self) -> Vec<group::Rebalance> {
        match &self.mode {
            Mode::Partition(_) => Vec::new(),
            Mode::Group(g) => g.reader.take_rebalances(),
        }
    }

    pub fn set_offset(&self, offset: i64) -> Result<()> {
        match &self.mode {
            Mode::Partition(r) => r.set_offset(offset),
            Mode::Group(_) => Err(not_in_group("set_offset")),
        }
    }

    pub fn set_offset_at(
        &self,
        unix_ms: i64,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<i64> {
        match &self.mode {
            Mode::Partition(r) => r.set_offset_at(unix_ms, timeout, cancel),
            Mode::Group(_) => Err(not_in_group("set_offset_at")),
        }
    }

    /// The next offset to read; -1 in a group (as kafka-go).
    pub fn offset(&self) -> i64 {
        match &self.mode {
            Mode::Partition(r) => r.offset(),
            Mode::Group(_) => -1,
        }
    }

    /// The lag; -1 in a group (as kafka-go).
    pub fn lag(&self) -> i64 {
        match &self.mode {
            Mode::Partition(r) => r.lag(),
            Mode::Group(_) => -1,
        }
    }

    pub fn read_lag(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<i64> {
        match &self.mode {
            Mode::Partition(r) => r.read_lag(timeout, cancel),
            Mode::Group(_) => Err(not_in_group("read_lag")),
        }
    }

    pub fn stats(&self) -> ReaderStats {
        match &self.mode {
            Mode::Partition(r) => r.stats(),
            Mode::Group(g) => {
                ReaderStats { fetches: g.reader.fetches(), offset: -1, lag: -1, ..Default::default() }
            }
        }
    }

    /// In a group: stops delivering the partitions held and queues a Revoked rebalance for
    /// them, before [`Reader::close`] leaves the group (the rebalance callback can still commit).
    pub fn revoke_for_close(&self) {
        if let Mode::Group(g) = &self.mode {
            g.reader.revoke_for_close();
        }
    }

    /// Stops reading. In a group: commits what was gathered, leaves the group (so the others
    /// take over at once), and stops fetching, within `timeout` (or until `cancel` fires).
    pub fn close(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<()> {
        match &self.mode {
            Mode::Partition(r) => {
                r.close();
                Ok(())
            }
            Mode::Group(g) => g.reader.close(timeout, cancel),
        }
    }
}
