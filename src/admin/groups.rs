//! Group calls: ListGroups (every broker), DescribeGroups, DeleteGroups and OffsetFetch (each
//! group's coordinator), and a group's lag (OffsetFetch against ListOffsets).

use super::offsets::{OffsetQuery, LATEST};
use super::{check, unique_names, Client, Deadline, Item, Target};
use crate::error::{Error, Result};
use crate::group::protocol::{decode_assignment, decode_subscription, PROTOCOL_TYPE};
use crate::protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use crate::protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, ListGroupsRequest, OffsetFetchRequest,
};
use crate::protocol::Request;

/// A group as ListGroups reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    /// "consumer" for consumer groups ("" for a KIP-848 group before it has members).
    pub protocol_type: String,
    /// "Stable", "Empty", "PreparingRebalance", ... ("" from brokers older than ListGroups v4).
    pub state: String,
    /// "classic" or "consumer" ("" from brokers older than ListGroups v5).
    pub group_type: String,
    /// The coordinator that reported it.
    pub coordinator: i32,
}

/// A member of a described group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// The topics it subscribed to (consumer groups; empty if its metadata does not decode).
    pub subscribed_topics: Vec<String>,
    /// Its assigned partitions, sorted (consumer groups; empty before the first assignment).
    pub assignment: Vec<(String, i32)>,
}

/// A group as DescribeGroups reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupDescription {
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    /// The chosen assignor ("range", "roundrobin"...).
    pub protocol: String,
    pub members: Vec<MemberDescription>,
}

/// A group's committed offset for one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetFetched {
    pub topic: String,
    /// -1 for an error about a whole topic (e.g. it does not exist).
    pub partition: i32,
    /// -1 when the group committed nothing for the partition.
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: Option<String>,
    pub error: Option<Error>,
}

/// A group's lag on one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupLag {
    pub topic: String,
    pub partition: i32,
    /// The group's committed offset (the next message it will read).
    pub committed: i64,
    /// The partition's end offset (high watermark; last stable offset with read_committed);
    /// -1 when it could not be read.
    pub end_offset: i64,
    /// end_offset - committed (never negative); -1 when either is unknown.
    pub lag: i64,
    pub error: Option<Error>,
}

impl Client {
    /// Every group of the cluster: ListGroups asked of every broker (each coordinates some
    /// groups), merged and sorted by id. A broker that keeps failing fails the call.
    pub async fn list_groups(&self, deadline: Deadline) -> Result<Vec<ListedGroup>> {
        let brokers = self.retry_call(deadline, |_| Box::pin(self.brokers())).await?;
        let ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
        let per_broker = self
            .retry_items(deadline, &ids, |_, ask| {
                Box::pin(async move {
                    let reqs: Vec<_> =
                        ask.iter().map(|id| (Target::Broker(*id), ListGroupsRequest::default())).collect();
                    let resps = self.fan_out(&reqs, ListGroupsRequest::MAX_VERSION).await;
                    Ok(ask
                        .into_iter()
                        .zip(resps)
                        .map(|(id, r)| {
                            let r = r.and_then(|r| {
                                check(r.error_code, None, || format!("list groups on broker {id}"))?;
                                Ok(r.groups)
                            });
                            Item::from((id, r))
                        })
                        .collect())
                })
            })
            .await;
        let mut out = Vec::new();
        for (id, r) in ids.into_iter().zip(per_broker) {
            for g in r.map_err(|e| e.context(format!("broker {id}")))? {
                out.push(ListedGroup {
                    group_id: g.group_id,
                    protocol_type: g.protocol_type,
                    state: g.group_state,
                    group_type: g.group_type,
                    coordinator: id,
                });
            }
        }
        out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        out.dedup_by(|a, b| a.group_id == b.group_id);
        Ok(out)
    }

    /// Describes groups, each asked of its coordinator; one result per group, in order.
    pub async fn describe_groups(
        &self,
        groups: &[String],
        deadline: Deadline,
    ) -> Result<Vec<Result<GroupDescription>>> {
        unique_names(groups.iter().map(String::as_str), "group")?;
        Ok(self
            .retry_items(deadline, groups, |_, ask| {
                Box::pin(self.by_coordinator(
                    ask,
                    |gs| DescribeGroupsRequest { groups: gs.to_vec(), ..Default::default() },
                    |resp| {
                        resp.groups
                            .into_iter()
                            .map(|g| {
                                let what = format!("describe group {}", g.group_id);
                                let consumer = g.protocol_type == PROTOCOL_TYPE;
                                let members = g
                                    .members
                                    .into_iter()
                                    .map(|m| {
                                        let mut d = MemberDescription {
                                            member_id: m.member_id,
                                            instance_id: m.group_instance_id,
                                            client_id: m.client_id,
                                            client_host: m.client_host,
                                            ..Default::default()
                                        };
                                        if consumer {
                                            if let Ok(s) = decode_subscription(&m.member_metadata) {
                                                d.subscribed_topics = s.topics;
                                            }
                                            if let Ok(a) = decode_assignment(&m.member_assignment) {
                                                d.assignment = a
                                                    .partitions
                                                    .into_iter()
                                                    .flat_map(|(t, ps)| {
                                                        ps.into_iter().map(move |p| (t.clone(), p))
                                                    })
                                                    .collect();
                                                d.assignment.sort();
                                            }
                                        }
                                        d
                                    })
                                    .collect();
                                let r =
                                    check(g.error_code, g.error_message, || what).map(|_| GroupDescription {
                                        group_id: g.group_id.clone(),
                                        state: g.group_state,
                                        protocol_type: g.protocol_type,
                                        protocol: g.protocol_data,
                                        members,
                                    });
                                (g.group_id, r)
                            })
                            .collect()
                    },
                ))
            })
            .await)
    }

    /// Deletes groups (they must have no members), each at its coordinator; one result per
    /// group, in order.
    pub async fn delete_groups(&self, groups: &[String], deadline: Deadline) -> Result<Vec<Result<()>>> {
        unique_names(groups.iter().map(String::as_str), "group")?;
        Ok(self
            .retry_items(deadline, groups, |_, ask| {
                Box::pin(self.by_coordinator(
                    ask,
                    |gs| DeleteGroupsRequest { groups_names: gs.to_vec(), ..Default::default() },
                    |resp| {
                        resp.results
                            .into_iter()
                            .map(|g| {
                                let what = format!("delete group {}", g.group_id);
                                let r = check(g.error_code, None, || what);
                                (g.group_id, r)
                            })
                            .collect()
                    },
                ))
            })
            .await)
    }

    /// The offsets `group` committed: for every partition it committed to (`topics` empty), or
    /// for every partition of the named topics (-1 where it committed nothing; a topic that
    /// does not exist is one entry with partition -1 and the error). Sorted by topic, partition.
    pub async fn offset_fetch(
        &self,
        group: &str,
        topics: &[String],
        deadline: Deadline,
    ) -> Result<Vec<OffsetFetched>> {
        if group.is_empty() {
            return Err(Error::invalid_arg("group is empty"));
        }
        unique_names(topics.iter().map(String::as_str), "topic")?;
        let mut out = Vec::new();
        let mut asked: Option<Vec<(String, Vec<i32>)>> = None;
        if !topics.is_empty() {
            let md = self.retry_call(deadline, |_| Box::pin(self.metadata(Some(topics)))).await?;
            let mut ask = Vec::new();
            for name in topics {
                match md.topic(name) {
                    Some(t) if t.error_code == 0 => {
                        ask.push((name.clone(), t.partitions.iter().map(|p| p.id).collect()))
                    }
                    t => out.push(OffsetFetched {
                        topic: name.clone(),
                        partition: -1,
                        offset: -1,
                        leader_epoch: -1,
                        metadata: None,
                        error: Some(Error::broker(t.map_or(3, |t| t.error_code), format!("topic {name}"))),
                    }),
                }
            }
            if ask.is_empty() {
                return Ok(out);
            }
            asked = Some(ask);
        }
        let asked = &asked;
        out.extend(
            self.retry_call(deadline, |_| Box::pin(self.offset_fetch_once(group, asked.as_deref()))).await?,
        );
        out.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        Ok(out)
    }

    async fn offset_fetch_once(
        &self,
        group: &str,
        topics: Option<&[(String, Vec<i32>)]>,
    ) -> Result<Vec<OffsetFetched>> {
        let (_, node) = self
            .coordinators(&[group.to_string()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::malformed("FindCoordinator answered without the group"))?;
        let conn = self.cluster.broker(node?).await?;
        // v10 names topics by id only; v9 still by name, and every Kafka 4.x broker speaks it.
        let version = conn.versions().pick::<OffsetFetchRequest>()?.min(9);
        let req = OffsetFetchRequest {
            group_id: group.to_string(),
            topics: topics.map(|ts| {
                ts.iter()
                    .map(|(t, ps)| OffsetFetchRequestTopic {
                        name: t.clone(),
                        partition_indexes: ps.clone(),
                        ..Default::default()
                    })
                    .collect()
            }),
            groups: vec![OffsetFetchRequestGroup {
                group_id: group.to_string(),
                member_epoch: -1,
                topics: topics.map(|ts| {
                    ts.iter()
                        .map(|(t, ps)| OffsetFetchRequestTopics {
                            name: t.clone(),
                            partition_indexes: ps.clone(),
                            ..Default::default()
                        })
                        .collect()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let resp = conn.send_version(&req, version).await?;
        let what = || format!("offset fetch of group {group}");
        let mut out = Vec::new();
        let mut push = |topic: &str, p: i32, offset: i64, epoch: i32, metadata: Option<String>, code: i16| {
            out.push(OffsetFetched {
                topic: topic.to_string(),
                partition: p,
                offset,
                leader_epoch: epoch,
                metadata,
                error: check(code, None, || format!("offset fetch of {topic}/{p} for group {group}")).err(),
            });
        };
        if version >= 8 {
            let g = resp
                .groups
                .into_iter()
                .next()
                .ok_or_else(|| Error::malformed("OffsetFetch answered without the group"))?;
            check(g.error_code, None, what)?;
            for t in g.topics {
                for p in t.partitions {
                    push(
                        &t.name,
                        p.partition_index,
                        p.committed_offset,
                        p.committed_leader_epoch,
                        p.metadata,
                        p.error_code,
                    );
                }
            }
        } else {
            check(resp.error_code, None, what)?;
            for t in resp.topics {
                for p in t.partitions {
                    push(
                        &t.name,
                        p.partition_index,
                        p.committed_offset,
                        p.committed_leader_epoch,
                        p.metadata,
                        p.error_code,
                    );
                }
            }
        }
        Ok(out)
    }

    /// The lag of `group` on every partition it committed to: its committed offset against the
    /// partition's end offset, in one call. Sorted by topic, partition.
    pub async fn group_lag(&self, group: &str, deadline: Deadline) -> Result<Vec<GroupLag>> {
        let committed = self.offset_fetch(group, &[], deadline).await?;
        let queries: Vec<OffsetQuery> = committed
            .iter()
            .filter(|c| c.error.is_none())
            .map(|c| OffsetQuery { topic: c.topic.clone(), partition: c.partition, timestamp: LATEST })
            .collect();
        let mut ends =
            if queries.is_empty() { Vec::new() } else { self.list_offsets(&queries, deadline).await? }
                .into_iter();
        Ok(committed
            .into_iter()
            .map(|c| {
                let (end_offset, error) = match c.error {
                    Some(e) => (-1, Some(e)),
                    None => match ends.next() {
                        Some(Ok(o)) => (o.offset, None),
                        Some(Err(e)) => (-1, Some(e)),
                        None => (-1, Some(Error::internal("no end offset was looked up"))),
                    },
                };
                let lag = if end_offset >= 0 && c.offset >= 0 { (end_offset - c.offset).max(0) } else { -1 };
                GroupLag {
                    topic: c.topic,
                    partition: c.partition,
                    committed: c.offset,
                    end_offset,
                    lag,
                    error,
                }
            })
            .collect())
    }
}
