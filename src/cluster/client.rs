//! A client of the whole cluster: bootstrap, one connection per broker (made on demand and
//! remade when it fails), and a metadata cache per topic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{fetch_metadata, BrokerInfo, TopicInfo};
use crate::error::{code, Error, Result};
use crate::net::{BrokerConnection, ConnectOptions};

type Slot = Arc<tokio::sync::Mutex<Option<Arc<BrokerConnection>>>>;

struct CachedTopic {
    info: Arc<TopicInfo>,
    fetched: Instant,
}

/// Brokers, connections and topic metadata, shared by everything a handle runs.
pub struct ClusterClient {
    bootstrap: Vec<String>,
    opts: ConnectOptions,
    metadata_max_age: Duration,
    brokers: Mutex<HashMap<i32, BrokerInfo>>,
    slots: Mutex<HashMap<i32, Slot>>,
    bootstrap_slot: Slot,
    topics: Mutex<HashMap<String, CachedTopic>>,
}

impl ClusterClient {
    pub fn new(
        bootstrap: Vec<String>,
        opts: ConnectOptions,
        metadata_max_age: Duration,
    ) -> Result<Arc<Self>> {
        if bootstrap.is_empty() {
            return Err(Error::config("bootstrap.servers is empty: name at least one broker (host:port)"));
        }
        Ok(Arc::new(ClusterClient {
            bootstrap,
            opts,
            metadata_max_age,
            brokers: Mutex::default(),
            slots: Mutex::default(),
            bootstrap_slot: Slot::default(),
            topics: Mutex::default(),
        }))
    }

    pub fn connect_options(&self) -> &ConnectOptions {
        &self.opts
    }

    /// A live connection to some broker: a known broker's, or the first bootstrap server that
    /// answers.
    pub async fn any_connection(&self) -> Result<Arc<BrokerConnection>> {
        let known: Vec<i32> =
            self.brokers.lock().unwrap_or_else(|p| p.into_inner()).keys().copied().collect();
        for id in known {
            if let Some(c) = self.live(&self.slot(id)).await {
                return Ok(c);
            }
        }
        let mut slot = self.bootstrap_slot.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        let mut last = Error::transport("no bootstrap server answered");
        for addr in &self.bootstrap {
            match BrokerConnection::connect(addr, &self.opts).await {
                Ok(c) => {
                    *slot = Some(c.clone());
                    return Ok(c);
                }
                Err(e) => last = e,
            }
        }
        Err(last.context(format!("bootstrap {}", self.bootstrap.join(","))))
    }

    fn slot(&self, id: i32) -> Slot {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).entry(id).or_default().clone()
    }

    async fn live(&self, slot: &Slot) -> Option<Arc<BrokerConnection>> {
        slot.lock().await.as_ref().filter(|c| !c.is_closed()).cloned()
    }

    /// The connection to broker `id`, connecting (again) if needed. Only one connect per broker
    /// runs at a time; callers for other brokers are not held up.
    pub async fn broker(&self, id: i32) -> Result<Arc<BrokerConnection>> {
        let slot = self.slot(id);
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        let info = self.brokers.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned();
        let info = match info {
            Some(i) => i,
            None => {
                drop(guard);
                self.refresh_brokers().await?;
                guard = slot.lock().await;
                self.brokers.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned().ok_or_else(|| {
                    Error::new(code::NOT_FOUND, format!("broker {id} is not in the cluster"))
                })?
            }
        };
        let c = BrokerConnection::connect(&info.addr(), &self.opts).await?;
        *guard = Some(c.clone());
        Ok(c)
    }

    async fn refresh_brokers(&self) -> Result<()> {
        let conn = self.any_connection().await?;
        let md = fetch_metadata(&conn, Some(&[]), false).await?;
        self.remember_brokers(&md.brokers);
        Ok(())
    }

    fn remember_brokers(&self, brokers: &[BrokerInfo]) {
        let mut map = self.brokers.lock().unwrap_or_else(|p| p.into_inner());
        for b in brokers {
            map.insert(b.id, b.clone());
        }
    }

    /// Metadata of `topic` from the cache, or from a broker when missing, older than the
    /// metadata max age, or `refresh` is set. A topic the broker reports with an error (e.g.
    /// UNKNOWN_TOPIC_OR_PARTITION) is an error and is not cached.
    pub async fn topic(&self, topic: &str, refresh: bool, allow_auto_create: bool) -> Result<Arc<TopicInfo>> {
        if !refresh {
            let topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(t) = topics.get(topic).filter(|t| t.fetched.elapsed() < self.metadata_max_age) {
                return Ok(t.info.clone());
            }
        }
        let conn = self.any_connection().await?;
        let md = fetch_metadata(&conn, Some(&[topic.to_string()]), allow_auto_create).await?;
        self.remember_brokers(&md.brokers);
        let t = md
            .topics
            .into_iter()
            .find(|t| t.name == topic)
            .ok_or_else(|| Error::broker(3, format!("topic {topic}")))?;
        if t.error_code != 0 {
            self.topics.lock().unwrap_or_else(|p| p.into_inner()).remove(topic);
            return Err(Error::broker(t.error_code, format!("topic {topic}")));
        }
        if t.partitions.is_empty() {
            return Err(Error::broker(5, format!("topic {topic} has no partitions yet")));
        }
        let mut t = t;
        t.partitions.sort_by_key(|p| p.id);
        let info = Arc::new(t);
        self.topics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(topic.to_string(), CachedTopic { info: info.clone(), fetched: Instant::now() });
        Ok(info)
    }

    /// The rack (broker.rack) of broker `id`, as the last metadata said; None without one.
    pub fn broker_rack(&self, id: i32) -> Option<String> {
        self.brokers.lock().unwrap_or_else(|p| p.into_inner()).get(&id).and_then(|b| b.rack.clone())
    }

    /// Forgets a topic's cached metadata (after a leader change or an unknown-topic error).
    pub fn invalidate(&self, topic: &str) {
        self.topics.lock().unwrap_or_else(|p| p.into_inner()).remove(topic);
    }

    /// Closes every connection.
    pub fn close(&self) {
        let slots: Vec<Slot> =
            self.slots.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        for s in slots.iter().chain(std::iter::once(&self.bootstrap_slot)) {
            if let Ok(g) = s.try_lock() {
                if let Some(c) = g.as_ref() {
                    c.close();
                }
            }
        }
    }
}
