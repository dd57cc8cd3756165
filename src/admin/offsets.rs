//! ListOffsets over many partitions: one request per partition leader, all sent before any
//! answer is awaited.

use std::collections::BTreeMap;

use super::{check, Client, Deadline, Item, Target};
use crate::error::{Error, Result};
use crate::protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use crate::protocol::messages::ListOffsetsRequest;
use crate::protocol::Request;

/// ListOffsets timestamps with a special meaning.
pub const EARLIEST: i64 = -2;
pub const LATEST: i64 = -1;
/// The offset of the message with the largest timestamp (ListOffsets v7+).
pub const MAX_TIMESTAMP: i64 = -3;

/// One partition to look up: `timestamp` is EARLIEST, LATEST, MAX_TIMESTAMP or a time in
/// milliseconds (the first offset whose timestamp is at or after it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetQuery {
    pub topic: String,
    pub partition: i32,
    pub timestamp: i64,
}

/// What ListOffsets found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionOffset {
    /// -1 when no message is at or after the timestamp asked for.
    pub offset: i64,
    /// The timestamp of the message found (time and MAX_TIMESTAMP queries), else -1.
    pub timestamp: i64,
    pub leader_epoch: i32,
}

impl Client {
    /// The leader of each query's partition, refreshing topic metadata after the first round.
    /// A topic or partition the cluster does not have is a final error (not retried).
    async fn leaders(&self, ask: &[OffsetQuery], refresh: bool) -> Vec<(Result<i32>, bool)> {
        let mut out = Vec::with_capacity(ask.len());
        for q in ask {
            let r = match self.cluster.topic(&q.topic, refresh, false).await {
                Ok(t) => match t.partitions.iter().find(|p| p.id == q.partition) {
                    Some(p) if p.leader >= 0 => (Ok(p.leader), true),
                    Some(_) => {
                        (Err(Error::broker(5, format!("partition {}/{}", q.topic, q.partition))), true)
                    }
                    None => (
                        Err(Error::broker(3, format!("topic {} has no partition {}", q.topic, q.partition))),
                        false,
                    ),
                },
                Err(e) => {
                    let retry = e.code() != 3 && e.is_retriable();
                    (Err(e), retry)
                }
            };
            out.push(r);
        }
        out
    }

    /// Looks up offsets; one result per query, in order.
    pub async fn list_offsets(
        &self,
        queries: &[OffsetQuery],
        deadline: Deadline,
    ) -> Result<Vec<Result<PartitionOffset>>> {
        if queries.is_empty() {
            return Err(Error::invalid_arg("no partition to look up"));
        }
        if let Some(q) = queries.iter().find(|q| q.topic.is_empty() || q.partition < 0) {
            return Err(Error::invalid_arg(format!("invalid partition \"{}\"/{}", q.topic, q.partition)));
        }
        let isolation = self.settings.read_committed as i8;
        let results = self
            .retry_items(deadline, queries, |attempt, ask| {
                Box::pin(async move {
                    let leaders = self.leaders(&ask, attempt > 1).await;
                    let mut out = Vec::new();
                    // Per leader, requests in which each partition appears once (a partition asked
                    // at two timestamps needs two requests).
                    let mut batches: BTreeMap<i32, Vec<Vec<OffsetQuery>>> = BTreeMap::new();
                    for (q, (leader, retry)) in ask.into_iter().zip(leaders) {
                        match leader {
                            Ok(l) => {
                                let bs = batches.entry(l).or_default();
                                match bs.iter_mut().find(|b| {
                                    !b.iter().any(|x| x.topic == q.topic && x.partition == q.partition)
                                }) {
                                    Some(b) => b.push(q),
                                    None => bs.push(vec![q]),
                                }
                            }
                            Err(e) => {
                                // Retriable lookups: a fresh metadata next round.
                                if retry {
                                    self.cluster.invalidate(&q.topic);
                                    out.push(Item::from((q, Err(e))));
                                } else {
                                    out.push(Item::last(q, Err(e)));
                                }
                            }
                        }
                    }
                    let mut sent: Vec<Vec<OffsetQuery>> = Vec::new();
                    let mut reqs = Vec::new();
                    for (leader, bs) in batches {
                        for b in bs {
                            reqs.push((Target::Broker(leader), list_offsets_request(&b, isolation)));
                            sent.push(b);
                        }
                    }
                    let resps = self.fan_out(&reqs, ListOffsetsRequest::MAX_VERSION).await;
                    for (b, resp) in sent.into_iter().zip(resps) {
                        match resp {
                            Ok(r) => {
                                for t in r.topics {
                                    for p in t.partitions {
                                        let Some(q) = b
                                            .iter()
                                            .find(|q| q.topic == t.name && q.partition == p.partition_index)
                                        else {
                                            continue;
                                        };
                                        let what = || format!("list offsets of {}/{}", q.topic, q.partition);
                                        let r = check(p.error_code, None, what).map(|_| PartitionOffset {
                                            offset: p.offset,
                                            timestamp: p.timestamp,
                                            leader_epoch: p.leader_epoch,
                                        });
                                        if matches!(&r, Err(e) if e.is_retriable()) {
                                            self.cluster.invalidate(&q.topic);
                                        }
                                        out.push(Item::again(q.clone(), r));
                                    }
                                }
                            }
                            Err(e) => out.extend(b.into_iter().map(|q| Item::from((q, Err(e.clone()))))),
                        }
                    }
                    Ok(out)
                })
            })
            .await;
        Ok(results)
    }
}

fn list_offsets_request(qs: &[OffsetQuery], isolation: i8) -> ListOffsetsRequest {
    let mut topics: Vec<ListOffsetsTopic> = Vec::new();
    for q in qs {
        let p = ListOffsetsPartition {
            partition_index: q.partition,
            timestamp: q.timestamp,
            current_leader_epoch: -1,
            ..Default::default()
        };
        match topics.iter_mut().find(|t| t.name == q.topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(ListOffsetsTopic {
                name: q.topic.clone(),
                partitions: vec![p],
                ..Default::default()
            }),
        }
    }
    ListOffsetsRequest { replica_id: -1, isolation_level: isolation, topics, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_group_partitions_by_topic() {
        let q = |t: &str, p, ts| OffsetQuery { topic: t.into(), partition: p, timestamp: ts };
        let r = list_offsets_request(&[q("a", 0, LATEST), q("b", 1, EARLIEST), q("a", 2, 5)], 1);
        assert_eq!(r.isolation_level, 1);
        assert_eq!(r.topics.len(), 2);
        assert_eq!(
            r.topics[0].partitions.iter().map(|p| (p.partition_index, p.timestamp)).collect::<Vec<_>>(),
            vec![(0, -1), (2, 5)]
        );
        assert_eq!(r.topics[1].name, "b");
    }
}
