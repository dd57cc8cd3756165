//! A fetched batch: the records of one Fetch response, read message by message without copying
//! (keys, values and headers are slices of the response buffer).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::error::Result;
use crate::protocol::records::{RecordBatches, RecordIter};

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

/// The messages of one fetch, in offset order. Control records (transaction markers) and
/// records before the requested offset (a batch may start earlier) are skipped.
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
}

impl FetchedBatch {
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
        }
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
            if batch.is_control() {
                // Transaction markers take an offset: step over it so the next fetch moves on.
                if batch.last_offset() >= self.start_offset {
                    self.conn_offset.store(batch.last_offset() + 1, Ordering::SeqCst);
                }
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
