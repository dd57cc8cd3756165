//! Writer counters and summaries, updated lock-free on the hot path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// min / average / max of a series.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub min: u64,
    pub avg: f64,
    pub max: u64,
    pub count: u64,
}

/// A snapshot of a writer's activity since it was created.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriterStats {
    pub messages_produced: u64,
    pub messages_delivered: u64,
    pub bytes: u64,
    pub batches: u64,
    pub errors: u64,
    pub retries: u64,
    pub requests: u64,
    pub pending: u64,
    /// Messages per delivered batch.
    pub batch_messages: Summary,
    /// Encoded bytes per delivered batch.
    pub batch_bytes: Summary,
    /// Microseconds from a batch's first message to its acknowledgement.
    pub batch_latency_us: Summary,
    /// Microseconds a Produce request took.
    pub request_latency_us: Summary,
}

impl WriterStats {
    /// The snapshot as one JSON object.
    pub fn to_json(&self) -> String {
        let sum = |s: &Summary| {
            format!(r#"{{"min":{},"avg":{:.1},"max":{},"count":{}}}"#, s.min, s.avg, s.max, s.count)
        };
        format!(
            r#"{{"messages_produced":{},"messages_delivered":{},"bytes":{},"batches":{},"errors":{},"retries":{},"requests":{},"pending":{},"batch_messages":{},"batch_bytes":{},"batch_latency_us":{},"request_latency_us":{}}}"#,
            self.messages_produced,
            self.messages_delivered,
            self.bytes,
            self.batches,
            self.errors,
            self.retries,
            self.requests,
            self.pending,
            sum(&self.batch_messages),
            sum(&self.batch_bytes),
            sum(&self.batch_latency_us),
            sum(&self.request_latency_us)
        )
    }
}

#[derive(Default)]
struct Series {
    min: AtomicU64,
    max: AtomicU64,
    sum: AtomicU64,
    count: AtomicU64,
}

impl Series {
    fn add(&self, v: u64) {
        if self.count.fetch_add(1, Ordering::Relaxed) == 0 {
            self.min.store(v, Ordering::Relaxed);
        } else {
            self.min.fetch_min(v, Ordering::Relaxed);
        }
        self.max.fetch_max(v, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
    }
    fn summary(&self) -> Summary {
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum.load(Ordering::Relaxed);
        Summary {
            min: self.min.load(Ordering::Relaxed),
            avg: if count == 0 { 0.0 } else { sum as f64 / count as f64 },
            max: self.max.load(Ordering::Relaxed),
            count,
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    produced: AtomicU64,
    delivered: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    batch_messages: Series,
    batch_bytes: Series,
    batch_latency: Series,
    request_latency: Series,
}

impl Counters {
    pub(crate) fn produced(&self, n: usize) {
        self.produced.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub(crate) fn batch_done(&self, messages: usize, bytes: usize, latency: Duration) {
        self.delivered.fetch_add(messages as u64, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.batch_messages.add(messages as u64);
        self.batch_bytes.add(bytes as u64);
        self.batch_latency.add(latency.as_micros() as u64);
    }
    pub(crate) fn failed(&self, messages: usize) {
        self.errors.fetch_add(messages as u64, Ordering::Relaxed);
    }
    pub(crate) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn request_done(&self, latency: Duration) {
        self.request_latency.add(latency.as_micros() as u64);
    }
    pub(crate) fn snapshot(&self, pending: usize) -> WriterStats {
        let batch_messages = self.batch_messages.summary();
        WriterStats {
            messages_produced: self.produced.load(Ordering::Relaxed),
            messages_delivered: self.delivered.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            batches: batch_messages.count,
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            requests: self.request_latency.summary().count,
            pending: pending as u64,
            batch_messages,
            batch_bytes: self.batch_bytes.summary(),
            batch_latency_us: self.batch_latency.summary(),
            request_latency_us: self.request_latency.summary(),
        }
    }
}
