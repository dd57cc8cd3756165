//! Fetching: one Fetch request for any number of partitions led by one broker, and the fetched
//! records read message by message without copying (keys, values and headers are slices of the
//! response buffer). Conn, the single-partition Reader and the group Reader all fetch through
//! here, so the isolation rules live in one place: control batches (transaction markers) are
//! never delivered, and with read_committed the records of aborted transactions are dropped.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::net::BrokerConnection;
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
}

impl FetchOptions {
    /// The cap on a decompressed batch: well above what a fetch of `max_bytes` can carry.
    pub fn max_decompressed(&self) -> usize {
        (self.max_bytes.max(0) as usize).max(1 << 20) * 4
    }
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
        max_wait_ms: opts.max_wait.as_millis().min(i32::MAX as u128) as i32,
        min_bytes: opts.min_bytes,
        max_bytes: opts.max_bytes,
        isolation_level: opts.read_committed as i8,
        session_epoch: -1,
        topics,
        ..Default::default()
    }
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
    /// of the message is only accepted while that generation lasts.
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
    failed: bool,
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
            batches: RecordBatches::new(records),
            current: None,
            conn_offset,
            max_decompressed,
            failed: false,
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

    pub fn high_water_mark(&self) -> i64 {
        self.high_water_mark
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

    /// Every message, and the offset to fetch next.
    pub fn drain(mut self) -> Result<(Vec<Message>, i64)> {
        let mut out = Vec::new();
        while let Some(m) = self.next_message()? {
            out.push(m);
        }
        Ok((out, self.next_offset()))
    }

    /// The next message, or None at the end. An error (a corrupt batch) ends the batch.
    pub fn next_message(&mut self) -> Result<Option<Message>> {
        if self.failed {
            return Ok(None);
        }
        match self.advance() {
            Ok(m) => Ok(m),
            Err(e) => {
                self.failed = true;
                Err(e)
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
            let Some(batch) = self.batches.next() else {
                return Ok(None);
            };
            let batch = batch?;
            if !self.deliver(&batch)? {
                self.skip_batch(&batch);
                continue;
            }
            self.current = Some(batch.records(self.max_decompressed)?);
        }
    }
}

impl Iterator for FetchedBatch {
    type Item = Result<Message>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}
