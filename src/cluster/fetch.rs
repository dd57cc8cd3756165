//! Fetching: one Fetch request for any number of partitions led by one broker, and the fetched
//! records read message by message without copying (keys, values and headers are slices of the
//! response buffer). Conn, the single-partition Reader and the group Reader all fetch through
//! here, so the isolation rules live in one place: control batches (transaction markers) are
//! never delivered, and with read_committed the records of aborted transactions are dropped.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::net::BrokerConnection;
use crate::protocol::compression::Compression;
use crate::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use crate::protocol::messages::fetch_response::PartitionData;
use crate::protocol::messages::FetchRequest;
use crate::protocol::records::{BatchView, ControlRecordType, RecordBatches, RecordIter};

/// The limits and isolation of a Fetch request.
#[derive(Clone, Copy, Debug)]
pub struct FetchOptions {
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub max_wait: Duration,
    /// isolation.level=read_committed: the broker answers up to the last stable offset and
    /// lists the aborted transactions, whose records are then dropped.
    pub read_committed: bool,
    /// fetch.max.decompressed.bytes: what all the batches of one Fetch response may decompress
    /// to together (raised to the per-batch cap if below it).
    pub max_decompressed_fetch: usize,
}

/// Default of fetch.max.decompressed.bytes.
pub const DEFAULT_MAX_DECOMPRESSED_FETCH: usize = 64 << 20;

impl FetchOptions {
    /// The cap on a decompressed batch: well above what a fetch of `max_bytes` can carry.
    pub fn max_decompressed(&self) -> usize {
        (self.max_bytes.max(0) as usize).max(1 << 20) * 4
    }

    /// The cap on everything one Fetch response decompresses to: never below one batch's cap,
    /// so that a fetch can always read at least its first batch.
    pub fn max_decompressed_fetch(&self) -> usize {
        self.max_decompressed_fetch.max(self.max_decompressed())
    }
}

/// What the compressed batches of one Fetch response may still decompress to, shared by the
/// [`FetchedBatch`]es of its partitions. A batch that does not fit in what is left ends its
/// partition's part of the fetch without an error (the next fetch starts at that batch), unless
/// nothing was decompressed yet: then the batch is too large on its own, an error.
#[derive(Clone, Debug)]
pub struct DecompressBudget {
    total: usize,
    left: Arc<AtomicUsize>,
}

impl DecompressBudget {
    pub fn new(total: usize) -> Self {
        DecompressBudget { total, left: Arc::new(AtomicUsize::new(total)) }
    }

    pub fn left(&self) -> usize {
        self.left.load(Ordering::SeqCst)
    }

    /// Whether nothing was taken yet.
    pub fn untouched(&self) -> bool {
        self.left() == self.total
    }

    /// Takes `n` bytes; false (taking nothing) if fewer are left.
    fn take(&self, n: usize) -> bool {
        self.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(n)).is_ok()
    }
}

/// A batch that could not be read (bad CRC, does not decompress, records do not decode). The
/// messages before it were delivered; `error` names the partition and offset; `skip_to` is the
/// offset after it, from which reading can go on.
#[derive(Clone, Debug)]
pub struct BadBatch {
    pub error: Error,
    pub base_offset: i64,
    pub skip_to: i64,
}

/// A partition to fetch and the offset to fetch from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPosition {
    pub topic: String,
    pub topic_id: [u8; 16],
    pub partition: i32,
    pub offset: i64,
}

/// The Fetch request for `parts` (partitions of one leader), topics grouped in first-seen order.
pub fn fetch_request(opts: &FetchOptions, parts: &[FetchPosition]) -> FetchRequest {
    let mut topics: Vec<FetchTopic> = Vec::new();
    for p in parts {
        let fp = FetchPartition {
            partition: p.partition,
            fetch_offset: p.offset,
            partition_max_bytes: opts.max_bytes,
            ..Default::default()
        };
        match topics.iter_mut().find(|t| t.topic == p.topic) {
            Some(t) => t.partitions.push(fp),
            None => topics.push(FetchTopic {
                topic: p.topic.clone(),
                topic_id: p.topic_id,
                partitions: vec![fp],
                ..Default::default()
            }),
        }
    }
    FetchRequest {
        replica_id: -1,
        max_wait_ms: crate::runtime::clamp_ms(opts.max_wait),
        min_bytes: opts.min_bytes,
        max_bytes: opts.max_bytes,
        isolation_level: opts.read_committed as i8,
        session_epoch: -1,
        topics,
        ..Default::default()
    }
}

/// One Fetch for a single partition: its data, or the broker's error for it.
pub async fn fetch_one(
    conn: &BrokerConnection,
    opts: &FetchOptions,
    pos: &FetchPosition,
) -> Result<PartitionData> {
    let (_, p) = fetch(conn, opts, std::slice::from_ref(pos))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::malformed("Fetch response does not mention the partition"))?;
    if p.error_code != 0 {
        return Err(Error::broker(
            p.error_code,
            format!("fetch {}/{} at {}", pos.topic, pos.partition, pos.offset),
        ));
    }
    Ok(p)
}

/// Sends one Fetch for `parts` to `conn` and pairs each partition of the answer with the index
/// of the position it answers (topics are named by name or, from v13, by id). Partitions the
/// broker adds that were not asked for are ignored.
pub async fn fetch(
    conn: &BrokerConnection,
    opts: &FetchOptions,
    parts: &[FetchPosition],
) -> Result<Vec<(usize, PartitionData)>> {
    let resp = conn.send(&fetch_request(opts, parts)).await?;
    if resp.error_code != 0 {
        return Err(Error::broker(resp.error_code, "fetch"));
    }
    let mut out = Vec::new();
    for t in resp.responses {
        for p in t.partitions {
            let i = parts.iter().position(|x| {
                x.partition == p.partition_index
                    && if t.topic.is_empty() { x.topic_id == t.topic_id } else { x.topic == t.topic }
            });
            if let Some(i) = i {
                out.push((i, p));
            }
        }
    }
    Ok(out)
}

/// A message read from Kafka. Key, value and header bytes share the fetch buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    /// The partition's high watermark when the batch was fetched.
    pub high_water_mark: i64,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<(Bytes, Option<Bytes>)>,
    /// The consumer-group generation the message was fetched in (-1 outside a group); a commit
    /// of the message is only accepted while its partition stays ours since that generation.
    pub generation: i32,
}

/// The messages of one partition of a fetch, in offset order. Control batches (transaction
/// markers) and records before the requested offset (a batch may start earlier) are skipped;
/// with read_committed, so are the batches of aborted transactions. The cursor moves past
/// everything skipped, so the next fetch starts after it.
pub struct FetchedBatch {
    topic: Arc<str>,
    partition: i32,
    start_offset: i64,
    high_water_mark: i64,
    batches: RecordBatches,
    current: Option<RecordIter>,
    conn_offset: Arc<AtomicI64>,
    max_decompressed: usize,
    budget: DecompressBudget,
    /// The first and last offset of the batch being read (or about to be parsed): what an error
    /// names.
    at: Option<(i64, i64)>,
    failed: bool,
    bad: Option<BadBatch>,
    /// read_committed: the aborted transactions (producer id, first offset) not reached yet,
    /// by first offset, and the producers whose aborted transaction is under way.
    read_committed: bool,
    aborted: VecDeque<(i64, i64)>,
    aborting: HashSet<i64>,
}

impl FetchedBatch {
    /// The records of a partition fetched from `start_offset`, without transaction filtering
    /// (read_uncommitted). Reading moves `conn_offset` past each message and skipped batch.
    pub fn new(
        topic: Arc<str>,
        partition: i32,
        start_offset: i64,
        high_water_mark: i64,
        records: Bytes,
        conn_offset: Arc<AtomicI64>,
        max_decompressed: usize,
    ) -> Self {
        FetchedBatch {
            topic,
            partition,
            start_offset,
            high_water_mark,
            batches: RecordBatches::with_max_decompressed(records, max_decompressed),
            current: None,
            conn_offset,
            max_decompressed,
            budget: DecompressBudget::new(max_decompressed),
            at: None,
            failed: false,
            bad: None,
            read_committed: false,
            aborted: VecDeque::new(),
            aborting: HashSet::new(),
        }
    }

    /// The records of one partition of a Fetch response (fetched from `start_offset`, with
    /// `opts`), filtered as `opts.read_committed` asks.
    pub fn from_partition(
        topic: Arc<str>,
        start_offset: i64,
        data: PartitionData,
        opts: &FetchOptions,
        conn_offset: Arc<AtomicI64>,
    ) -> Self {
        let mut b = FetchedBatch::new(
            topic,
            data.partition_index,
            start_offset,
            data.high_watermark,
            data.records.unwrap_or_default(),
            conn_offset,
            opts.max_decompressed(),
        );
        b.budget = DecompressBudget::new(opts.max_decompressed_fetch());
        if opts.read_committed {
            b.read_committed = true;
            let mut aborted: Vec<(i64, i64)> = data
                .aborted_transactions
                .unwrap_or_default()
                .iter()
                .map(|a| (a.producer_id, a.first_offset))
                .collect();
            aborted.sort_by_key(|&(_, first)| first);
            b.aborted = aborted.into();
        }
        b
    }

    /// Shares `budget` (one per Fetch response) with the other partitions of the response.
    pub fn with_budget(mut self, budget: DecompressBudget) -> Self {
        self.budget = budget;
        self
    }

    pub fn high_water_mark(&self) -> i64 {
        self.high_water_mark
    }

    /// The batch that ended the reading, once [`FetchedBatch::next_message`] returned its error.
    pub fn bad_batch(&self) -> Option<&BadBatch> {
        self.bad.as_ref()
    }

    pub fn partition(&self) -> i32 {
        self.partition
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The offset to fetch next: after the last message read and every batch skipped so far.
    pub fn next_offset(&self) -> i64 {
        self.conn_offset.load(Ordering::SeqCst)
    }

    /// Every message up to the end or to a batch that cannot be read, the offset to fetch next
    /// (the bad batch's, if any), and the bad batch.
    pub fn drain(mut self) -> (Vec<Message>, i64, Option<BadBatch>) {
        let mut out = Vec::new();
        loop {
            match self.next_message() {
                Ok(Some(m)) => out.push(m),
                Ok(None) => break,
                Err(_) => break,
            }
        }
        let next = self.next_offset();
        (out, next, self.bad)
    }

    /// The next message, or None at the end. An error (a corrupt batch) ends the batch; it
    /// names the topic, partition and offset of the batch, and [`FetchedBatch::bad_batch`]
    /// tells where reading can go on after it.
    pub fn next_message(&mut self) -> Result<Option<Message>> {
        if self.failed {
            return Ok(None);
        }
        match self.advance() {
            Ok(m) => Ok(m),
            Err(e) => {
                self.failed = true;
                let next = self.next_offset();
                let (base, last) = self.at.unwrap_or((next, next));
                let mut skip_to = last.max(base).max(next).saturating_add(1);
                // A header that lies (its CRC failed) must not send the reader far ahead: the
                // batch after it, if there is one, starts where this one ends at the latest.
                if let Some((after, _)) = self.batches.peek_offsets() {
                    if after > next && after > base && after < skip_to {
                        skip_to = after;
                    }
                }
                let error = Error::new(
                    e.code(),
                    format!(
                        "{}/{}: the batch at offset {base} (to {last}) cannot be read: {}; \
                         messages before it were delivered, reading can go on at offset {skip_to}",
                        self.topic,
                        self.partition,
                        e.message()
                    ),
                );
                self.bad = Some(BadBatch { error: error.clone(), base_offset: base, skip_to });
                Err(error)
            }
        }
    }

    /// Moves the cursor past a batch that is not delivered.
    fn skip_batch(&self, batch: &BatchView) {
        if batch.last_offset() >= self.start_offset {
            self.conn_offset.store(batch.last_offset() + 1, Ordering::SeqCst);
        }
    }

    /// Whether a batch is delivered; keeps track of aborted transactions (read_committed) as
    /// the Java consumer does: a producer's transaction counts as aborted from the first offset
    /// the broker lists until that producer's ABORT marker.
    fn deliver(&mut self, batch: &BatchView) -> Result<bool> {
        if self.read_committed && batch.producer_id() >= 0 {
            while let Some(&(pid, first)) = self.aborted.front() {
                if first > batch.last_offset() {
                    break;
                }
                self.aborting.insert(pid);
                self.aborted.pop_front();
            }
            if batch.is_control() {
                let marker = batch.records(self.max_decompressed)?.next().transpose()?;
                let kind = marker.and_then(|r| r.key).and_then(|k| ControlRecordType::from_key(&k));
                if kind == Some(ControlRecordType::Abort) {
                    self.aborting.remove(&batch.producer_id());
                }
            } else if batch.is_transactional() && self.aborting.contains(&batch.producer_id()) {
                return Ok(false);
            }
        }
        // Transaction markers take an offset but are never delivered, in either isolation.
        Ok(!batch.is_control())
    }

    fn advance(&mut self) -> Result<Option<Message>> {
        loop {
            if let Some(records) = self.current.as_mut() {
                match records.next() {
                    Some(r) => {
                        let r = r?;
                        if r.offset < self.start_offset {
                            continue;
                        }
                        let headers = r.headers.iter().collect();
                        self.conn_offset.store(r.offset + 1, Ordering::SeqCst);
                        return Ok(Some(Message {
                            topic: self.topic.clone(),
                            partition: self.partition,
                            offset: r.offset,
                            high_water_mark: self.high_water_mark,
                            timestamp_ms: r.timestamp,
                            key: r.key,
                            value: r.value,
                            headers,
                            generation: -1,
                        }));
                    }
                    None => self.current = None,
                }
            }
            // Legacy compressed wrappers are decompressed while iterating: capped by what this
            // fetch may still decompress (within the per-batch cap) before they are inflated.
            let untouched = self.budget.untouched();
            let cap = self.max_decompressed.min(self.budget.left());
            self.batches.set_max_decompressed(cap);
            self.at = self.batches.peek_offsets();
            let batch = match self.batches.next() {
                None => return Ok(None),
                Some(Ok(b)) => b,
                // Over what is left of the fetch's budget (or corrupt): the next fetch starts
                // here with a whole budget, and tells which.
                Some(Err(_)) if !untouched && cap < self.max_decompressed => {
                    self.failed = true;
                    return Ok(None);
                }
                Some(Err(e)) => return Err(e.into()),
            };
            self.at = Some((batch.base_offset(), batch.last_offset()));
            // A batch wholly before the requested offset is not even decompressed.
            if !self.deliver(&batch)? || batch.last_offset() < self.start_offset {
                self.skip_batch(&batch);
                continue;
            }
            if batch.compression() == Compression::None {
                self.current = Some(batch.records(self.max_decompressed)?);
                continue;
            }
            let untouched = self.budget.untouched();
            let cap = self.max_decompressed.min(self.budget.left());
            match batch.records(cap) {
                Ok(records) => {
                    let size = batch.decompressed_len().unwrap_or(0);
                    if !self.budget.take(size) && !untouched {
                        self.failed = true;
                        return Ok(None);
                    }
                    self.current = Some(records);
                }
                Err(_) if !untouched && cap < self.max_decompressed => {
                    self.failed = true;
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Iterator for FetchedBatch {
    type Item = Result<Message>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::fetch_response::AbortedTransaction;
    use crate::protocol::records::{attributes, BatchOptions, RecordBatchBuilder};

    const P1: i64 = 1001;
    const P2: i64 = 2002;

    /// A v2 batch at `base` of `n` records by producer `pid` (-1: none), transactional or not.
    fn batch(base: i64, pid: i64, transactional: bool, n: usize) -> Vec<u8> {
        let mut b = RecordBatchBuilder::new(BatchOptions {
            producer_id: pid,
            producer_epoch: if pid < 0 { -1 } else { 0 },
            base_sequence: if pid < 0 { -1 } else { 0 },
            transactional,
            ..Default::default()
        });
        for i in 0..n {
            b.append(1_000, None, Some(format!("v{}", base + i as i64).as_bytes()), &[]).unwrap();
        }
        let mut out = b.finish().unwrap().to_vec();
        out[..8].copy_from_slice(&base.to_be_bytes());
        out
    }

    /// A transaction marker of `pid` at `offset` with the given control record key.
    fn marker(offset: i64, pid: i64, key: &[u8]) -> Vec<u8> {
        let mut b = RecordBatchBuilder::new(BatchOptions {
            producer_id: pid,
            producer_epoch: 0,
            transactional: true,
            ..Default::default()
        });
        b.append(1_000, Some(key), Some(&[0, 0, 0, 0, 0, 0]), &[]).unwrap();
        let mut out = b.finish().unwrap().to_vec();
        out[..8].copy_from_slice(&offset.to_be_bytes());
        let attrs = i16::from_be_bytes([out[21], out[22]]) | attributes::CONTROL;
        out[21..23].copy_from_slice(&attrs.to_be_bytes());
        let crc = crc32c::crc32c(&out[21..]);
        out[17..21].copy_from_slice(&crc.to_be_bytes());
        out
    }

    const ABORT: &[u8] = &[0, 0, 0, 0];
    const COMMIT: &[u8] = &[0, 0, 0, 1];

    /// 0-1 P1 (aborted), 2 P2, 3 P1 ABORT, 4 plain, 5 P2 COMMIT, 6 P1 (aborted), 7 P1 ABORT,
    /// 8-9 P1, 10 P1 COMMIT.
    fn log() -> Bytes {
        let parts = [
            batch(0, P1, true, 2),
            batch(2, P2, true, 1),
            marker(3, P1, ABORT),
            batch(4, -1, false, 1),
            marker(5, P2, COMMIT),
            batch(6, P1, true, 1),
            marker(7, P1, ABORT),
            batch(8, P1, true, 2),
            marker(10, P1, COMMIT),
        ];
        Bytes::from(parts.concat())
    }

    fn read(records: Bytes, from: i64, aborted: &[(i64, i64)], read_committed: bool) -> (Vec<i64>, i64) {
        let data = PartitionData {
            high_watermark: 11,
            records: Some(records),
            aborted_transactions: read_committed.then(|| {
                aborted
                    .iter()
                    .map(|&(producer_id, first_offset)| AbortedTransaction {
                        producer_id,
                        first_offset,
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        };
        let opts = FetchOptions {
            min_bytes: 1,
            max_bytes: 1 << 20,
            max_wait: Duration::ZERO,
            read_committed,
            max_decompressed_fetch: DEFAULT_MAX_DECOMPRESSED_FETCH,
        };
        let cursor = Arc::new(AtomicI64::new(from));
        let (msgs, next, bad) =
            FetchedBatch::from_partition(Arc::from("t"), from, data, &opts, cursor).drain();
        assert!(bad.is_none(), "{bad:?}");
        for m in &msgs {
            assert_eq!(m.value.as_deref(), Some(format!("v{}", m.offset).as_bytes()));
        }
        (msgs.iter().map(|m| m.offset).collect(), next)
    }

    #[test]
    fn read_committed_drops_aborted_batches_and_every_marker() {
        // The broker lists aborted transactions in no promised order.
        let aborted = [(P1, 6), (P1, 0)];
        assert_eq!(read(log(), 0, &aborted, true), (vec![2, 4, 8, 9], 11));
        // Starting inside the first aborted transaction, and after it.
        assert_eq!(read(log(), 1, &aborted[..], true), (vec![2, 4, 8, 9], 11));
        assert_eq!(read(log(), 6, &aborted[..1], true), (vec![8, 9], 11));
    }

    #[test]
    fn read_uncommitted_delivers_every_data_record_but_no_marker() {
        assert_eq!(read(log(), 0, &[], false), (vec![0, 1, 2, 4, 6, 8, 9], 11));
        assert_eq!(read(log(), 9, &[], false), (vec![9], 11));
    }

    #[test]
    fn a_fetch_of_markers_only_moves_the_cursor_past_them() {
        let only = Bytes::from([marker(3, P1, ABORT), marker(4, P2, COMMIT)].concat());
        assert_eq!(read(only.clone(), 3, &[(P1, 0)], true), (vec![], 5));
        assert_eq!(read(only, 3, &[], false), (vec![], 5));
    }

    #[test]
    fn a_marker_with_a_short_key_is_skipped_without_ending_the_abort() {
        let records =
            Bytes::from([batch(0, P1, true, 1), marker(1, P1, &[0]), batch(2, P1, true, 1)].concat());
        // The unreadable marker does not close P1's aborted transaction.
        assert_eq!(read(records.clone(), 0, &[(P1, 0)], true), (vec![], 3));
        assert_eq!(read(records, 0, &[], false), (vec![0, 2], 3));
    }

    // ---- decompression caps ------------------------------------------------------------------

    const MIB: usize = 1 << 20;

    /// `n` v2 zstd batches at offsets 0.., each one record of `size` zero bytes.
    fn big_v2(n: usize, size: usize) -> Bytes {
        let mut out = Vec::new();
        for i in 0..n {
            let mut b = RecordBatchBuilder::new(BatchOptions {
                compression: crate::protocol::compression::Compression::Zstd,
                ..Default::default()
            });
            b.append(1_000, None, Some(&vec![0u8; size]), &[]).unwrap();
            let mut raw = b.finish().unwrap().to_vec();
            raw[..8].copy_from_slice(&(i as i64).to_be_bytes());
            out.extend(raw);
        }
        Bytes::from(out)
    }

    /// A v1 message: offset, size, crc, magic 1, attributes, timestamp, null key, value.
    fn v1_message(offset: i64, attrs: u8, value: &[u8]) -> Vec<u8> {
        let mut body = vec![1u8, attrs];
        body.extend_from_slice(&1_000i64.to_be_bytes());
        body.extend_from_slice(&(-1i32).to_be_bytes());
        body.extend_from_slice(&(value.len() as i32).to_be_bytes());
        body.extend_from_slice(value);
        let mut out = offset.to_be_bytes().to_vec();
        out.extend_from_slice(&(4 + body.len() as i32).to_be_bytes());
        out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
        out.extend(body);
        out
    }

    /// `n` legacy v1 lz4 wrappers at offsets 0.., each holding one message of `size` zeros.
    fn big_legacy(n: usize, size: usize) -> Bytes {
        let mut out = Vec::new();
        for i in 0..n {
            let inner = v1_message(0, 0, &vec![0u8; size]);
            let mut z = Vec::new();
            crate::protocol::compression::compress(
                crate::protocol::compression::Compression::Lz4,
                &inner,
                &mut z,
            )
            .unwrap();
            out.extend(v1_message(i as i64, 3, &z));
        }
        Bytes::from(out)
    }

    fn read_capped(
        records: Bytes,
        from: i64,
        budget: &DecompressBudget,
    ) -> (Vec<i64>, i64, Option<BadBatch>) {
        let opts = FetchOptions {
            min_bytes: 1,
            max_bytes: MIB as i32,
            max_wait: Duration::ZERO,
            read_committed: false,
            max_decompressed_fetch: 4 * MIB,
        };
        let data = PartitionData { high_watermark: 10, records: Some(records), ..Default::default() };
        let cursor = Arc::new(AtomicI64::new(from));
        let (msgs, next, bad) = FetchedBatch::from_partition(Arc::from("t"), from, data, &opts, cursor)
            .with_budget(budget.clone())
            .drain();
        (msgs.iter().map(|m| m.offset).collect(), next, bad)
    }

    #[test]
    fn a_fetch_decompresses_no_more_than_its_cap_and_the_rest_comes_next_fetch() {
        for (name, log) in [("v2", big_v2(4, 3 * MIB / 2)), ("legacy v1", big_legacy(4, 3 * MIB / 2))] {
            // 4 MiB per fetch: two batches of 1.5 MiB fit, the third does not.
            let budget = DecompressBudget::new(4 * MIB);
            let (offsets, next, bad) = read_capped(log.clone(), 0, &budget);
            assert_eq!((offsets, next), (vec![0, 1], 2), "{name}");
            assert!(bad.is_none(), "{name}: the cap is not an error: {bad:?}");
            // Two batches of a bit over 1.5 MiB each were taken.
            assert!(budget.left() < MIB && budget.left() > MIB / 2, "{name}: {}", budget.left());
            // The next fetch starts at the batch left over, with a whole budget.
            let (offsets, next, bad) = read_capped(log.clone(), 2, &DecompressBudget::new(4 * MIB));
            assert_eq!((offsets, next), (vec![2, 3], 4), "{name}");
            assert!(bad.is_none(), "{name}");
            // The budget is shared by the partitions of one fetch response.
            let shared = DecompressBudget::new(4 * MIB);
            assert_eq!(read_capped(log.clone(), 0, &shared).0, vec![0, 1], "{name}");
            let (offsets, next, bad) = read_capped(log, 0, &shared);
            assert_eq!((offsets, next), (vec![], 0), "{name}");
            assert!(bad.is_none(), "{name}");
        }
    }

    #[test]
    fn a_batch_over_the_per_batch_cap_is_a_bad_batch_even_as_the_first_of_a_fetch() {
        // 4 MiB per batch (4 x fetch.max.bytes): a 5 MiB batch fails on its own, named by
        // offset, and can be stepped over.
        for (name, log) in [("v2", big_v2(2, 5 * MIB)), ("legacy v1", big_legacy(2, 5 * MIB))] {
            let (offsets, next, bad) = read_capped(log, 0, &DecompressBudget::new(64 * MIB));
            assert_eq!((offsets, next), (vec![], 0), "{name}");
            let bad = bad.unwrap_or_else(|| panic!("{name}: no error"));
            assert_eq!((bad.base_offset, bad.skip_to), (0, 1), "{name}");
            assert!(bad.error.message().contains("t/0") && bad.error.message().contains("offset 0"));
            assert!(bad.error.message().contains("larger than 4194304"), "{name}: {}", bad.error);
        }
    }

    #[test]
    fn a_corrupt_batch_whose_header_lies_is_skipped_only_up_to_the_next_batch() {
        let mut bytes = [batch(0, -1, false, 2), batch(2, -1, false, 3), batch(5, -1, false, 1)].concat();
        let second = batch(0, -1, false, 2).len();
        // lastOffsetDelta of the second batch says 1000 (so its CRC fails too).
        bytes[second + 23..second + 27].copy_from_slice(&1000i32.to_be_bytes());
        let (offsets, next, bad) = read_capped(Bytes::from(bytes), 0, &DecompressBudget::new(4 * MIB));
        assert_eq!((offsets, next), (vec![0, 1], 2));
        let bad = bad.unwrap();
        assert_eq!((bad.base_offset, bad.skip_to), (2, 5), "{}", bad.error);
    }

    #[test]
    fn good_messages_before_a_corrupt_batch_are_delivered_and_the_batch_is_named() {
        let mut bytes = [batch(0, -1, false, 2), batch(2, -1, false, 3), batch(5, -1, false, 1)].concat();
        let second = batch(0, -1, false, 2).len();
        // Break the CRC of the second batch (offsets 2..=4).
        bytes[second + 17] ^= 0xff;
        let (offsets, next, bad) = read_capped(Bytes::from(bytes), 0, &DecompressBudget::new(4 * MIB));
        assert_eq!((offsets, next), (vec![0, 1], 2));
        let bad = bad.unwrap();
        assert_eq!((bad.base_offset, bad.skip_to), (2, 5));
        assert!(bad.error.message().contains("t/0: the batch at offset 2 (to 4)"), "{}", bad.error);
    }
}
