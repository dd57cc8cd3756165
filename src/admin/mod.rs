//! kafka-go's `Client`: an admin client of the whole cluster that routes each request itself.
//!
//! Above `cluster` and `net`, knowing nothing of C. Each call takes a [`Deadline`] and returns
//! one result per item (a topic, a group, a partition), each with its own error. The client
//! finds where a request must go:
//! - topic admin (CreateTopics, DeleteTopics, CreatePartitions) goes to the broker Metadata
//!   names as controller (in KRaft any broker forwards it; NOT_CONTROLLER is retried);
//! - group calls go to each group's coordinator (FindCoordinator, batched when the broker can);
//! - ListOffsets goes to each partition's leader, one request per leader;
//! - ListGroups goes to every broker and the answers are merged;
//! - DescribeConfigs / IncrementalAlterConfigs of a broker go to that broker, the rest anywhere.
//!
//! What is retriable (the error table's flag) is retried with backoff, re-routing each round,
//! until it succeeds or the next backoff would pass the deadline; the item then keeps its last
//! error. A topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID) and a
//! broker-side REQUEST_TIMED_OUT are final for an item although Kafka flags them retriable.
//! Cancellation and the overall time limit wrap the whole call (`runtime::block_on`).

mod configs;
mod groups;
mod offsets;
mod topics;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use configs::{AlterConfigOp, ConfigEntry, ConfigResource, ConfigResourceResult, SOURCE_DEFAULT};
pub use groups::{GroupDescription, GroupLag, ListedGroup, MemberDescription, OffsetFetched};
pub use offsets::{OffsetQuery, PartitionOffset, EARLIEST, LATEST, MAX_TIMESTAMP};
pub use topics::NewPartitions;

use crate::cluster::{fetch_metadata, BrokerInfo, ClusterClient, ClusterMetadata};
use crate::config::Config;
use crate::conn::ConnSettings;
use crate::error::{Error, Result};
use crate::net::BrokerConnection;
use crate::protocol::messages::FindCoordinatorRequest;
use crate::protocol::Request;

/// Config resource types (Kafka's ConfigResource.Type).
pub const RESOURCE_TOPIC: i8 = 2;
pub const RESOURCE_BROKER: i8 = 4;
pub const RESOURCE_BROKER_LOGGER: i8 = 8;

/// What a client takes from the configuration.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    pub bootstrap: Vec<String>,
    pub conn: ConnSettings,
    pub metadata_max_age: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// ListOffsets (and so group lag) reads the last stable offset instead of the high watermark.
    pub read_committed: bool,
}

impl ClientSettings {
    pub fn from_config(cfg: &Config) -> Result<Self> {
        let bootstrap = cfg.bootstrap_servers()?;
        if bootstrap.is_empty() {
            return Err(Error::config(
                "bootstrap.servers is required for a client (e.g. \"127.0.0.1:9092\")",
            ));
        }
        let backoff_min = cfg.get_ms("retry.backoff.ms")?;
        let backoff_max = cfg.get_ms("retry.backoff.max.ms")?;
        if backoff_max < backoff_min {
            return Err(Error::config("retry.backoff.max.ms must not be below retry.backoff.ms"));
        }
        Ok(ClientSettings {
            bootstrap,
            conn: ConnSettings::from_config(cfg)?,
            metadata_max_age: cfg.get_ms("metadata.max.age.ms")?,
            backoff_min,
            backoff_max,
            read_committed: cfg.get("isolation.level")? == "read_committed",
        })
    }
}

/// When a call must be over; `None` = no limit.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Option<Instant>);

/// The time a broker is given to finish an admin operation when the call has no limit.
const DEFAULT_BROKER_TIMEOUT: Duration = Duration::from_secs(30);

impl Deadline {
    pub fn after(timeout: Option<Duration>) -> Self {
        Deadline(timeout.map(|t| Instant::now() + t))
    }

    pub fn none() -> Self {
        Deadline(None)
    }

    fn remaining(&self) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether waiting `wait` (and trying once more) still fits.
    fn allows(&self, wait: Duration) -> bool {
        self.0.is_none_or(|d| Instant::now() + wait < d)
    }

    /// The timeout_ms to put in a request the broker itself waits on (CreateTopics...).
    fn broker_timeout_ms(&self) -> i32 {
        crate::runtime::clamp_ms(self.remaining().unwrap_or(DEFAULT_BROKER_TIMEOUT))
    }
}

/// Where a request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// Any live broker.
    Any,
    Broker(i32),
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
/// One round of a per-item call: each key asked about, with its outcome.
type Round<K, V> = Result<Vec<Item<K, V>>>;

/// An item's outcome in one round, and whether to ask again (by default: if the error is
/// retriable).
struct Item<K, V> {
    key: K,
    result: Result<V>,
    retry: bool,
}

/// Retriable codes that are final for one item: the topic does not exist (Kafka flags it
/// retriable because metadata may lag, but asking again about a topic nobody creates only
/// burns the caller's timeout), and a broker-side timeout of an admin operation that may still
/// complete (asking again would report e.g. TOPIC_ALREADY_EXISTS for a topic this call made).
const FINAL_FOR_ITEMS: [i32; 3] = [3, 7, 100];

impl<K, V> From<(K, Result<V>)> for Item<K, V> {
    fn from((key, result): (K, Result<V>)) -> Self {
        let retry = matches!(&result, Err(e) if e.is_retriable() && !FINAL_FOR_ITEMS.contains(&e.code()));
        Item { key, result, retry }
    }
}

impl<K, V> Item<K, V> {
    /// An outcome retried whenever its code is retriable (e.g. a leader answering
    /// UNKNOWN_TOPIC_OR_PARTITION for a partition metadata says it leads: it has not caught up).
    fn again(key: K, result: Result<V>) -> Self {
        let retry = matches!(&result, Err(e) if e.is_retriable());
        Item { key, result, retry }
    }

    /// An outcome not to retry even if its code is retriable (e.g. a topic missing from
    /// metadata, which waiting will not create).
    fn last(key: K, result: Result<V>) -> Self {
        Item { key, result, retry: false }
    }
}

fn items<K, V>(pairs: Vec<(K, Result<V>)>) -> Vec<Item<K, V>> {
    pairs.into_iter().map(Item::from).collect()
}

/// The admin client. Safe to share between threads; every call is independent.
pub struct Client {
    cluster: Arc<ClusterClient>,
    settings: ClientSettings,
}

impl Client {
    pub fn new(settings: ClientSettings) -> Result<Self> {
        let cluster = ClusterClient::new(
            settings.bootstrap.clone(),
            settings.conn.connect.clone(),
            settings.metadata_max_age,
        )?;
        Ok(Client { cluster, settings })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Closes every connection; calls in flight fail.
    pub fn close(&self) {
        self.cluster.close();
    }

    // ---- routing -----------------------------------------------------------------------------

    async fn connection(&self, t: Target) -> Result<Arc<BrokerConnection>> {
        match t {
            Target::Any => self.cluster.any_connection().await,
            Target::Broker(id) => self.cluster.broker(id).await,
        }
    }

    /// Metadata of the named topics (None = all), asked of any broker.
    pub async fn metadata(&self, topics: Option<&[String]>) -> Result<ClusterMetadata> {
        let conn = self.cluster.any_connection().await?;
        fetch_metadata(&conn, topics, false).await
    }

    /// Every broker of the cluster.
    async fn brokers(&self) -> Result<Vec<BrokerInfo>> {
        Ok(self.metadata(Some(&[])).await?.brokers)
    }

    /// The broker Metadata names as controller (in KRaft: a broker that forwards to it).
    async fn controller(&self) -> Result<Arc<BrokerConnection>> {
        let md = self.metadata(Some(&[])).await?;
        self.cluster.broker(md.controller_id).await
    }

    /// The coordinator of each group: (group, broker id or the lookup's error). One request
    /// for all groups when the broker speaks FindCoordinator v4+, else one per group.
    async fn coordinators(&self, groups: &[String]) -> Result<Vec<(String, Result<i32>)>> {
        let conn = self.cluster.any_connection().await?;
        let batched = conn.versions().pick::<FindCoordinatorRequest>()? >= 4;
        let chunks: Vec<Vec<String>> =
            if batched { vec![groups.to_vec()] } else { groups.iter().map(|g| vec![g.clone()]).collect() };
        let mut out = Vec::new();
        for chunk in chunks {
            let req = FindCoordinatorRequest {
                key: chunk[0].clone(),
                key_type: 0,
                coordinator_keys: chunk.clone(),
                ..Default::default()
            };
            let resp = conn.send(&req).await?;
            if resp.coordinators.is_empty() {
                let r = check(resp.error_code, resp.error_message, || {
                    format!("find coordinator of group {}", chunk[0])
                })
                .map(|_| resp.node_id);
                out.push((chunk[0].clone(), r));
            } else {
                for c in resp.coordinators {
                    let what = format!("find coordinator of group {}", c.key);
                    out.push((c.key, check(c.error_code, c.error_message, || what).map(|_| c.node_id)));
                }
            }
        }
        Ok(out)
    }

    /// Sends each request to its target, all before awaiting any answer (so brokers work in
    /// parallel), at the highest version both sides speak but at most `max_version`.
    async fn fan_out<R: Request>(&self, reqs: &[(Target, R)], max_version: i16) -> Vec<Result<R::Response>> {
        let mut pending = Vec::with_capacity(reqs.len());
        for (t, r) in reqs {
            let p = async {
                let conn = self.connection(*t).await?;
                let v = conn.versions().pick::<R>()?.min(max_version);
                conn.enqueue(r, v).await
            };
            pending.push(p.await);
        }
        let mut out = Vec::with_capacity(reqs.len());
        for p in pending {
            out.push(match p {
                Ok(p) => p.response().await,
                Err(e) => Err(e),
            });
        }
        out
    }

    /// A round of a group call: finds the groups' coordinators, sends each coordinator one
    /// request for its groups, and returns every group's outcome.
    async fn by_coordinator<R: Request, V>(
        &self,
        groups: Vec<String>,
        build: impl Fn(&[String]) -> R,
        extract: impl Fn(R::Response) -> Vec<(String, Result<V>)>,
    ) -> Round<String, V> {
        let mut out = Vec::new();
        let mut by_node: BTreeMap<i32, Vec<String>> = BTreeMap::new();
        for (g, node) in self.coordinators(&groups).await? {
            match node {
                Ok(n) => by_node.entry(n).or_default().push(g),
                Err(e) => out.push((g, Err(e))),
            }
        }
        let reqs: Vec<(Target, R)> = by_node.iter().map(|(n, gs)| (Target::Broker(*n), build(gs))).collect();
        let resps = self.fan_out(&reqs, R::MAX_VERSION).await;
        for ((_, gs), resp) in by_node.into_iter().zip(resps) {
            match resp {
                Ok(r) => out.extend(extract(r)),
                Err(e) => out.extend(gs.into_iter().map(|g| (g, Err(e.clone())))),
            }
        }
        Ok(items(out))
    }

    // ---- retries -----------------------------------------------------------------------------

    fn backoff(&self, attempt: u32) -> Duration {
        crate::runtime::backoff(
            self.settings.backoff_min.max(Duration::from_millis(1)),
            self.settings.backoff_max,
            attempt,
        )
    }

    /// Runs `round` for the items still pending until none is, or until the next backoff would
    /// pass the deadline. A retriable error (of one item, or of the whole round) keeps the item
    /// pending; any other outcome is final. Results come back in the order of `keys`; equal keys
    /// share one outcome. `round` gets the attempt number (1, 2, ...) to refresh what it routes
    /// by after the first.
    async fn retry_items<'a, K: Clone + PartialEq, V: Clone>(
        &self,
        deadline: Deadline,
        keys: &[K],
        mut round: impl FnMut(u32, Vec<K>) -> Fut<'a, Round<K, V>>,
    ) -> Vec<Result<V>> {
        let mut last: Vec<Option<Result<V>>> = vec![None; keys.len()];
        let mut done = vec![false; keys.len()];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut ask: Vec<K> = Vec::new();
            for (i, k) in keys.iter().enumerate() {
                if !done[i] && !ask.contains(k) {
                    ask.push(k.clone());
                }
            }
            if ask.is_empty() {
                break;
            }
            match round(attempt, ask.clone()).await {
                Ok(results) => {
                    let mut answered = vec![false; keys.len()];
                    for Item { key, result, retry } in results {
                        for i in 0..keys.len() {
                            if !done[i] && keys[i] == key {
                                last[i] = Some(result.clone());
                                done[i] = !retry;
                                answered[i] = true;
                            }
                        }
                    }
                    for i in 0..keys.len() {
                        if !done[i] && !answered[i] {
                            last[i] = Some(Err(Error::malformed("the broker's answer left this item out")));
                            done[i] = true;
                        }
                    }
                }
                Err(e) => {
                    let retry = e.is_retriable();
                    for i in 0..keys.len() {
                        if !done[i] {
                            last[i] = Some(Err(e.clone()));
                            done[i] = !retry;
                        }
                    }
                }
            }
            if done.iter().all(|d| *d) {
                break;
            }
            let wait = self.backoff(attempt);
            if !deadline.allows(wait) {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        last.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::timed_out("no attempt was made before the deadline"))))
            .collect()
    }

    /// Runs a whole call again while it fails with a retriable error and the deadline allows.
    async fn retry_call<'a, V>(
        &self,
        deadline: Deadline,
        mut call: impl FnMut(u32) -> Fut<'a, Result<V>>,
    ) -> Result<V> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match call(attempt).await {
                Err(e) if e.is_retriable() && deadline.allows(self.backoff(attempt)) => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                r => return r,
            }
        }
    }
}

/// A broker error code as a result: 0 is Ok, anything else an error saying what was being done,
/// with the broker's own message when it gave one.
fn check(code: i16, message: Option<String>, what: impl FnOnce() -> String) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    let e = Error::broker(code, what());
    Err(match message.filter(|m| !m.is_empty()) {
        Some(m) => Error::new(e.code(), format!("{}: {m}", e.message())),
        None => e,
    })
}

/// Rejects an empty list or a name given twice (Kafka fails such a request as a whole).
fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>, what: &str) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() {
            return Err(Error::invalid_arg(format!("a {what} name is empty")));
        }
        if !seen.insert(n) {
            return Err(Error::invalid_arg(format!("{what} \"{n}\" is named twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_errors_keep_the_broker_message() {
        assert!(check(0, Some("x".into()), || "a".into()).is_ok());
        let e = check(36, Some("Topic 't' already exists.".into()), || "create topic t".into()).unwrap_err();
        assert_eq!(e.code(), 36);
        assert!(
            e.message().starts_with("create topic t: broker error 36 TOPIC_ALREADY_EXISTS"),
            "{}",
            e.message()
        );
        assert!(e.message().ends_with("Topic 't' already exists."));
        assert_eq!(
            check(3, Some(String::new()), || "x".into()).unwrap_err().message(),
            "x: broker error 3 UNKNOWN_TOPIC_OR_PARTITION"
        );
    }

    #[test]
    fn names_must_be_unique_and_non_empty() {
        assert!(unique_names(["a", "b"], "topic").is_ok());
        assert!(unique_names(["a", "a"], "topic").unwrap_err().message().contains("twice"));
        assert!(unique_names([""], "group").is_err());
    }

    fn client() -> Client {
        let mut cfg = Config::new();
        cfg.set("bootstrap.servers", "127.0.0.1:1").unwrap();
        cfg.set("retry.backoff.ms", "1").unwrap();
        cfg.set("retry.backoff.max.ms", "2").unwrap();
        Client::new(ClientSettings::from_config(&cfg).unwrap()).unwrap()
    }

    /// Retriable item errors are retried, others are final, and results keep the keys' order.
    #[test]
    fn retry_items_retries_only_what_is_retriable() {
        let c = client();
        let rounds = std::cell::RefCell::new(Vec::new());
        let keys = ["a", "b", "c", "a"];
        let out = crate::runtime::block_on(
            async {
                Ok(c.retry_items(
                    Deadline::after(Some(Duration::from_secs(5))),
                    &keys,
                    |attempt, ask: Vec<&str>| {
                        rounds.borrow_mut().push(ask.clone());
                        Box::pin(async move {
                            Ok(ask
                                .into_iter()
                                .filter(|k| *k != "c" || attempt > 1) // "c" is left out once...
                                .map(|k| match (k, attempt) {
                                    ("a", 1..=2) => (k, Err(Error::broker(41, "not controller"))),
                                    ("b", _) => (k, Err(Error::broker(36, "exists"))),
                                    _ => (k, Ok(attempt)),
                                })
                                .map(Item::from)
                                .collect())
                        })
                    },
                )
                .await)
            },
            None,
            None,
        )
        .unwrap();
        // ...which is a final malformed-answer error, not a retry.
        assert_eq!(out[0], Ok(3));
        assert_eq!(out[1].as_ref().unwrap_err().code(), 36);
        assert_eq!(out[2].as_ref().unwrap_err().code(), crate::error::code::MALFORMED);
        assert_eq!(out[3], Ok(3));
        assert_eq!(*rounds.borrow(), vec![vec!["a", "b", "c"], vec!["a"], vec!["a"]]);
    }

    #[test]
    fn retry_items_stops_at_the_deadline_with_the_last_error() {
        let c = client();
        let out = crate::runtime::block_on(
            async {
                Ok(c.retry_items(
                    Deadline::after(Some(Duration::from_millis(30))),
                    &[1],
                    |_, ask: Vec<i32>| {
                        Box::pin(async move {
                            Ok(ask
                                .into_iter()
                                .map(|k| Item::from((k, Err::<(), _>(Error::broker(15, "coordinator")))))
                                .collect())
                        })
                    },
                )
                .await)
            },
            Some(Duration::from_secs(5)),
            None,
        )
        .unwrap();
        assert_eq!(out[0].as_ref().unwrap_err().code(), 15);
    }
}
