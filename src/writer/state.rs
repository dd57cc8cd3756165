//! The writer's queues: per topic partition an open batch (records encoded as they arrive) and
//! sealed batches waiting to be sent or retried, in sequence order.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Completion, DeliveryReport, OutRecord, Shared};
use crate::cluster::TopicInfo;
use crate::error::{Error, Result};
use crate::protocol::records::{BatchOptions, RecordBatchBuilder};

/// Each message's completion and timestamp, in batch order.
type Completions = Vec<(Completion, i64)>;

/// A message waiting for its topic's metadata (its partition cannot be chosen before).
struct Unassigned {
    partition: i32,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    timestamp_ms: i64,
    completion: Completion,
    enqueued: Instant,
}

struct OpenBatch {
    builder: RecordBatchBuilder,
    completions: Vec<(Completion, i64)>,
    created: Instant,
}

/// A finished batch: encoded once, resent as is on retry (so its sequence numbers stay).
pub(crate) struct SealedBatch {
    pub(crate) topic: Arc<str>,
    pub(crate) topic_id: [u8; 16],
    pub(crate) partition: i32,
    pub(crate) records: Bytes,
    pub(crate) base_sequence: i32,
    /// The (producer id, epoch) stamped into `records`.
    producer: (i64, i16),
    /// The messages' completions; while the batch is in a request they wait in
    /// `State::in_flight` instead (so close can report them exactly once).
    completions: Vec<(Completion, i64)>,
    /// How many messages the batch holds.
    count: usize,
    /// Its key in `State::in_flight` while it is in a request.
    id: u64,
    created: Instant,
    pub(crate) attempts: u32,
    retry_at: Option<Instant>,
}

impl SealedBatch {
    pub(crate) fn len(&self) -> usize {
        self.count
    }
}

/// The messages of a batch that is in a Produce request.
struct InFlight {
    topic: Arc<str>,
    partition: i32,
    completions: Completions,
}

#[derive(Default)]
struct PartitionQueue {
    open: Option<OpenBatch>,
    /// Batches that filled up, in order, waiting to be sealed (sequence numbers need the
    /// producer id, which may not be known yet).
    full: VecDeque<OpenBatch>,
    ready: VecDeque<SealedBatch>,
    in_flight: usize,
    next_sequence: i32,
    /// Whether the broker acknowledged a batch of this partition from this producer. Until it
    /// has, it keeps no state for us and would accept a later batch as the first, leaving a
    /// sequence gap that can never be filled; so until then one batch is in flight at a time.
    acknowledged: bool,
}

struct TopicQueue {
    name: Arc<str>,
    meta: Option<Arc<TopicMeta>>,
    partitions: HashMap<i32, PartitionQueue>,
    unassigned: Vec<Unassigned>,
    /// Why the topic's messages are waiting (a metadata error, a partition without a leader),
    /// named in the report of a message that expires meanwhile.
    last_error: Option<Error>,
}

/// A topic's metadata with what every message and every plan looks up in it, worked out once
/// per metadata update.
struct TopicMeta {
    info: Arc<TopicInfo>,
    /// Partition ids, in metadata order (what the balancer chooses from).
    ids: Vec<i32>,
    /// Leader broker per partition.
    leaders: HashMap<i32, i32>,
}

impl TopicMeta {
    fn new(info: Arc<TopicInfo>) -> Self {
        let ids = info.partitions.iter().map(|p| p.id).collect();
        let leaders = info.partitions.iter().map(|p| (p.id, p.leader)).collect();
        TopicMeta { info, ids, leaders }
    }
}

/// What the sender should do next.
pub(crate) struct Plan {
    /// Per leader broker, the batches for one Produce request.
    pub(crate) requests: Vec<(i32, Vec<SealedBatch>)>,
    /// Topics whose metadata must be (re)fetched, and whether the writer has metadata for it
    /// at all (false: nothing of the topic can be sent until it comes).
    pub(crate) need_metadata: Vec<(Arc<str>, bool)>,
    /// When the earliest linger or retry backoff ends.
    pub(crate) next_wakeup: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct State {
    topics: HashMap<Arc<str>, TopicQueue>,
    /// Messages handed over and not yet reported.
    pub(crate) pending: usize,
    /// Their size (key + value + headers).
    pub(crate) pending_bytes: usize,
    /// Number of flush calls running: while > 0, batches are sent without lingering.
    pub(crate) flushing: usize,
    pub(crate) closed: bool,
    broker_in_flight: HashMap<i32, usize>,
    /// Per batch in a request, its messages: settled when the request finishes, or by close
    /// when it gives up waiting (then the late outcome is ignored).
    in_flight: HashMap<u64, InFlight>,
    next_batch_id: u64,
    /// (producer id, epoch) once InitProducerId answered; (-1, -1) without idempotence.
    pub(crate) producer: Option<(i64, i16)>,
}

impl State {
    fn topic(&mut self, name: &str) -> &mut TopicQueue {
        if !self.topics.contains_key(name) {
            let name: Arc<str> = Arc::from(name);
            self.topics.insert(
                name.clone(),
                TopicQueue {
                    name,
                    meta: None,
                    partitions: HashMap::new(),
                    unassigned: Vec::new(),
                    last_error: None,
                },
            );
        }
        self.topics.get_mut(name).expect("inserted above")
    }

    /// Adds one message: into its partition's open batch when the partition is known, or to the
    /// topic's unassigned list until metadata arrives. A message that cannot be placed (its
    /// partition does not exist, the balancer chose badly) is reported failed right away.
    pub(crate) fn append(
        &mut self,
        shared: &Shared,
        topic: &str,
        m: &OutRecord<'_>,
        now_ms: i64,
        completion: Completion,
    ) {
        let ts = if m.timestamp_ms == 0 { now_ms } else { m.timestamp_ms };
        self.pending += 1;
        self.pending_bytes += completion.size();
        let t = self.topic(topic);
        let Some(meta) = t.meta.clone() else {
            t.unassigned.push(Unassigned {
                partition: m.partition,
                key: m.key.map(<[u8]>::to_vec),
                value: m.value.map(<[u8]>::to_vec),
                headers: m.headers.iter().map(|h| (h.key.to_vec(), h.value.map(<[u8]>::to_vec))).collect(),
                timestamp_ms: ts,
                completion,
                enqueued: Instant::now(),
            });
            return;
        };
        let placed = choose_partition(shared, &meta, m.partition, m.key, m.value)
            .and_then(|p| append_to(shared, t.partitions.entry(p).or_default(), m, ts, completion.clone()));
        if let Err(e) = placed {
            let name = t.name.clone();
            self.settle(shared, vec![(completion, ts)], &name, m.partition, Err(e));
        }
    }

    /// New metadata for a topic: remember it and place the messages that waited for it.
    pub(crate) fn set_metadata(&mut self, shared: &Shared, meta: Arc<TopicInfo>) {
        let Some(t) = self.topics.get_mut(meta.name.as_str()) else { return };
        let meta = Arc::new(TopicMeta::new(meta));
        if meta.leaders.values().all(|&l| l >= 0) {
            t.last_error = None;
        }
        t.meta = Some(meta.clone());
        let waiting = std::mem::take(&mut t.unassigned);
        let mut failed = Vec::new();
        for u in waiting {
            let headers: Vec<_> = u
                .headers
                .iter()
                .map(|(k, v)| crate::protocol::records::RecordHeader { key: k, value: v.as_deref() })
                .collect();
            let m = OutRecord {
                topic: None,
                partition: u.partition,
                key: u.key.as_deref(),
                value: u.value.as_deref(),
                headers: &headers,
                timestamp_ms: u.timestamp_ms,
            };
            let r = choose_partition(shared, &meta, u.partition, m.key, m.value).and_then(|p| {
                append_to(
                    shared,
                    t.partitions.entry(p).or_default(),
                    &m,
                    u.timestamp_ms,
                    u.completion.clone(),
                )
            });
            if let Err(e) = r {
                failed.push((u.completion, u.partition, u.timestamp_ms, e));
            }
        }
        let name = t.name.clone();
        for (c, p, ts, e) in failed {
            self.settle(shared, vec![(c, ts)], &name, p, Err(e));
        }
    }

    /// Fails the messages waiting for a topic's metadata (e.g. the topic does not exist and may
    /// not be created), or only those older than the message timeout when `only_expired`.
    pub(crate) fn fail_unassigned(
        &mut self,
        shared: &Shared,
        topic: &str,
        err: &Error,
        only_expired: Option<Duration>,
    ) {
        let Some(t) = self.topics.get_mut(topic) else { return };
        let name = t.name.clone();
        let (fail, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut t.unassigned)
            .into_iter()
            .partition(|u| only_expired.is_none_or(|max| u.enqueued.elapsed() >= max));
        t.unassigned = keep;
        for u in fail {
            self.settle(shared, vec![(u.completion, u.timestamp_ms)], &name, u.partition, Err(err.clone()));
        }
    }

    /// Remembers why a topic's messages wait, for the reports of those that expire meanwhile.
    pub(crate) fn note_error(&mut self, topic: &str, err: &Error) {
        if let Some(t) = self.topics.get_mut(topic) {
            t.last_error = Some(err.clone());
        }
    }

    /// Fails every message not in flight that waited message.timeout.ms (TIMED_OUT, naming
    /// `cause` or the topic's last error), wherever it waits: for metadata, for a leader, for a
    /// producer id, for a retry. Returns when the next waiting message expires.
    pub(crate) fn expire(&mut self, shared: &Shared, now: Instant, cause: Option<&Error>) -> Option<Instant> {
        let max = shared.settings.message_timeout?;
        self.fail_waiting(shared, max, now, &|last| {
            let why = format!(
                "message.timeout.ms ({} ms) passed before the message was acknowledged",
                max.as_millis()
            );
            match cause.or(last) {
                Some(e) => Error::timed_out(format!("{why}; last error: {}", e.message())),
                None => Error::timed_out(why),
            }
        })
    }

    /// Fails every message not in flight with `err` at once.
    pub(crate) fn fail_waiting_now(&mut self, shared: &Shared, err: Error) {
        self.fail_waiting(shared, Duration::ZERO, Instant::now(), &|_| err.clone());
    }

    /// Fails every message not in flight that has waited `max` or longer with the error `err`
    /// makes from the topic's last error, and returns when the next one will have waited that
    /// long. A partition's batches go from the front only, so its reports stay in order.
    fn fail_waiting(
        &mut self,
        shared: &Shared,
        max: Duration,
        now: Instant,
        err: &dyn Fn(Option<&Error>) -> Error,
    ) -> Option<Instant> {
        let old = |created: Instant| created + max <= now;
        let mut next = None;
        let mut sequenced = false;
        let mut doomed: Vec<(Arc<str>, i32, Completions, Error)> = Vec::new();
        for t in self.topics.values_mut() {
            let e = err(t.last_error.as_ref());
            // In the order they were handed over, so the expired ones are a prefix (this runs
            // on every plan: no pass over all of them).
            let expired = t.unassigned.iter().take_while(|u| old(u.enqueued)).count();
            if let Some(first) = t.unassigned.get(expired) {
                next = earliest(next, first.enqueued + max);
            }
            for u in t.unassigned.drain(..expired) {
                doomed.push((t.name.clone(), u.partition, vec![(u.completion, u.timestamp_ms)], e.clone()));
            }
            for (&p, q) in t.partitions.iter_mut() {
                while q.ready.front().is_some_and(|b| old(b.created)) {
                    let b = q.ready.pop_front().expect("checked");
                    sequenced |= b.base_sequence >= 0;
                    doomed.push((t.name.clone(), p, b.completions, e.clone()));
                }
                if q.ready.is_empty() {
                    while q.full.front().is_some_and(|o| old(o.created)) {
                        doomed.extend(
                            q.full.pop_front().map(|o| (t.name.clone(), p, o.completions, e.clone())),
                        );
                    }
                    if q.full.is_empty() && q.open.as_ref().is_some_and(|o| old(o.created)) {
                        doomed.extend(q.open.take().map(|o| (t.name.clone(), p, o.completions, e.clone())));
                    }
                }
                let front = q.ready.front().map(|b| b.created);
                if let Some(c) =
                    front.or(q.full.front().map(|o| o.created)).or(q.open.as_ref().map(|o| o.created))
                {
                    next = earliest(next, c + max);
                }
            }
        }
        if sequenced && shared.settings.idempotent {
            // Dropping sequenced batches leaves a gap the broker would never accept past.
            self.reset_producer(shared, "batches expired before they were acknowledged");
        }
        for (topic, p, c, e) in doomed {
            shared.stats.failed(c.len());
            self.settle(shared, c, &topic, p, Err(e));
        }
        next
    }

    pub(crate) fn invalidate(&mut self, topic: &str) {
        if let Some(t) = self.topics.get_mut(topic) {
            t.meta = None;
        }
    }

    /// Where the pending messages are, for error messages: "2 unassigned, 3 open batches...".
    pub(crate) fn describe(&self) -> String {
        let (mut unassigned, mut open, mut full, mut ready, mut in_flight, mut no_meta) = (0, 0, 0, 0, 0, 0);
        for t in self.topics.values() {
            unassigned += t.unassigned.len();
            no_meta += t.meta.is_none() as usize;
            for q in t.partitions.values() {
                open += q.open.is_some() as usize;
                full += q.full.len();
                ready += q.ready.len();
                in_flight += q.in_flight;
            }
        }
        format!(
            "{unassigned} messages awaiting metadata, {open} open, {full} full, {ready} ready and {in_flight} in-flight batches, {no_meta} topics without metadata, requests in flight per broker {:?}, producer id {:?}",
            self.broker_in_flight, self.producer
        )
    }

    /// Seals what may go now, drops what expired, and groups sendable batches by leader.
    pub(crate) fn plan(&mut self, shared: &Shared, now: Instant) -> Plan {
        let s = &shared.settings;
        let next_expiry = self.expire(shared, now, None);
        let mut plan = Plan { requests: Vec::new(), need_metadata: Vec::new(), next_wakeup: next_expiry };
        let may_seal = !s.idempotent || self.producer.is_some();
        let (pid, epoch) = self.producer.unwrap_or((-1, -1));
        let mut by_leader: HashMap<i32, Vec<SealedBatch>> = HashMap::new();
        let flushing = self.flushing > 0 || self.closed;
        for t in self.topics.values_mut() {
            let Some(meta) = t.meta.clone() else {
                let has_data = !t.unassigned.is_empty()
                    || t.partitions
                        .values()
                        .any(|q| q.open.is_some() || !q.full.is_empty() || !q.ready.is_empty());
                if has_data {
                    plan.need_metadata.push((t.name.clone(), false));
                }
                continue;
            };
            for (&p, q) in t.partitions.iter_mut() {
                let leader = meta.leaders.get(&p).copied().unwrap_or(-1);
                let broker_busy = self.broker_in_flight.get(&leader).copied().unwrap_or(0) >= s.max_in_flight;
                // After a producer reset, batches stamped with the old id get new sequence
                // numbers, in order, once none of this partition's batches is in flight.
                let stale = |b: &SealedBatch| s.idempotent && b.producer != (pid, epoch);
                if may_seal && q.in_flight == 0 && q.ready.iter().any(stale) {
                    for b in q.ready.iter_mut() {
                        let n = b.len() as i32;
                        match crate::protocol::records::restamp(&b.records, pid, epoch, q.next_sequence) {
                            Ok(r) => {
                                b.records = r;
                                b.base_sequence = q.next_sequence;
                                b.producer = (pid, epoch);
                                q.next_sequence = q.next_sequence.wrapping_add(n) & i32::MAX;
                            }
                            Err(e) => shared.log(3, format!("cannot restamp a batch: {e}")),
                        }
                    }
                }
                if q.ready.iter().any(stale) {
                    continue;
                }
                if may_seal {
                    while let Some(full) = q.full.pop_front() {
                        q.ready.push_back(seal(
                            &t.name,
                            meta.info.id,
                            p,
                            full,
                            pid,
                            epoch,
                            &mut q.next_sequence,
                            s.idempotent,
                        ));
                    }
                }
                if let Some(open) = q.open.as_ref() {
                    let linger_end = open.created + s.linger;
                    // With linger 0 a batch goes as soon as a request could carry it; while
                    // requests are in flight it keeps filling.
                    let slot_free = q.in_flight < s.max_in_flight && !broker_busy && q.ready.is_empty();
                    // Before the first acknowledgement only one batch may fly: keep filling.
                    let slot_free = slot_free && (!s.idempotent || q.acknowledged || q.in_flight == 0);
                    let due = flushing || linger_end <= now || (s.linger.is_zero() && slot_free);
                    if may_seal && due {
                        let open = q.open.take().expect("checked");
                        q.ready.push_back(seal(
                            &t.name,
                            meta.info.id,
                            p,
                            open,
                            pid,
                            epoch,
                            &mut q.next_sequence,
                            s.idempotent,
                        ));
                    } else if !s.linger.is_zero() {
                        plan.next_wakeup = earliest(plan.next_wakeup, linger_end);
                    }
                }
                // While an earlier batch of this partition is being retried, send one at a time
                // so sequence numbers reach the broker in order.
                let retrying = q.ready.iter().any(|b| b.attempts > 0);
                let limit = if s.idempotent && (retrying || !q.acknowledged) { 1 } else { s.max_in_flight };
                let Some(front) = q.ready.front() else { continue };
                if let Some(at) = front.retry_at.filter(|at| *at > now) {
                    plan.next_wakeup = earliest(plan.next_wakeup, at);
                    continue;
                }
                if q.in_flight >= limit {
                    continue;
                }
                if leader < 0 {
                    // Only this partition waits (up to message.timeout.ms) for a leader; the
                    // topic's other partitions keep going.
                    plan.need_metadata.push((t.name.clone(), true));
                    continue;
                }
                if broker_busy {
                    continue;
                }
                q.in_flight += 1;
                let mut b = q.ready.pop_front().expect("checked");
                self.next_batch_id += 1;
                b.id = self.next_batch_id;
                let completions = std::mem::take(&mut b.completions);
                self.in_flight.insert(b.id, InFlight { topic: t.name.clone(), partition: p, completions });
                by_leader.entry(leader).or_default().push(b);
            }
        }
        for (leader, batches) in by_leader {
            *self.broker_in_flight.entry(leader).or_default() += 1;
            plan.requests.push((leader, batches));
        }
        plan.need_metadata.sort();
        plan.need_metadata.dedup();
        plan
    }

    /// A Produce request to `leader` finished; each batch's outcome is `Ok(base offset)` or the
    /// error, and whether that error is worth a retry.
    pub(crate) fn finish_request(
        &mut self,
        shared: &Shared,
        leader: i32,
        outcomes: Vec<(SealedBatch, Result<i64>)>,
    ) {
        if let Some(n) = self.broker_in_flight.get_mut(&leader) {
            *n = n.saturating_sub(1);
        }
        let s = &shared.settings;
        let mut reset = None;
        for (mut b, outcome) in outcomes {
            let mut alone = true;
            if let Some(q) = self.topics.get_mut(&b.topic).and_then(|t| t.partitions.get_mut(&b.partition)) {
                q.in_flight = q.in_flight.saturating_sub(1);
                q.acknowledged |= outcome.is_ok();
                alone = q.in_flight == 0 && q.ready.iter().all(|r| r.base_sequence > b.base_sequence);
            }
            // Absent: close already reported these messages as unconfirmed.
            let Some(flight) = self.in_flight.remove(&b.id) else { continue };
            b.completions = flight.completions;
            if let Err(e) = &outcome {
                // The broker lost our producer state, fenced our epoch, or keeps refusing the
                // oldest batch as out of order: only a new producer id gets the partition going.
                let stuck = e.code() == 45 && alone && b.attempts >= 5;
                if s.idempotent && (matches!(e.code(), 47 | 59) || stuck) {
                    reset = Some(format!("{} on {}/{}", e.message(), b.topic, b.partition));
                }
            }
            match outcome {
                Ok(base) => {
                    shared.stats.batch_done(b.len(), b.records.len(), b.created.elapsed());
                    let (topic, p) = (b.topic.clone(), b.partition);
                    self.settle_offsets(shared, b.completions, &topic, p, base);
                }
                Err(e) => {
                    let expired = s.message_timeout.is_some_and(|max| b.created.elapsed() >= max);
                    if retriable(&e) && b.attempts < s.max_retries && !expired && !self.closed {
                        b.attempts += 1;
                        let backoff = crate::runtime::backoff(s.backoff_min, s.backoff_max, b.attempts);
                        b.retry_at = Some(Instant::now() + backoff);
                        shared.stats.retried();
                        shared.log(
                            4,
                            format!(
                                "retrying {} messages to {}/{} (attempt {}) in {} ms: {}",
                                b.len(),
                                b.topic,
                                b.partition,
                                b.attempts + 1,
                                backoff.as_millis(),
                                e.message()
                            ),
                        );
                        if needs_metadata(&e) {
                            shared.cluster.invalidate(&b.topic);
                            self.invalidate(&b.topic.clone());
                        }
                        let t = self.topic(&b.topic.clone());
                        let q = t.partitions.entry(b.partition).or_default();
                        // Keep the queue in sequence order so retries go out in order.
                        let pos = q
                            .ready
                            .iter()
                            .position(|r| r.base_sequence > b.base_sequence)
                            .unwrap_or(q.ready.len());
                        let pos = if s.idempotent { pos } else { 0 };
                        q.ready.insert(pos, b);
                    } else {
                        shared.stats.failed(b.len());
                        shared.log(
                            3,
                            format!(
                                "{} messages to {}/{} failed: {}",
                                b.len(),
                                b.topic,
                                b.partition,
                                e.message()
                            ),
                        );
                        if s.idempotent && b.base_sequence >= 0 && self.producer == Some(b.producer) {
                            // Its sequence numbers would be a gap the broker refuses every
                            // later batch of the partition for.
                            if !self.release_sequences(shared, &b, e.code(), alone) {
                                reset = Some(format!("{} on {}/{}", e.message(), b.topic, b.partition));
                            }
                        }
                        let (topic, p) = (b.topic.clone(), b.partition);
                        self.settle(shared, b.completions, &topic, p, Err(e));
                    }
                }
            }
        }
        if let Some(why) = reset {
            self.reset_producer(shared, &why);
        }
    }

    /// A sequenced batch failed for good: gives its sequence numbers to the partition's next
    /// batches, so they go at once instead of being refused as out of order. Only when the
    /// broker refused it (a broker error code: it was not written) and no later batch of the
    /// partition is in flight; otherwise (its fate is unknown, or later sequences are already
    /// on the way) returns false and the producer must be reset.
    fn release_sequences(&mut self, shared: &Shared, b: &SealedBatch, code: i32, alone: bool) -> bool {
        if code <= 0 || !alone {
            return false;
        }
        let Some(q) = self.topics.get_mut(&b.topic).and_then(|t| t.partitions.get_mut(&b.partition)) else {
            return true;
        };
        let (pid, epoch) = b.producer;
        let mut next = b.base_sequence;
        for r in q.ready.iter_mut().filter(|r| r.producer == b.producer) {
            match crate::protocol::records::restamp(&r.records, pid, epoch, next) {
                Ok(bytes) => {
                    r.records = bytes;
                    r.base_sequence = next;
                    next = next.wrapping_add(r.len() as i32) & i32::MAX;
                }
                Err(e) => {
                    shared.log(3, format!("cannot restamp a batch: {e}"));
                    return false;
                }
            }
        }
        q.next_sequence = next;
        true
    }

    /// Forgets the producer id: the sender fetches a new one, and every batch not yet
    /// acknowledged is restamped with it before being (re)sent.
    pub(crate) fn reset_producer(&mut self, shared: &Shared, why: &str) {
        if self.producer.take().is_none() {
            return;
        }
        shared.log(4, format!("resetting the idempotent producer: {why}"));
        for t in self.topics.values_mut() {
            for q in t.partitions.values_mut() {
                q.next_sequence = 0;
                q.acknowledged = false;
            }
        }
    }

    /// Reports a batch written at `base`: message i landed at base + i (-1 when the broker did
    /// not say, as with acks=0).
    fn settle_offsets(
        &mut self,
        shared: &Shared,
        completions: Vec<(Completion, i64)>,
        topic: &Arc<str>,
        partition: i32,
        base: i64,
    ) {
        self.settle_each(shared, completions, topic, partition, |i| {
            Ok(if base < 0 { -1 } else { base + i as i64 })
        });
    }

    /// Reports the same result for every message.
    fn settle(
        &mut self,
        shared: &Shared,
        completions: Vec<(Completion, i64)>,
        topic: &Arc<str>,
        partition: i32,
        result: Result<i64>,
    ) {
        self.settle_each(shared, completions, topic, partition, |_| result.clone());
    }

    fn settle_each(
        &mut self,
        shared: &Shared,
        completions: Vec<(Completion, i64)>,
        topic: &Arc<str>,
        partition: i32,
        result: impl Fn(usize) -> Result<i64>,
    ) {
        let n = completions.len();
        let mut reports = Vec::new();
        let mut report_bytes = 0;
        for (i, (c, ts)) in completions.into_iter().enumerate() {
            self.pending_bytes -= c.size();
            if matches!(c, Completion::Report { .. }) {
                report_bytes += c.size();
            }
            report(&mut reports, c, topic, partition, ts, result(i));
        }
        self.pending -= n;
        if !reports.is_empty() {
            shared.push_reports(reports, report_bytes);
        } else {
            shared.notify_waiters();
        }
    }

    /// Stops taking messages and fails everything not yet acknowledged: with `err` what was not
    /// sent, with `unconfirmed` what is in a request not answered yet (its fate is unknown).
    /// Returns how many messages that was.
    pub(crate) fn close(&mut self, shared: &Shared, err: Error, unconfirmed: Error) -> usize {
        self.closed = true;
        let before = self.pending;
        let mut flights: Vec<InFlight> = self.in_flight.drain().map(|(_, f)| f).collect();
        flights.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        for f in flights {
            shared.stats.failed(f.completions.len());
            self.settle(shared, f.completions, &f.topic, f.partition, Err(unconfirmed.clone()));
        }
        let mut doomed: Vec<(Arc<str>, i32, Completions)> = Vec::new();
        for t in self.topics.values_mut() {
            for u in t.unassigned.drain(..) {
                doomed.push((t.name.clone(), u.partition, vec![(u.completion, u.timestamp_ms)]));
            }
            for (&p, q) in t.partitions.iter_mut() {
                for o in q.full.drain(..).chain(q.open.take()) {
                    doomed.push((t.name.clone(), p, o.completions));
                }
                for b in q.ready.drain(..) {
                    doomed.push((t.name.clone(), p, b.completions));
                }
            }
        }
        for (topic, p, c) in doomed {
            self.settle(shared, c, &topic, p, Err(err.clone()));
        }
        before - self.pending
    }
}

fn report(
    reports: &mut Vec<DeliveryReport>,
    c: Completion,
    topic: &Arc<str>,
    partition: i32,
    ts: i64,
    result: Result<i64>,
) {
    match c {
        Completion::Report { opaque, .. } => {
            reports.push(DeliveryReport { opaque, result, topic: topic.clone(), partition, timestamp_ms: ts })
        }
        Completion::Sync { wait, index, .. } => wait.complete(index, result),
    }
}

fn choose_partition(
    shared: &Shared,
    meta: &TopicMeta,
    wanted: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Result<i32> {
    if wanted >= 0 {
        if meta.leaders.contains_key(&wanted) {
            return Ok(wanted);
        }
        return Err(Error::broker(3, format!("topic {} has no partition {wanted}", meta.info.name)));
    }
    let size = key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len);
    let p = shared.balancer.balance(key, size, &meta.ids);
    if !meta.leaders.contains_key(&p) {
        return Err(Error::invalid_arg(format!(
            "the balancer chose partition {p}, which topic {} does not have (it has {})",
            meta.info.name,
            meta.ids.len()
        )));
    }
    Ok(p)
}

fn append_to(
    shared: &Shared,
    q: &mut PartitionQueue,
    m: &OutRecord<'_>,
    ts: i64,
    completion: Completion,
) -> Result<()> {
    let s = &shared.settings;
    if let Some(open) = q.open.as_mut() {
        if open.builder.len() < s.batch_messages
            && open.builder.append_within(ts, m.key, m.value, m.headers, s.batch_bytes)?
        {
            open.completions.push((completion, ts));
            return Ok(());
        }
        let full = q.open.take().expect("checked");
        q.full.push_back(full);
    }
    let open = q.open.get_or_insert_with(|| OpenBatch {
        builder: RecordBatchBuilder::with_capacity(
            BatchOptions { compression: s.compression, ..Default::default() },
            s.batch_bytes.min(64 << 10),
        ),
        completions: Vec::new(),
        created: Instant::now(),
    });
    open.builder.append(ts, m.key, m.value, m.headers)?;
    open.completions.push((completion, ts));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn seal(
    topic: &Arc<str>,
    topic_id: [u8; 16],
    partition: i32,
    mut open: OpenBatch,
    pid: i64,
    epoch: i16,
    next_sequence: &mut i32,
    idempotent: bool,
) -> SealedBatch {
    let n = open.completions.len() as i32;
    let base_sequence = if idempotent { *next_sequence } else { -1 };
    if idempotent {
        open.builder.set_producer_state(pid, epoch, base_sequence);
        *next_sequence = next_sequence.wrapping_add(n) & i32::MAX;
    }
    let records = open.builder.finish().unwrap_or_default();
    SealedBatch {
        topic: topic.clone(),
        topic_id,
        partition,
        records,
        base_sequence,
        producer: (pid, epoch),
        count: open.completions.len(),
        completions: open.completions,
        id: 0,
        created: open.created,
        attempts: 0,
        retry_at: None,
    }
}

fn earliest(a: Option<Instant>, b: Instant) -> Option<Instant> {
    Some(a.map_or(b, |a| a.min(b)))
}

fn retriable(e: &Error) -> bool {
    // 45 OUT_OF_ORDER_SEQUENCE_NUMBER: a later batch overtook one that is being retried;
    // 47 INVALID_PRODUCER_EPOCH and 59 UNKNOWN_PRODUCER_ID: retried under a new producer id.
    e.is_retriable() || matches!(e.code(), 45 | 47 | 59 | crate::error::code::CLOSED)
}

fn needs_metadata(e: &Error) -> bool {
    matches!(e.code(), 3 | 5 | 6 | 74 | 75 | 100 | 108 | crate::error::code::TRANSPORT)
}
