//! The Reader in a consumer group (`group.id`): membership through `group::member`, and one
//! Fetch request per leader broker carrying every assigned partition it leads.
//!
//! Every assignment starts a new generation; messages fetched in an older one are dropped before
//! the application sees them unless their partition has stayed ours since (cooperative
//! rebalancing keeps partitions across generations). Commits carry the
//! generation of the messages they commit; the highest offset per partition wins.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

use tokio::sync::{mpsc, Notify};

use crate::cluster::fetch::{fetch, DecompressBudget, FetchOptions, FetchPosition, FetchedBatch, Message};
use crate::cluster::ClusterClient;
use crate::error::{Error, Result};
use crate::group::member::{GroupEvent, GroupMember, Partitions};
use crate::runtime::{self, CancelToken};

/// Settings of the fetching side.
#[derive(Clone, Debug)]
pub struct GroupFetchSettings {
    pub reset: i64,
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub max_wait: Duration,
    pub read_committed: bool,
    pub max_decompressed_fetch: usize,
    pub backoff: Duration,
}

/// A rebalance, as the application sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rebalance {
    Assigned(Partitions),
    Revoked(Partitions),
}

#[derive(Default)]
struct Positions {
    generation: i32,
    /// Next offset to fetch per partition of the current assignment.
    next: BTreeMap<(String, i32), i64>,
    /// The generation since which each partition of `next` has been ours without a break (a
    /// cooperative rebalance keeps partitions across generations).
    since: BTreeMap<(String, i32), i32>,
    /// Membership ended for good (fenced): every read fails with this.
    failed: Option<Error>,
}

impl Positions {
    /// Whether a message of `key` fetched in `generation` may still be delivered: the partition
    /// has been ours without a break since then.
    fn valid(&self, generation: i32, key: &(String, i32)) -> bool {
        self.next.contains_key(key) && self.since.get(key).is_some_and(|s| *s <= generation)
    }

    /// [`Positions::valid`] for a stream of messages: a run of one partition's messages of one
    /// generation is checked once, with no allocation per message.
    fn runs(&self) -> RunCheck<'_> {
        RunCheck { pos: self, last: None }
    }
}

struct RunCheck<'a> {
    pos: &'a Positions,
    /// The last run: topic, partition, generation, and whether it is valid.
    last: Option<(Arc<str>, i32, i32, bool)>,
}

impl RunCheck<'_> {
    /// Whether an error about `key` found in `generation` may still be reported.
    fn valid_key(&self, generation: i32, key: &(String, i32)) -> bool {
        self.pos.valid(generation, key)
    }

    /// Whether `m` (tagged with the generation it was fetched in) may still be delivered.
    fn valid(&mut self, m: &Message) -> bool {
        match &self.last {
            Some((t, p, g, ok)) if *g == m.generation && *p == m.partition && **t == *m.topic => *ok,
            _ => {
                let ok = self.pos.valid(m.generation, &(m.topic.to_string(), m.partition));
                self.last = Some((m.topic.clone(), m.partition, m.generation, ok));
                ok
            }
        }
    }
}

/// What the fetch loop hands to the application, in order per partition: a message, or an error
/// of one partition (a batch that cannot be read, skipped after it is reported; a non-retriable
/// fetch error).
enum Item {
    Message(Message),
    Error { key: (String, i32), generation: i32, error: Error },
}

impl Item {
    fn valid(&self, runs: &mut RunCheck<'_>) -> bool {
        match self {
            Item::Message(m) => runs.valid(m),
            Item::Error { key, generation, .. } => runs.valid_key(*generation, key),
        }
    }
}

struct Inner {
    cluster: Arc<ClusterClient>,
    member: Arc<GroupMember>,
    settings: GroupFetchSettings,
    positions: Mutex<Positions>,
    changed: Notify,
    /// Wakes readers waiting for messages when membership fails.
    failure: Notify,
    rebalances: Mutex<VecDeque<Rebalance>>,
    fetches: AtomicU64,
    messages: AtomicU64,
}

/// Reads the partitions a consumer group assigns to this member.
pub struct GroupReader {
    inner: Arc<Inner>,
    rx: tokio::sync::Mutex<mpsc::Receiver<Vec<Item>>>,
    front: Mutex<VecDeque<Item>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl GroupReader {
    pub fn start(
        cluster: Arc<ClusterClient>,
        member: Arc<GroupMember>,
        events: mpsc::UnboundedReceiver<GroupEvent>,
        settings: GroupFetchSettings,
    ) -> Result<GroupReader> {
        let inner = Arc::new(Inner {
            cluster,
            member,
            settings,
            positions: Mutex::new(Positions { generation: -1, ..Default::default() }),
            changed: Notify::new(),
            failure: Notify::new(),
            rebalances: Mutex::default(),
            fetches: AtomicU64::new(0),
            messages: AtomicU64::new(0),
        });
        let (tx, rx) = mpsc::channel(4);
        let t1 = runtime::spawn(follow_group(inner.clone(), events))?;
        let t2 = runtime::spawn(fetch_loop(inner.clone(), tx))?;
        Ok(GroupReader {
            inner,
            rx: tokio::sync::Mutex::new(rx),
            front: Mutex::default(),
            tasks: Mutex::new(vec![t1, t2]),
        })
    }

    pub fn member(&self) -> &Arc<GroupMember> {
        &self.inner.member
    }

    /// Rebalances since the last call, oldest first.
    pub fn take_rebalances(&self) -> Vec<Rebalance> {
        self.inner.rebalances.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect()
    }

    /// Takes up to `max` messages off the front, dropping those of revoked partitions or
    /// finished generations on the way. Only what is taken is checked (a message stays valid
    /// until a rebalance, and a rebalance is checked again at the next take), under one lock,
    /// and a run of one partition's messages is checked once. A partition's error is returned
    /// when it comes first, else it stays at the front for the next take.
    fn take_current(&self, front: &mut VecDeque<Item>, max: usize) -> Result<Vec<Message>> {
        let pos = self.inner.positions.lock().unwrap_or_else(|p| p.into_inner());
        let mut runs = pos.runs();
        let mut out = Vec::with_capacity(max.min(front.len()));
        while out.len() < max {
            let Some(item) = front.pop_front() else { break };
            if !item.valid(&mut runs) {
                continue;
            }
            match item {
                Item::Message(m) => out.push(m),
                Item::Error { error, .. } if out.is_empty() => return Err(error),
                error => {
                    front.push_front(error);
                    break;
                }
            }
        }
        Ok(out)
    }

    fn failed(&self) -> Option<Error> {
        self.inner.positions.lock().unwrap_or_else(|p| p.into_inner()).failed.clone()
    }

    /// Up to `max` messages (each tagged with the generation it belongs to), waiting up to
    /// `timeout` for the first. Messages of revoked partitions or finished generations are never
    /// returned.
    pub fn read_batch(
        &self,
        max: usize,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Message>> {
        if max == 0 {
            return Err(Error::invalid_arg("max must be at least 1"));
        }
        runtime::block_on(
            async {
                let mut rx = self.rx.lock().await;
                loop {
                    {
                        let mut front = self.front.lock().unwrap_or_else(|p| p.into_inner());
                        let taken = self.take_current(&mut front, max)?;
                        if !taken.is_empty() {
                            return Ok(taken);
                        }
                    }
                    if let Some(e) = self.failed() {
                        return Err(e);
                    }
                    let failure = self.inner.failure.notified();
                    tokio::pin!(failure);
                    failure.as_mut().enable();
                    if let Some(e) = self.failed() {
                        return Err(e);
                    }
                    let f = tokio::select! {
                        f = rx.recv() => f,
                        _ = failure => continue,
                    };
                    let Some(f) = f else {
                        return Err(Error::closed("the reader is closed"));
                    };
                    self.front.lock().unwrap_or_else(|p| p.into_inner()).extend(f);
                }
            },
            timeout,
            cancel,
        )
    }

    /// Puts messages back at the front, to be returned again by the next read (a read whose
    /// commit failed must not lose them).
    pub fn unread(&self, messages: Vec<Message>) {
        let mut front = self.front.lock().unwrap_or_else(|p| p.into_inner());
        for m in messages.into_iter().rev() {
            front.push_front(Item::Message(m));
        }
    }

    /// Commits the offsets after `messages` now; the highest offset per partition wins. A
    /// message of a partition no longer held since its generation makes the call fail with
    /// ILLEGAL_GENERATION (22), committing nothing, so an old generation can never move an offset
    /// backwards.
    pub fn commit(
        &self,
        messages: &[&Message],
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        // Per partition: the highest offset, and the oldest generation it was fetched in (all
        // of them must still be ours; a cooperative rebalance can mix generations in a batch).
        let mut offsets: BTreeMap<(String, i32), (i32, i64)> = BTreeMap::new();
        for m in messages {
            let e = offsets.entry((m.topic.to_string(), m.partition)).or_insert((m.generation, m.offset + 1));
            e.0 = e.0.min(m.generation);
            e.1 = e.1.max(m.offset + 1);
        }
        let member = self.inner.member.clone();
        runtime::block_on(async move { member.commit_tagged(&offsets).await }, timeout, cancel)
    }

    /// Remembers offsets for the next periodic commit (commit interval > 0); they are also
    /// committed before every rebalance and on close.
    pub fn stage_commit(&self, messages: &[&Message]) {
        let mut by_generation: BTreeMap<i32, BTreeMap<(String, i32), i64>> = BTreeMap::new();
        for m in messages {
            let e = by_generation
                .entry(m.generation)
                .or_default()
                .entry((m.topic.to_string(), m.partition))
                .or_insert(m.offset + 1);
            *e = (*e).max(m.offset + 1);
        }
        for (g, offsets) in by_generation {
            self.inner.member.stage(g, &offsets);
        }
    }

    /// Commits what was staged (of the current generation; older ones are dropped).
    pub fn flush_commits(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<()> {
        let member = self.inner.member.clone();
        runtime::block_on(async move { member.flush_staged().await }, timeout, cancel)
    }

    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The first step of close: stops delivering the partitions held and queues a Revoked
    /// rebalance for them, while the member is still in the group, so the application's
    /// rebalance callback can still commit them.
    pub fn revoke_for_close(&self) {
        let held = self.inner.member.assigned();
        {
            let mut pos = self.inner.positions.lock().unwrap_or_else(|p| p.into_inner());
            pos.next.clear();
            pos.since.clear();
        }
        self.inner.changed.notify_one();
        if !held.is_empty() {
            self.inner
                .rebalances
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push_back(Rebalance::Revoked(held));
        }
    }

    /// Leaves the group (after committing what was staged) and stops fetching.
    pub fn close(&self, timeout: Option<Duration>, cancel: Option<&CancelToken>) -> Result<()> {
        let flushed = self.flush_commits(timeout, cancel);
        let member = self.inner.member.clone();
        let left = runtime::block_on(async move { member.leave().await }, timeout, cancel);
        for t in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            t.abort();
        }
        self.inner.cluster.close();
        flushed.and(left)
    }
}

impl Drop for GroupReader {
    fn drop(&mut self) {
        for t in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            t.abort();
        }
    }
}

/// Applies the group's events: a revoke empties the positions at once; an assignment loads the
/// committed offsets of the new partitions.
async fn follow_group(inner: Arc<Inner>, mut events: mpsc::UnboundedReceiver<GroupEvent>) {
    while let Some(e) = events.recv().await {
        match e {
            GroupEvent::Revoked { partitions } => {
                {
                    let mut pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
                    for (t, ps) in &partitions {
                        for p in ps {
                            let key = (t.clone(), *p);
                            pos.next.remove(&key);
                            pos.since.remove(&key);
                        }
                    }
                }
                inner.changed.notify_one();
                inner
                    .rebalances
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_back(Rebalance::Revoked(partitions));
            }
            GroupEvent::Assigned { generation, partitions, owned } => {
                // Only added partitions start from their committed offsets; kept ones go on
                // where they are.
                let next = loop {
                    match start_positions(&inner, &partitions).await {
                        Ok(n) => break n,
                        Err(_) => tokio::time::sleep(inner.settings.backoff).await,
                    }
                };
                {
                    let mut pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
                    pos.generation = generation;
                    let owns = |k: &(String, i32)| owned.get(&k.0).is_some_and(|ps| ps.contains(&k.1));
                    pos.next.retain(|k, _| owns(k));
                    pos.since.retain(|k, _| owns(k));
                    for (k, o) in next {
                        pos.since.insert(k.clone(), generation);
                        pos.next.insert(k, o);
                    }
                }
                inner.changed.notify_one();
                inner
                    .rebalances
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_back(Rebalance::Assigned(partitions));
            }
            GroupEvent::Failed { error } => {
                {
                    let mut pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
                    pos.next.clear();
                    pos.since.clear();
                    pos.failed = Some(error);
                }
                inner.changed.notify_one();
                inner.failure.notify_waiters();
            }
        }
    }
}

/// Committed offsets, or the reset position for partitions without one.
async fn start_positions(inner: &Inner, partitions: &Partitions) -> Result<BTreeMap<(String, i32), i64>> {
    let committed = inner.member.committed(partitions).await?;
    let mut out = BTreeMap::new();
    for (t, ps) in partitions {
        for p in ps {
            let key = (t.clone(), *p);
            let o = match committed.get(&key) {
                Some(o) if *o >= 0 => *o,
                _ => list_offset(inner, t, *p, inner.settings.reset).await?,
            };
            out.insert(key, o);
        }
    }
    Ok(out)
}

async fn list_offset(inner: &Inner, topic: &str, partition: i32, at: i64) -> Result<i64> {
    let info = inner.cluster.topic(topic, false, false).await?;
    let leader = info.partitions.iter().find(|p| p.id == partition).map_or(-1, |p| p.leader);
    let conn = inner.cluster.broker(leader).await?;
    crate::cluster::list_offset(&conn, topic, partition, at, inner.settings.read_committed).await
}

/// One round: every leader broker gets one Fetch with all its assigned partitions, in parallel.
///
/// A partition's non-retriable fetch error is reported to the application once (until the
/// partition fetches again or the error changes), and the partition is left out of the fetches
/// for a backoff while the others go on. A batch that cannot be read is reported after the
/// messages before it, and the partition goes on after it.
async fn fetch_loop(inner: Arc<Inner>, tx: mpsc::Sender<Vec<Item>>) {
    let mut refresh = false;
    let mut round: usize = 0;
    // Partitions left out after a non-retriable error, until when; and the error last reported.
    let mut paused: HashMap<(String, i32), Instant> = HashMap::new();
    let mut reported: HashMap<(String, i32), i32> = HashMap::new();
    loop {
        let (generation, mut next) = {
            let pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
            (pos.generation, pos.next.clone())
        };
        let now = Instant::now();
        paused.retain(|k, until| *until > now && next.contains_key(k));
        reported.retain(|k, _| next.contains_key(k));
        if !next.is_empty() && next.keys().all(|k| paused.contains_key(k)) {
            let wake = paused.values().min().copied().unwrap_or(now);
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = inner.changed.notified() => {}
            }
            continue;
        }
        next.retain(|k, _| !paused.contains_key(k));
        if next.is_empty() {
            let changed = inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if inner.positions.lock().unwrap_or_else(|p| p.into_inner()).next.is_empty() {
                changed.await;
            }
            continue;
        }
        // Group partitions by leader.
        let mut by_leader: HashMap<i32, Vec<FetchPosition>> = HashMap::new();
        let mut failed = false;
        // `next` is ordered by topic: one metadata lookup (or refresh) per topic.
        let mut topic: Option<(&str, Option<Arc<crate::cluster::TopicInfo>>)> = None;
        for ((t, p), o) in &next {
            if topic.as_ref().is_none_or(|(name, _)| *name != t.as_str()) {
                topic = Some((t.as_str(), inner.cluster.topic(t, refresh, false).await.ok()));
            }
            match topic.as_ref().and_then(|(_, info)| info.as_ref()) {
                Some(info) => {
                    let leader = info.partitions.iter().find(|x| x.id == *p).map_or(-1, |x| x.leader);
                    by_leader.entry(leader).or_default().push(FetchPosition {
                        topic: t.clone(),
                        topic_id: info.id,
                        partition: *p,
                        offset: *o,
                    });
                }
                None => failed = true,
            }
        }
        refresh = false;
        // Every broker's fetch runs at once; a rebalance abandons the round.
        let mut tasks = tokio::task::JoinSet::new();
        round = round.wrapping_add(1);
        for (leader, parts) in by_leader {
            let inner = inner.clone();
            tasks.spawn(async move { fetch_broker(&inner, leader, parts, round).await });
        }
        let all = async {
            let mut results = Vec::new();
            while let Some(r) = tasks.join_next().await {
                results.push(r.unwrap_or_else(|e| Err(Error::internal(format!("fetch task failed: {e}")))));
            }
            results
        };
        let results = tokio::select! {
            r = all => r,
            _ = inner.changed.notified() => continue,
        };
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        let mut fetched = Vec::new();
        {
            let mut pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
            for r in results {
                let Ok((parts, stale)) = r else {
                    failed = true;
                    continue;
                };
                failed |= stale;
                // Only partitions still ours since this round's generation move on (and deliver).
                for PartitionResult { key, next: next_offset, messages, error } in parts {
                    if !pos.valid(generation, &key) {
                        continue;
                    }
                    if let Some(n) = pos.next.get_mut(&key) {
                        *n = next_offset;
                    }
                    fetched.extend(messages.into_iter().map(|mut m| {
                        m.generation = generation;
                        Item::Message(m)
                    }));
                    match error {
                        Some(PartitionError::BadBatch(error)) => {
                            reported.remove(&key);
                            fetched.push(Item::Error { key, generation, error });
                        }
                        Some(PartitionError::Broker(error)) => {
                            paused.insert(key.clone(), Instant::now() + inner.settings.backoff);
                            if reported.get(&key) != Some(&error.code()) {
                                reported.insert(key.clone(), error.code());
                                fetched.push(Item::Error { key, generation, error });
                            }
                        }
                        None => {
                            reported.remove(&key);
                        }
                    }
                }
            }
        }
        if !fetched.is_empty() {
            let n = fetched.iter().filter(|i| matches!(i, Item::Message(_))).count();
            inner.messages.fetch_add(n as u64, Ordering::Relaxed);
            // The positions already moved past these messages: they may only be dropped when
            // their partition is no longer ours (a wake-up can be left over from an earlier
            // change, and a cooperative rebalance keeps partitions).
            let mut pending = Some(fetched);
            while let Some(mut f) = pending.take() {
                let send = tx.reserve();
                tokio::select! {
                    permit = send => match permit {
                        Ok(permit) => permit.send(f),
                        Err(_) => return,
                    },
                    _ = inner.changed.notified() => {
                        let pos = inner.positions.lock().unwrap_or_else(|p| p.into_inner());
                        let mut runs = pos.runs();
                        f.retain(|item| item.valid(&mut runs));
                        if !f.is_empty() {
                            pending = Some(f);
                        }
                    }
                }
            }
        }
        if failed {
            refresh = true;
            tokio::time::sleep(inner.settings.backoff).await;
        }
    }
}

/// Why a partition of a fetch gave no (more) messages.
enum PartitionError {
    /// A batch that cannot be read; the partition goes on after it.
    BadBatch(Error),
    /// A non-retriable error the broker returned for the partition.
    Broker(Error),
}

/// One partition of a fetch: where it goes on from, its messages, and its error.
struct PartitionResult {
    key: (String, i32),
    next: i64,
    messages: Vec<Message>,
    error: Option<PartitionError>,
}

/// One Fetch to `leader` for all of `parts` (the partitions it leads): each partition's result,
/// and whether one of them needs the metadata refreshed (a retriable error: leader moved, topic
/// unknown). `round` rotates which partition decompresses first, so that the fetch's
/// decompression budget (fetch.max.decompressed.bytes) cannot starve a partition.
async fn fetch_broker(
    inner: &Inner,
    leader: i32,
    parts: Vec<FetchPosition>,
    round: usize,
) -> Result<(Vec<PartitionResult>, bool)> {
    let s = &inner.settings;
    if leader < 0 {
        return Err(Error::broker(5, "partition without leader"));
    }
    let conn = inner.cluster.broker(leader).await?;
    let opts = FetchOptions {
        min_bytes: s.min_bytes,
        max_bytes: s.max_bytes,
        max_wait: s.max_wait,
        read_committed: s.read_committed,
        max_decompressed_fetch: s.max_decompressed_fetch,
    };
    let budget = DecompressBudget::new(opts.max_decompressed_fetch());
    let mut out = Vec::new();
    let mut stale = None;
    let mut answered = fetch(&conn, &opts, &parts).await?;
    if !answered.is_empty() {
        let n = round % answered.len();
        answered.rotate_left(n);
    }
    for (i, p) in answered {
        let FetchPosition { topic: name, partition, offset, .. } = &parts[i];
        let key = (name.clone(), *partition);
        if p.error_code != 0 {
            let error = Error::broker(p.error_code, format!("fetch {name}/{partition}"));
            if p.error_code == 1 {
                // Out of range: restart from the reset position.
                let reset = list_offset(inner, name, *partition, s.reset).await.unwrap_or(*offset);
                out.push(PartitionResult { key, next: reset, messages: Vec::new(), error: None });
            } else if error.is_retriable() {
                stale = Some(error);
            } else {
                out.push(PartitionResult {
                    key,
                    next: *offset,
                    messages: Vec::new(),
                    error: Some(PartitionError::Broker(error)),
                });
            }
            continue;
        }
        let cursor = Arc::new(std::sync::atomic::AtomicI64::new(*offset));
        let (messages, next, bad) =
            FetchedBatch::from_partition(Arc::from(name.as_str()), *offset, p, &opts, cursor)
                .with_budget(budget.clone())
                .drain();
        // A batch that cannot be read is reported (after the messages before it) and skipped,
        // as librdkafka does with a corrupt message set: fetching it again would fail the same
        // way, and a group has no seek to step over it.
        let (next, error) = match bad {
            Some(b) => (b.skip_to, Some(PartitionError::BadBatch(b.error))),
            None => (next, None),
        };
        out.push(PartitionResult { key, next, messages, error });
    }
    match stale {
        Some(e) if out.is_empty() => Err(e),
        stale => Ok((out, stale.is_some())),
    }
}
