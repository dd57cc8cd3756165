//! What the client knows about the cluster: brokers, the controller, topics and partition
//! leaders (from Metadata), and leader lookup with the retries a just-created topic needs.

mod client;
pub mod fetch;

use std::time::Duration;

pub use client::ClusterClient;

use crate::error::{code, Error, Result};
use crate::net::BrokerConnection;
use crate::protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use crate::protocol::messages::metadata_request::MetadataRequestTopic;
use crate::protocol::messages::{ListOffsetsRequest, MetadataRequest, MetadataResponse};

/// A broker as Metadata describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerInfo {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// "host:port", bracketing IPv6 literals.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One partition of a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionInfo {
    pub topic: String,
    pub id: i32,
    /// The leader's broker id, or -1 while there is none.
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    /// Kafka error code for this partition (0 = fine).
    pub error_code: i16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub id: [u8; 16],
    pub error_code: i16,
    pub is_internal: bool,
    pub partitions: Vec<PartitionInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterMetadata {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicInfo>,
}

impl ClusterMetadata {
    pub fn broker(&self, id: i32) -> Option<&BrokerInfo> {
        self.brokers.iter().find(|b| b.id == id)
    }

    pub fn topic(&self, name: &str) -> Option<&TopicInfo> {
        self.topics.iter().find(|t| t.name == name)
    }

    fn from_response(r: MetadataResponse) -> Result<Self> {
        if r.error_code != 0 {
            return Err(Error::broker(r.error_code, "metadata"));
        }
        let brokers = r
            .brokers
            .into_iter()
            .map(|b| BrokerInfo { id: b.node_id, host: b.host, port: b.port, rack: b.rack })
            .collect();
        let topics = r
            .topics
            .into_iter()
            .map(|t| {
                let name = t.name.unwrap_or_default();
                let partitions = t
                    .partitions
                    .into_iter()
                    .map(|p| PartitionInfo {
                        topic: name.clone(),
                        id: p.partition_index,
                        leader: p.leader_id,
                        leader_epoch: p.leader_epoch,
                        replicas: p.replica_nodes,
                        isr: p.isr_nodes,
                        offline_replicas: p.offline_replicas,
                        error_code: p.error_code,
                    })
                    .collect();
                TopicInfo {
                    name,
                    id: t.topic_id,
                    error_code: t.error_code,
                    is_internal: t.is_internal,
                    partitions,
                }
            })
            .collect();
        Ok(ClusterMetadata { cluster_id: r.cluster_id, controller_id: r.controller_id, brokers, topics })
    }
}

/// Asks `conn` for metadata: of all topics (`None`), of no topic (`Some(&[])`, brokers only), or
/// of the named ones, which the broker creates if `allow_auto_create` and its own config agree.
pub async fn fetch_metadata(
    conn: &BrokerConnection,
    topics: Option<&[String]>,
    allow_auto_create: bool,
) -> Result<ClusterMetadata> {
    let req = MetadataRequest {
        topics: topics.map(|ts| {
            ts.iter().map(|t| MetadataRequestTopic { name: Some(t.clone()), ..Default::default() }).collect()
        }),
        allow_auto_topic_creation: allow_auto_create,
        ..Default::default()
    };
    ClusterMetadata::from_response(conn.send(&req).await?)
}

/// ListOffsets for one partition, asked of `conn` (the partition's leader): `timestamp` is -2
/// (first offset), -1 (last offset) or a time in milliseconds (the first offset whose timestamp
/// is at or after it; -1 when no message is that recent).
pub async fn list_offset(
    conn: &BrokerConnection,
    topic: &str,
    partition: i32,
    timestamp: i64,
    read_committed: bool,
) -> Result<i64> {
    let req = ListOffsetsRequest {
        replica_id: -1,
        isolation_level: read_committed as i8,
        topics: vec![ListOffsetsTopic {
            name: topic.to_string(),
            partitions: vec![ListOffsetsPartition {
                partition_index: partition,
                timestamp,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let resp = conn.send(&req).await?;
    let p = resp
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .find(|p| p.partition_index == partition)
        .ok_or_else(|| Error::malformed("ListOffsets response does not mention the partition"))?;
    if p.error_code != 0 {
        return Err(Error::broker(p.error_code, format!("list offsets of {topic}/{partition}")));
    }
    Ok(p.offset)
}

/// How many Metadata rounds a leader lookup makes before giving up on a topic that is still
/// being created (or that the broker will not create).
const LEADER_LOOKUP_ATTEMPTS: u32 = 12;

/// Finds the broker leading `topic`/`partition`, asking `conn`. Retries with backoff while the
/// topic is being created or the partition has no leader; fails at once for an error that
/// retrying cannot fix.
pub async fn lookup_leader(
    conn: &BrokerConnection,
    topic: &str,
    partition: i32,
    allow_auto_create: bool,
) -> Result<(BrokerInfo, TopicInfo)> {
    let topics = [topic.to_string()];
    let mut backoff = Duration::from_millis(20);
    let mut last = Error::new(code::NOT_FOUND, format!("no leader for {topic}/{partition}"));
    for _ in 0..LEADER_LOOKUP_ATTEMPTS {
        let md = fetch_metadata(conn, Some(&topics), allow_auto_create).await?;
        match leader_in(&md, topic, partition) {
            Ok(found) => return Ok(found),
            Err(e) => {
                let wait_for_creation = e.code() == 3 && allow_auto_create;
                if !(e.is_retriable() && (e.code() != 3 || wait_for_creation)) {
                    return Err(e);
                }
                last = e;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
    Err(last)
}

fn leader_in(md: &ClusterMetadata, topic: &str, partition: i32) -> Result<(BrokerInfo, TopicInfo)> {
    let t = md.topic(topic).ok_or_else(|| Error::broker(3, format!("topic {topic}")))?;
    if t.error_code != 0 {
        return Err(Error::broker(t.error_code, format!("topic {topic}")));
    }
    let p = t
        .partitions
        .iter()
        .find(|p| p.id == partition)
        .ok_or_else(|| Error::broker(3, format!("topic {topic} has no partition {partition}")))?;
    if p.error_code != 0 && p.leader < 0 {
        return Err(Error::broker(p.error_code, format!("partition {topic}/{partition}")));
    }
    if p.leader < 0 {
        return Err(Error::broker(5, format!("partition {topic}/{partition}")));
    }
    let b = md.broker(p.leader).ok_or_else(|| {
        Error::broker(5, format!("leader {} of {topic}/{partition} is not in metadata", p.leader))
    })?;
    Ok((b.clone(), t.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(leader: i32, perr: i16) -> ClusterMetadata {
        ClusterMetadata {
            cluster_id: None,
            controller_id: 1,
            brokers: vec![BrokerInfo { id: 1, host: "h".into(), port: 9092, rack: None }],
            topics: vec![TopicInfo {
                name: "t".into(),
                id: [0; 16],
                error_code: 0,
                is_internal: false,
                partitions: vec![PartitionInfo {
                    topic: "t".into(),
                    id: 0,
                    leader,
                    leader_epoch: 0,
                    replicas: vec![1],
                    isr: vec![1],
                    offline_replicas: vec![],
                    error_code: perr,
                }],
            }],
        }
    }

    #[test]
    fn leader_lookup_reads_metadata() {
        let (b, _) = leader_in(&md(1, 0), "t", 0).unwrap();
        assert_eq!(b.addr(), "h:9092");
        assert_eq!(leader_in(&md(-1, 5), "t", 0).unwrap_err().code(), 5);
        assert_eq!(leader_in(&md(-1, 0), "t", 0).unwrap_err().code(), 5);
        assert_eq!(leader_in(&md(7, 0), "t", 0).unwrap_err().code(), 5);
        assert_eq!(leader_in(&md(1, 0), "t", 3).unwrap_err().code(), 3);
        assert_eq!(leader_in(&md(1, 0), "u", 0).unwrap_err().code(), 3);
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        let b = BrokerInfo { id: 1, host: "::1".into(), port: 9092, rack: None };
        assert_eq!(b.addr(), "[::1]:9092");
    }
}
