//! The Writer: kafka-go's batching producer. Messages are encoded into per-partition batches as
//! they are handed over; one sender task per writer sends every ready partition led by a broker
//! in one Produce request, with several requests in flight, retries, and idempotence.

pub mod balancer;
mod sender;
mod state;
mod stats;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use self::balancer::{Balancer, BalancerKind};
use self::state::State;
pub use self::stats::WriterStats;
use crate::cluster::ClusterClient;
use crate::config::Config;
use crate::conn::ConnSettings;
use crate::error::{code, Error, Result};
use crate::protocol::compression::Compression;
use crate::protocol::records::RecordHeader;
use crate::runtime::{self, CancelToken};

/// Everything the writer takes from the configuration, checked as a whole.
#[derive(Clone, Debug)]
pub struct WriterSettings {
    pub bootstrap: Vec<String>,
    pub conn: ConnSettings,
    pub metadata_max_age: Duration,
    pub topic: Option<String>,
    pub balancer: BalancerKind,
    pub chunk_size: usize,
    pub acks: i16,
    pub idempotent: bool,
    pub max_in_flight: usize,
    pub linger: Duration,
    pub batch_messages: usize,
    pub batch_bytes: usize,
    pub queue_max: usize,
    /// queue.buffering.max.kbytes in bytes.
    pub queue_max_bytes: usize,
    pub compression: Compression,
    pub max_retries: u32,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub request_timeout: Duration,
    pub message_timeout: Option<Duration>,
    pub allow_auto_create: bool,
    pub log_level: i32,
}

impl WriterSettings {
    pub fn from_config(cfg: &Config) -> Result<Self> {
        let bootstrap = cfg.bootstrap_servers()?;
        if bootstrap.is_empty() {
            return Err(Error::config(
                "bootstrap.servers is required for a writer (e.g. \"127.0.0.1:9092\")",
            ));
        }
        let acks = match cfg.get("acks")?.to_ascii_lowercase().as_str() {
            "all" | "-1" => -1,
            "1" | "one" | "leader" => 1,
            _ => 0,
        };
        // Idempotence needs acks=all: on by default with it, quietly off without it unless the
        // user asked for both, which is a contradiction worth an error.
        let idempotence_asked = cfg.is_set("enable.idempotence") && cfg.get_bool("enable.idempotence")?;
        if idempotence_asked && acks != -1 {
            return Err(Error::config("enable.idempotence=true needs acks=all"));
        }
        let idempotent = cfg.get_bool("enable.idempotence")? && acks == -1;
        let max_in_flight = cfg.get_int("max.in.flight.requests.per.connection")? as usize;
        if idempotent && max_in_flight > 5 {
            return Err(Error::config(
                "max.in.flight.requests.per.connection must be at most 5 with enable.idempotence",
            ));
        }
        let backoff_min = cfg.get_ms("retry.backoff.ms")?;
        let backoff_max = cfg.get_ms("retry.backoff.max.ms")?;
        if backoff_max < backoff_min {
            return Err(Error::config("retry.backoff.max.ms must not be below retry.backoff.ms"));
        }
        let topic = Some(cfg.get("writer.topic")?.to_string()).filter(|t| !t.is_empty());
        let timeout_ms = cfg.get_int("message.timeout.ms")?;
        Ok(WriterSettings {
            bootstrap,
            conn: ConnSettings::from_config(cfg)?,
            metadata_max_age: cfg.get_ms("metadata.max.age.ms")?,
            topic,
            balancer: cfg.get("balancer")?.parse()?,
            chunk_size: cfg.get_int("balancer.chunk.size")? as usize,
            acks,
            idempotent,
            max_in_flight,
            linger: cfg.get_ms("linger.ms")?,
            batch_messages: cfg.get_int("batch.num.messages")? as usize,
            batch_bytes: cfg.get_int("batch.size")? as usize,
            queue_max: cfg.get_int("queue.buffering.max.messages")? as usize,
            queue_max_bytes: (cfg.get_int("queue.buffering.max.kbytes")? as usize).saturating_mul(1024),
            compression: cfg.get("compression.type")?.parse()?,
            max_retries: cfg.get_int("message.send.max.retries")?.min(u32::MAX as i64) as u32,
            backoff_min,
            backoff_max,
            request_timeout: cfg.get_ms("request.timeout.ms")?,
            message_timeout: (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms as u64)),
            // kafka-go's Writer does not create topics unless told to.
            allow_auto_create: cfg.is_set("allow.auto.create.topics")
                && cfg.get_bool("allow.auto.create.topics")?,
            log_level: cfg.get_int("log_level")? as i32,
        })
    }
}

/// A message to produce, borrowing the caller's bytes (copied into the batch at once).
#[derive(Clone, Copy, Debug, Default)]
pub struct OutRecord<'a> {
    /// The topic, or None when the writer has a fixed topic.
    pub topic: Option<&'a str>,
    /// The partition, or -1 to let the balancer choose.
    pub partition: i32,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [RecordHeader<'a>],
    /// Milliseconds since the epoch; 0 = now.
    pub timestamp_ms: i64,
}

/// What happened to one message.
#[derive(Clone, Debug)]
pub struct DeliveryReport {
    /// The caller's opaque value from the produce call.
    pub opaque: usize,
    /// The offset the message got (-1 with acks=0), or why it was not delivered.
    pub result: Result<i64>,
    pub topic: Arc<str>,
    pub partition: i32,
    pub timestamp_ms: i64,
}

/// Something for the application, served on its own thread by poll/flush/close.
#[derive(Debug)]
pub enum Event {
    /// The reports of one batch (or of messages that failed before being batched).
    Delivery(Vec<DeliveryReport>),
    /// A log line: syslog level (3 error, 4 warning, 6 info, 7 debug) and message.
    Log { level: i32, message: String },
}

/// How the caller learns that a message was delivered, and the message's size (key + value +
/// headers) that counts against queue.buffering.max.kbytes until then.
#[derive(Clone, Debug)]
pub(crate) enum Completion {
    Report { opaque: usize, size: usize },
    Sync { wait: Arc<SyncWait>, index: usize, size: usize },
}

impl Completion {
    pub(crate) fn size(&self) -> usize {
        match self {
            Completion::Report { size, .. } | Completion::Sync { size, .. } => *size,
        }
    }
}

/// What queue.buffering.max.kbytes counts of a message: key, value and headers.
fn message_size(m: &OutRecord<'_>) -> usize {
    let headers: usize = m.headers.iter().map(|h| h.key.len() + h.value.map_or(0, <[u8]>::len)).sum();
    m.key.map_or(0, <[u8]>::len) + m.value.map_or(0, <[u8]>::len) + headers
}

/// The events waiting for the application, with how many messages (and their bytes) the
/// delivery reports among them stand for: those count against the queue bounds until served.
#[derive(Default)]
struct Events {
    queue: VecDeque<Event>,
    messages: usize,
    bytes: usize,
}

/// The results of one synchronous write, filled in as batches complete.
#[derive(Debug)]
pub(crate) struct SyncWait {
    results: Mutex<Vec<Option<Result<i64>>>>,
    remaining: AtomicUsize,
    done: Notify,
}

impl SyncWait {
    fn new(n: usize) -> Arc<Self> {
        Arc::new(SyncWait {
            results: Mutex::new(vec![None; n]),
            remaining: AtomicUsize::new(n),
            done: Notify::new(),
        })
    }

    pub(crate) fn complete(&self, index: usize, result: Result<i64>) {
        let mut r = self.results.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = r.get_mut(index).filter(|s| s.is_none()) {
            *slot = Some(result);
            if self.remaining.fetch_sub(1, Ordering::SeqCst) == 1 {
                self.done.notify_one();
            }
        }
    }

    async fn wait(&self) {
        loop {
            let n = self.done.notified();
            tokio::pin!(n);
            n.as_mut().enable();
            if self.remaining.load(Ordering::SeqCst) == 0 {
                return;
            }
            n.await;
        }
    }
}

/// How often `poll` looks at a cancel token while it waits.
const CANCEL_CHECK: Duration = Duration::from_millis(20);

/// State shared by the writer handle, its sender task and its request tasks.
pub(crate) struct Shared {
    pub(crate) settings: WriterSettings,
    pub(crate) cluster: Arc<ClusterClient>,
    pub(crate) balancer: Box<dyn Balancer>,
    pub(crate) state: Mutex<State>,
    /// Wakes the sender: new data, a flush, a finished request, close.
    pub(crate) wake: Notify,
    events: Mutex<Events>,
    events_ready: Condvar,
    pub(crate) stats: stats::Counters,
}

impl Shared {
    pub(crate) fn push_event(&self, e: Event) {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).queue.push_back(e);
        self.events_ready.notify_all();
    }

    /// Queues delivery reports for messages of `bytes` in all; they stay counted against the
    /// queue bounds until `poll` serves them.
    pub(crate) fn push_reports(&self, reports: Vec<DeliveryReport>, bytes: usize) {
        let mut ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
        ev.messages += reports.len();
        ev.bytes += bytes;
        ev.queue.push_back(Event::Delivery(reports));
        drop(ev);
        self.events_ready.notify_all();
    }

    pub(crate) fn log(&self, level: i32, message: impl Into<String>) {
        let message = message.into();
        if level <= self.settings.log_level {
            self.push_event(Event::Log { level, message });
        }
    }

    /// Wakes threads blocked in poll/flush without adding an event.
    pub(crate) fn notify_waiters(&self) {
        let _guard = self.events.lock().unwrap_or_else(|p| p.into_inner());
        self.events_ready.notify_all();
    }
}

/// The batching producer. Every method may be called from any thread; callbacks (events) are
/// only handed out by `poll`, `flush` and `close`, on the calling thread.
pub struct Writer {
    shared: Arc<Shared>,
    sender: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Creates a writer. No I/O happens until the first message.
    pub fn new(cfg: &Config) -> Result<Writer> {
        let settings = WriterSettings::from_config(cfg)?;
        let balancer = balancer::build(settings.balancer, settings.chunk_size);
        Writer::start(settings, balancer)
    }

    /// Creates a writer whose partitions are chosen by `balancer` instead of the configured one.
    /// The balancer may be called from any thread.
    pub fn with_balancer(cfg: &Config, balancer: Box<dyn Balancer>) -> Result<Writer> {
        Writer::start(WriterSettings::from_config(cfg)?, balancer)
    }

    fn start(settings: WriterSettings, balancer: Box<dyn Balancer>) -> Result<Writer> {
        let cluster = ClusterClient::new(
            settings.bootstrap.clone(),
            settings.conn.connect.clone(),
            settings.metadata_max_age,
        )?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            balancer,
            cluster,
            wake: Notify::new(),
            events: Mutex::default(),
            events_ready: Condvar::new(),
            stats: stats::Counters::default(),
            settings,
        });
        // Once per writer, not per connection: served by the first poll/flush/close, so a log
        // callback set right after creation sees them.
        for warning in shared.settings.conn.connect.security.warnings() {
            shared.log(4, warning);
        }
        let sender = runtime::spawn(sender::run(shared.clone()))?;
        Ok(Writer { shared, sender: Mutex::new(Some(sender)) })
    }

    pub fn settings(&self) -> &WriterSettings {
        &self.shared.settings
    }

    /// Hands messages over for delivery; each report comes back through `poll` with the
    /// message's `opaque` value. All or none: if any message lacks a topic or has a header key
    /// that is not UTF-8, or the queue cannot take them all, nothing is enqueued. A message that
    /// fails later (e.g. its partition does not exist) gets a failed report.
    pub fn produce(&self, msgs: &[OutRecord<'_>], opaques: &[usize]) -> Result<()> {
        let completions: Vec<Completion> = opaques
            .iter()
            .zip(msgs)
            .map(|(&opaque, m)| Completion::Report { opaque, size: message_size(m) })
            .collect();
        self.enqueue(msgs, completions)
    }

    fn enqueue(&self, msgs: &[OutRecord<'_>], completions: Vec<Completion>) -> Result<()> {
        if msgs.len() != completions.len() {
            return Err(Error::internal("one completion per message"));
        }
        let topics = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| self.topic_of(m).map_err(|e| e.context(format!("message {i}"))))
            .collect::<Result<Vec<&str>>>()?;
        for (i, m) in msgs.iter().enumerate() {
            for h in m.headers {
                if std::str::from_utf8(h.key).is_err() {
                    return Err(Error::invalid_arg(format!("message {i}: header key is not UTF-8")));
                }
            }
        }
        {
            let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.closed {
                return Err(Error::closed("the writer is closed"));
            }
            // A message counts until the application has its report: waiting for delivery,
            // or reported and not yet served by poll/flush/close.
            let (unserved, unserved_bytes) = {
                let ev = self.shared.events.lock().unwrap_or_else(|p| p.into_inner());
                (ev.messages, ev.bytes)
            };
            let s = &self.shared.settings;
            let queued = st.pending + unserved;
            if queued + msgs.len() > s.queue_max {
                return Err(Error::new(
                    code::QUEUE_FULL,
                    format!(
                        "{} messages are waiting for delivery, {unserved} of them reported and not yet polled \
                         (queue.buffering.max.messages={}); poll and retry",
                        queued, s.queue_max
                    ),
                ));
            }
            let queued_bytes = st.pending_bytes + unserved_bytes;
            let bytes: usize = completions.iter().map(Completion::size).sum();
            if queued_bytes + bytes > s.queue_max_bytes {
                return Err(Error::new(
                    code::QUEUE_FULL,
                    format!(
                        "{queued_bytes} bytes of messages are waiting for delivery, {unserved_bytes} of them \
                         reported and not yet polled; {bytes} more would pass queue.buffering.max.kbytes={} \
                         ({} bytes); poll and retry",
                        s.queue_max_bytes / 1024,
                        s.queue_max_bytes
                    ),
                ));
            }
            let now = crate::runtime::now_ms();
            for ((m, topic), c) in msgs.iter().zip(topics).zip(completions) {
                st.append(&self.shared, topic, m, now, c);
            }
        }
        self.shared.stats.produced(msgs.len());
        self.shared.wake.notify_one();
        Ok(())
    }

    /// kafka-go's rule: a message names its topic exactly when the writer has none.
    fn topic_of<'m>(&'m self, m: &OutRecord<'m>) -> Result<&'m str> {
        match (self.shared.settings.topic.as_deref(), m.topic) {
            (Some(_), Some(_)) => Err(Error::invalid_arg(
                "the writer has a topic (writer.topic) and the message names one too; set only one",
            )),
            (None, None) => {
                Err(Error::invalid_arg("no topic: set writer.topic or name the topic in every message"))
            }
            (Some(t), None) | (None, Some(t)) if t.is_empty() => {
                Err(Error::invalid_arg("the topic name is empty"))
            }
            (Some(t), None) | (None, Some(t)) => Ok(t),
        }
    }

    /// Writes messages and blocks until every one is acknowledged or has failed: the offset or
    /// error of each, in order. On timeout or cancel the messages not yet settled report
    /// TIMED_OUT or CANCELLED (they may still be delivered later).
    pub fn write(
        &self,
        msgs: &[OutRecord<'_>],
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Result<i64>>> {
        if msgs.is_empty() {
            return Ok(Vec::new());
        }
        let wait = SyncWait::new(msgs.len());
        let completions = msgs
            .iter()
            .enumerate()
            .map(|(index, m)| Completion::Sync { wait: wait.clone(), index, size: message_size(m) })
            .collect();
        self.enqueue(msgs, completions)?;
        let outcome = runtime::block_on(
            async {
                wait.wait().await;
                Ok(())
            },
            timeout,
            cancel,
        );
        if let Err(e) = outcome {
            for i in 0..msgs.len() {
                wait.complete(i, Err(e.clone()));
            }
        }
        let results = std::mem::take(&mut *wait.results.lock().unwrap_or_else(|p| p.into_inner()));
        Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::internal("no result")))).collect())
    }

    /// Hands queued events to `sink` on this thread, waiting up to `timeout` for the first one.
    /// Returns how many were served; CANCELLED if `cancel` fired before any came.
    pub fn poll(
        &self,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<usize> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut q = self.shared.events.lock().unwrap_or_else(|p| p.into_inner());
        while q.queue.is_empty() {
            if cancel.is_some_and(|c| c.is_fired()) {
                return Err(Error::cancelled());
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return Ok(0);
            }
            // A token is fired from any thread without touching this condition variable: look
            // at it every CANCEL_CHECK (a wakeup of the handle also notifies the variable).
            let left = if cancel.is_some() { left.min(CANCEL_CHECK) } else { left };
            q = self.shared.events_ready.wait_timeout(q, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        let events: Vec<Event> = q.queue.drain(..).collect();
        // Served now: the application has these reports (counted until here; the sink runs
        // after, so a produce from inside it finds the room).
        q.messages = 0;
        q.bytes = 0;
        drop(q);
        let n = events.len();
        events.into_iter().for_each(&mut *sink);
        Ok(n)
    }

    /// Wakes the threads waiting in `poll`/`flush` so they look at their cancel tokens now.
    pub fn interrupt(&self) {
        self.shared.notify_waiters();
    }

    /// Messages handed over and not yet reported (reports queued for `poll` not included).
    pub fn pending(&self) -> usize {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).pending
    }

    /// Sends everything now (ignoring linger.ms) and waits until every message is reported,
    /// serving events to `sink` meanwhile. TIMED_OUT if some are still pending at the deadline,
    /// CANCELLED once `cancel` fires.
    pub fn flush(
        &self,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<()> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).flushing += 1;
        self.shared.wake.notify_one();
        let result = loop {
            let _ = self.poll(Some(Duration::ZERO), None, sink);
            let pending = self.pending();
            if pending == 0 {
                // Reports pushed after the last poll but before pending reached zero.
                let _ = self.poll(Some(Duration::ZERO), None, sink);
                break Ok(());
            }
            if cancel.is_some_and(|c| c.is_fired()) {
                break Err(Error::cancelled().context(format!("flush: {pending} messages still pending")));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                let state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).describe();
                break Err(Error::timed_out(format!("flush: {pending} messages still pending ({state})")));
            }
            let slice = left.unwrap_or(Duration::from_millis(100)).min(Duration::from_millis(100));
            if let Err(e) = self.poll(Some(slice), cancel, sink) {
                break Err(e.context(format!("flush: {pending} messages still pending")));
            }
        };
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).flushing -= 1;
        result
    }

    /// Flushes (up to `timeout`, or until `cancel` fires), then stops: messages still pending
    /// are reported as failed (TIMED_OUT, or CANCELLED if the flush was cancelled), and every
    /// report is served to `sink` before this returns.
    pub fn close(
        &self,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<()> {
        let flushed = self.flush(timeout, cancel, sink);
        let cancelled = matches!(&flushed, Err(e) if e.code() == code::CANCELLED);
        let (why, unconfirmed) = if cancelled {
            (
                Error::new(
                    code::CANCELLED,
                    "the writer was closed (cancelled) before the message was delivered",
                ),
                Error::new(
                    code::CANCELLED,
                    "the writer was closed (cancelled) while the message was in a request: not confirmed \
                     by the broker, it may or may not have been written",
                ),
            )
        } else {
            (
                Error::timed_out("the writer was closed before the message was delivered"),
                Error::timed_out(
                    "the writer was closed while the message was in a request: not confirmed by the \
                     broker, it may or may not have been written",
                ),
            )
        };
        // Under the state's lock: a request that finishes now either settled its messages
        // before, or finds them reported here and ignores its outcome. Each gets one report.
        let dropped =
            self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).close(&self.shared, why, unconfirmed);
        if let Some(h) = self.sender.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
        self.shared.cluster.close();
        let _ = self.poll(Some(Duration::ZERO), None, sink);
        match flushed {
            Err(e) if dropped > 0 => Err(e.context(format!(
                "close: {dropped} messages were not delivered or not confirmed (each has a failed report)"
            ))),
            _ => Ok(()),
        }
    }

    pub fn stats(&self) -> WriterStats {
        self.shared.stats.snapshot(self.pending())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(h) = self.sender.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
        self.shared.cluster.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs_of(pairs: &[(&str, &str)]) -> Vec<(i32, String)> {
        let mut cfg = Config::new();
        cfg.set("bootstrap.servers", "127.0.0.1:1").unwrap();
        for (k, v) in pairs {
            cfg.set(k, v).unwrap();
        }
        let w = Writer::new(&cfg).unwrap();
        let mut logs = Vec::new();
        let mut sink = |e: Event| {
            if let Event::Log { level, message } = e {
                logs.push((level, message));
            }
        };
        let _ = w.poll(Some(Duration::ZERO), None, &mut sink);
        // Nothing was produced, so no I/O: a second poll finds nothing (the warning is not
        // repeated), and close serves nothing more.
        let _ = w.poll(Some(Duration::from_millis(50)), None, &mut sink);
        w.close(Some(Duration::from_secs(5)), None, &mut sink).unwrap();
        logs
    }

    #[test]
    fn insecure_security_settings_are_warned_about_once_at_creation() {
        let logs = logs_of(&[
            ("security.protocol", "sasl_plaintext"),
            ("sasl.mechanism", "PLAIN"),
            ("sasl.username", "u"),
            ("sasl.password", "pw-not-in-logs"),
        ]);
        assert_eq!(logs.len(), 1, "{logs:?}");
        assert_eq!(logs[0].0, 4, "a warning");
        assert!(logs[0].1.contains("sasl_plaintext") && logs[0].1.contains("PLAIN"), "{logs:?}");
        assert!(!logs[0].1.contains("pw-not-in-logs"));

        let logs = logs_of(&[("security.protocol", "ssl"), ("enable.ssl.certificate.verification", "false")]);
        assert_eq!(logs.len(), 1, "{logs:?}");
        assert!(
            logs[0].0 == 4 && logs[0].1.contains("enable.ssl.certificate.verification=false"),
            "{logs:?}"
        );

        // log_level below warnings filters them, as every other line.
        let logs = logs_of(&[
            ("security.protocol", "ssl"),
            ("enable.ssl.certificate.verification", "false"),
            ("log_level", "3"),
        ]);
        assert!(logs.is_empty(), "{logs:?}");
    }

    #[test]
    fn secure_or_plain_settings_warn_about_nothing() {
        assert!(logs_of(&[]).is_empty());
        let logs = logs_of(&[
            ("security.protocol", "sasl_plaintext"),
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.username", "u"),
            ("sasl.password", "p"),
        ]);
        assert!(logs.is_empty(), "{logs:?}");
    }
}
