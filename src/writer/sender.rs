//! The writer's sender task: gets a producer id, keeps topic metadata, and turns the queues'
//! plans into Produce requests (one per broker, every ready partition in it).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::state::SealedBatch;
use super::Shared;
use crate::error::{Error, Result};
use crate::net::{BrokerConnection, PendingResponse};
use crate::protocol::messages::create_topics_request::CreatableTopic;
use crate::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use crate::protocol::messages::{
    CreateTopicsRequest, InitProducerIdRequest, ProduceRequest, ProduceResponse,
};

pub(super) async fn run(shared: Arc<Shared>) {
    let mut requests: JoinSet<()> = JoinSet::new();
    let mut metadata_failures: HashMap<Arc<str>, u32> = HashMap::new();
    // Per topic, when its metadata may be asked for again (after an error, or while one of its
    // partitions has no leader), so a missing leader is not a busy loop of Metadata requests.
    let mut metadata_retry_at: HashMap<Arc<str>, Instant> = HashMap::new();
    loop {
        let wake = shared.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();

        if shared.settings.idempotent
            && shared.state.lock().unwrap_or_else(|p| p.into_inner()).producer.is_none()
        {
            let has_data = shared.state.lock().unwrap_or_else(|p| p.into_inner()).pending > 0;
            if has_data {
                match init_producer_id(&shared).await {
                    Ok(id) => {
                        shared.log(7, format!("producer id {} epoch {}", id.0, id.1));
                        shared.state.lock().unwrap_or_else(|p| p.into_inner()).producer = Some(id);
                    }
                    Err(e) if !e.is_retriable() => {
                        // A refused login, a TLS failure, a missing permission: trying again
                        // cannot help, so the waiting messages fail now with that error (Java's
                        // producer does the same) instead of when message.timeout.ms runs out.
                        shared.log(3, format!("InitProducerId failed: {}", e.message()));
                        shared.state.lock().unwrap_or_else(|p| p.into_inner()).fail_waiting_now(&shared, e);
                        tokio::time::sleep(shared.settings.backoff_min).await;
                        continue;
                    }
                    Err(e) => {
                        shared.log(4, format!("InitProducerId failed, retrying: {}", e.message()));
                        shared.state.lock().unwrap_or_else(|p| p.into_inner()).expire(
                            &shared,
                            Instant::now(),
                            Some(&e),
                        );
                        tokio::time::sleep(shared.settings.backoff_min).await;
                        continue;
                    }
                }
            }
        }

        let plan = shared.state.lock().unwrap_or_else(|p| p.into_inner()).plan(&shared, Instant::now());
        // Requests are queued on their connections here, in plan order, so sequence numbers
        // reach each broker in order; only the waiting for answers runs in separate tasks.
        for (leader, batches) in plan.requests {
            let started = Instant::now();
            match start_produce(&shared, leader, &batches).await {
                Ok(Sent::Waiting(conn, pending)) => {
                    requests.spawn(finish(shared.clone(), leader, batches, started, conn, pending));
                }
                Ok(Sent::NoResponse) => settle(&shared, leader, batches, started, Ok(None)),
                Err(e) => settle(&shared, leader, batches, started, Err(e)),
            }
        }
        let mut retry_metadata: Option<Instant> = None;
        for (topic, has_meta) in plan.need_metadata {
            // Without any metadata the topic's messages cannot move at all: ask at once unless
            // the last attempt failed.
            let failed_before = metadata_failures.contains_key(&topic);
            if let Some(at) = metadata_retry_at.get(&topic).filter(|at| **at > Instant::now()) {
                if has_meta || failed_before {
                    retry_metadata = Some(retry_metadata.map_or(*at, |r| r.min(*at)));
                    continue;
                }
            }
            let outcome = refresh_metadata(&shared, &topic).await;
            let n = metadata_failures.entry(topic.clone()).or_default();
            *n += 1;
            let backoff =
                crate::runtime::backoff(shared.settings.backoff_min, shared.settings.backoff_max, *n);
            let at = Instant::now() + backoff;
            match outcome {
                Ok(None) => {
                    metadata_failures.remove(&topic);
                    metadata_retry_at.remove(&topic);
                }
                Ok(Some(leaderless)) => {
                    // The partitions with a leader go on; the others are asked about again.
                    let e =
                        Error::broker(5, format!("topic {topic}: partitions {leaderless:?} have no leader"));
                    shared.log(6, format!("{}; retrying", e.message()));
                    shared.state.lock().unwrap_or_else(|p| p.into_inner()).note_error(&topic, &e);
                    metadata_retry_at.insert(topic.clone(), at);
                    retry_metadata = Some(retry_metadata.map_or(at, |r| r.min(at)));
                }
                Err(e) => {
                    let fatal =
                        !e.is_retriable() || (e.code() == 3 && !shared.settings.allow_auto_create && *n >= 3);
                    let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
                    if fatal {
                        shared.log(3, e.message());
                        st.fail_unassigned(&shared, &topic, &e, None);
                        metadata_failures.remove(&topic);
                        metadata_retry_at.remove(&topic);
                    } else {
                        shared.log(6, format!("{}; retrying", e.message()));
                        st.note_error(&topic, &e);
                        metadata_retry_at.insert(topic.clone(), at);
                        retry_metadata = Some(retry_metadata.map_or(at, |r| r.min(at)));
                    }
                }
            }
        }

        let sleep_until = match (plan.next_wakeup, retry_metadata) {
            (Some(at), Some(b)) => Some(at.min(b)),
            (at, b) => at.or(b),
        };
        let timer = async {
            match sleep_until {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut wake => {}
            Some(_) = requests.join_next(), if !requests.is_empty() => {}
            _ = timer => {}
        }
    }
}

async fn init_producer_id(shared: &Shared) -> Result<(i64, i16)> {
    let conn = shared.cluster.any_connection().await?;
    let resp = conn
        .send(&InitProducerIdRequest {
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            producer_id: -1,
            producer_epoch: -1,
            ..Default::default()
        })
        .await?;
    if resp.error_code != 0 {
        return Err(Error::broker(resp.error_code, "InitProducerId"));
    }
    Ok((resp.producer_id, resp.producer_epoch))
}

/// Fetches a topic's metadata into the queues; creates the topic first when it is missing and
/// the writer may create topics (the broker may have auto-creation off). Returns the
/// partitions without a leader, if any: their messages wait, the others' go.
async fn refresh_metadata(shared: &Shared, topic: &str) -> Result<Option<Vec<i32>>> {
    let allow = shared.settings.allow_auto_create;
    let meta = match shared.cluster.topic(topic, true, allow).await {
        Err(e) if e.code() == 3 && allow => {
            create_topic(shared, topic).await?;
            shared.cluster.topic(topic, true, allow).await?
        }
        r => r?,
    };
    let leaderless: Vec<i32> = meta.partitions.iter().filter(|p| p.leader < 0).map(|p| p.id).collect();
    shared.state.lock().unwrap_or_else(|p| p.into_inner()).set_metadata(shared, meta);
    // The messages that waited for this metadata now sit in batches: plan again.
    shared.wake.notify_one();
    Ok(Some(leaderless).filter(|l| !l.is_empty()))
}

async fn create_topic(shared: &Shared, topic: &str) -> Result<()> {
    let conn = shared.cluster.any_connection().await?;
    let resp = conn
        .send(&CreateTopicsRequest {
            topics: vec![CreatableTopic {
                name: topic.to_string(),
                num_partitions: -1,
                replication_factor: -1,
                ..Default::default()
            }],
            timeout_ms: 30_000,
            ..Default::default()
        })
        .await?;
    match resp.topics.first().map(|t| t.error_code) {
        Some(0) | Some(36) => {
            shared.log(6, format!("created topic {topic}"));
            Ok(())
        }
        Some(c) => Err(Error::broker(c, format!("create topic {topic}"))),
        None => Err(Error::malformed("CreateTopics response without the topic")),
    }
}

enum Sent {
    Waiting(Arc<BrokerConnection>, PendingResponse<ProduceRequest>),
    NoResponse,
}

/// Waits for a queued Produce request's answer and settles its batches.
async fn finish(
    shared: Arc<Shared>,
    leader: i32,
    batches: Vec<SealedBatch>,
    started: Instant,
    conn: Arc<BrokerConnection>,
    pending: PendingResponse<ProduceRequest>,
) {
    let wait = shared.settings.request_timeout + Duration::from_secs(5);
    let outcome = match tokio::time::timeout(wait, pending.response()).await {
        Ok(Ok(resp)) => Ok(Some(partition_results(resp, &batches))),
        Ok(Err(e)) => Err(e),
        Err(_) => {
            // The broker answers in order: a retry on this connection would wait behind the
            // unanswered request. Close it; the retry goes over a new one.
            conn.close();
            Err(Error::timed_out(format!(
                "produce request to {} got no answer within request.timeout.ms + 5 s ({} ms)",
                conn.addr(),
                wait.as_millis()
            )))
        }
    };
    settle(&shared, leader, batches, started, outcome);
}

/// Hands every batch's outcome back to the queues and wakes the sender.
fn settle(
    shared: &Shared,
    leader: i32,
    batches: Vec<SealedBatch>,
    started: Instant,
    outcome: Result<Option<PartitionResults>>,
) {
    shared.stats.request_done(started.elapsed());
    let outcomes: Vec<(SealedBatch, Result<i64>)> = match outcome {
        Err(e) => batches.into_iter().map(|b| (b, Err(e.clone()))).collect(),
        Ok(None) => batches.into_iter().map(|b| (b, Ok(-1))).collect(),
        Ok(Some(results)) => batches
            .into_iter()
            .map(|b| {
                let r = results.get(&(b.topic_id, b.topic.to_string(), b.partition)).cloned().unwrap_or_else(
                    || Err(Error::malformed("Produce response does not mention the partition")),
                );
                (b, r)
            })
            .collect(),
    };
    shared.state.lock().unwrap_or_else(|p| p.into_inner()).finish_request(shared, leader, outcomes);
    shared.wake.notify_one();
}

type PartitionResults = HashMap<([u8; 16], String, i32), Result<i64>>;

/// Builds the Produce request for `batches` and queues it on the leader's connection.
async fn start_produce(shared: &Shared, leader: i32, batches: &[SealedBatch]) -> Result<Sent> {
    let s = &shared.settings;
    let conn = shared.cluster.broker(leader).await?;
    let mut topics: Vec<TopicProduceData> = Vec::new();
    for b in batches {
        let data = PartitionProduceData {
            index: b.partition,
            records: Some(b.records.clone()),
            ..Default::default()
        };
        match topics.iter_mut().find(|t| t.name == *b.topic) {
            Some(t) => t.partition_data.push(data),
            None => topics.push(TopicProduceData {
                name: b.topic.to_string(),
                topic_id: b.topic_id,
                partition_data: vec![data],
                ..Default::default()
            }),
        }
    }
    let req = ProduceRequest {
        acks: s.acks,
        timeout_ms: crate::runtime::clamp_ms(s.request_timeout),
        topic_data: topics,
        ..Default::default()
    };
    let version = conn.versions().pick::<ProduceRequest>()?;
    if s.acks == 0 {
        conn.send_no_response(&req, version).await?;
        return Ok(Sent::NoResponse);
    }
    let pending = conn.enqueue(&req, version).await?;
    Ok(Sent::Waiting(conn, pending))
}

/// Each partition's outcome, keyed by (topic id, topic name, partition): v13+ responses name
/// topics by id, older ones by name.
fn partition_results(resp: ProduceResponse, batches: &[SealedBatch]) -> PartitionResults {
    let mut out = PartitionResults::new();
    for t in resp.responses {
        let name = if t.name.is_empty() {
            batches.iter().find(|b| b.topic_id == t.topic_id).map(|b| b.topic.to_string()).unwrap_or_default()
        } else {
            t.name.clone()
        };
        let id = if t.topic_id == [0; 16] {
            batches.iter().find(|b| *b.topic == *name).map(|b| b.topic_id).unwrap_or_default()
        } else {
            t.topic_id
        };
        for p in t.partition_responses {
            let r = match p.error_code {
                0 => Ok(p.base_offset),
                // Already written by an earlier attempt of the same batch.
                46 => Ok(-1),
                c => {
                    let mut e = Error::broker(c, format!("produce to {name}/{}", p.index));
                    if let Some(m) = p.error_message.filter(|m| !m.is_empty()) {
                        e = e.context(m);
                    }
                    Err(e)
                }
            };
            out.insert((id, name.clone(), p.index), r);
        }
    }
    out
}
