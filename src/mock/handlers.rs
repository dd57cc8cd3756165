//! One function per API the mock serves: decode the request with the generated code, act on the
//! shared state, encode the response. `inject` is an error pushed by the test for this request:
//! the request then has no effect and every entry of the response carries the code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::errors as ec;
use super::group::{Group, JoinArgs, JoinOutcome, SyncOutcome};
use super::state::{self, State};
use super::Shared;
use crate::protocol::messages::*;
use crate::protocol::records::RecordBatches;
use crate::protocol::{Decodable, Decoder, Encodable, Request};

/// A decoded request's routing data.
pub struct Ctx<'a> {
    pub shared: &'a Arc<Shared>,
    pub broker: i32,
    pub version: i16,
    pub client_id: &'a str,
    pub inject: Option<i16>,
}

pub enum Reply {
    Body(BytesMut),
    /// acks=0 Produce: nothing is sent back.
    Nothing,
}

type Res = Result<Reply, String>;

/// The APIs served, with the versions advertised (all this library's generated code knows).
pub const SERVED: &[i16] = &[
    api_key::PRODUCE,
    api_key::FETCH,
    api_key::LIST_OFFSETS,
    api_key::METADATA,
    api_key::OFFSET_COMMIT,
    api_key::OFFSET_FETCH,
    api_key::FIND_COORDINATOR,
    api_key::JOIN_GROUP,
    api_key::HEARTBEAT,
    api_key::LEAVE_GROUP,
    api_key::SYNC_GROUP,
    api_key::API_VERSIONS,
    api_key::CREATE_TOPICS,
    api_key::DELETE_TOPICS,
    api_key::INIT_PRODUCER_ID,
];

pub fn version_range(api: i16) -> Option<(i16, i16)> {
    if !SERVED.contains(&api) {
        return None;
    }
    VERSION_RANGES.iter().find(|(k, _, _)| *k == api).map(|(_, lo, hi)| (*lo, *hi))
}

/// The first flexible version of a served API (header v2 requests, v1 responses).
pub fn flexible_min(api: i16) -> i16 {
    match api {
        api_key::PRODUCE => ProduceRequest::FLEXIBLE_MIN_VERSION,
        api_key::FETCH => FetchRequest::FLEXIBLE_MIN_VERSION,
        api_key::LIST_OFFSETS => ListOffsetsRequest::FLEXIBLE_MIN_VERSION,
        api_key::METADATA => MetadataRequest::FLEXIBLE_MIN_VERSION,
        api_key::OFFSET_COMMIT => OffsetCommitRequest::FLEXIBLE_MIN_VERSION,
        api_key::OFFSET_FETCH => OffsetFetchRequest::FLEXIBLE_MIN_VERSION,
        api_key::FIND_COORDINATOR => FindCoordinatorRequest::FLEXIBLE_MIN_VERSION,
        api_key::JOIN_GROUP => JoinGroupRequest::FLEXIBLE_MIN_VERSION,
        api_key::HEARTBEAT => HeartbeatRequest::FLEXIBLE_MIN_VERSION,
        api_key::LEAVE_GROUP => LeaveGroupRequest::FLEXIBLE_MIN_VERSION,
        api_key::SYNC_GROUP => SyncGroupRequest::FLEXIBLE_MIN_VERSION,
        api_key::API_VERSIONS => ApiVersionsRequest::FLEXIBLE_MIN_VERSION,
        api_key::CREATE_TOPICS => CreateTopicsRequest::FLEXIBLE_MIN_VERSION,
        api_key::DELETE_TOPICS => DeleteTopicsRequest::FLEXIBLE_MIN_VERSION,
        api_key::INIT_PRODUCER_ID => InitProducerIdRequest::FLEXIBLE_MIN_VERSION,
        _ => i16::MAX,
    }
}

fn dec<T: Decodable>(body: Bytes, v: i16) -> Result<T, String> {
    let mut d = Decoder::new(body);
    T::decode(&mut d, v).map_err(|e| e.to_string())
}

fn enc<T: Encodable>(t: &T, v: i16) -> Res {
    let mut b = BytesMut::new();
    t.encode(&mut b, v).map_err(|e| e.to_string())?;
    Ok(Reply::Body(b))
}

pub async fn handle(c: Ctx<'_>, api: i16, body: Bytes) -> Res {
    match api {
        api_key::API_VERSIONS => api_versions(&c, body),
        api_key::METADATA => metadata(&c, body),
        api_key::PRODUCE => produce(&c, body),
        api_key::FETCH => fetch(&c, body).await,
        api_key::LIST_OFFSETS => list_offsets(&c, body),
        api_key::FIND_COORDINATOR => find_coordinator(&c, body),
        api_key::JOIN_GROUP => join_group(&c, body).await,
        api_key::SYNC_GROUP => sync_group(&c, body).await,
        api_key::HEARTBEAT => heartbeat(&c, body),
        api_key::LEAVE_GROUP => leave_group(&c, body),
        api_key::OFFSET_COMMIT => offset_commit(&c, body),
        api_key::OFFSET_FETCH => offset_fetch(&c, body),
        api_key::INIT_PRODUCER_ID => init_producer_id(&c, body),
        api_key::CREATE_TOPICS => create_topics(&c, body),
        api_key::DELETE_TOPICS => delete_topics(&c, body),
        _ => Err(format!("api key {api} is not served")),
    }
}

/// The ApiVersions body at v0 with UNSUPPORTED_VERSION, for a client asking a version too new.
pub fn api_versions_unsupported() -> BytesMut {
    let resp = ApiVersionsResponse {
        error_code: ec::UNSUPPORTED_VERSION,
        api_keys: advertised(),
        ..Default::default()
    };
    let mut b = BytesMut::new();
    resp.encode(&mut b, 0).expect("v0 ApiVersions encodes");
    b
}

fn advertised() -> Vec<api_versions_response::ApiVersion> {
    SERVED
        .iter()
        .filter_map(|k| {
            version_range(*k).map(|(lo, hi)| api_versions_response::ApiVersion {
                api_key: *k,
                min_version: lo,
                max_version: hi,
                ..Default::default()
            })
        })
        .collect()
}

fn api_versions(c: &Ctx, body: Bytes) -> Res {
    let _req: ApiVersionsRequest = dec(body, c.version)?;
    let resp = ApiVersionsResponse {
        error_code: c.inject.unwrap_or(ec::NONE),
        api_keys: advertised(),
        ..Default::default()
    };
    enc(&resp, c.version)
}

fn broker_entries(st: &State) -> Vec<metadata_response::MetadataResponseBroker> {
    st.brokers
        .iter()
        .filter(|b| b.up)
        .map(|b| metadata_response::MetadataResponseBroker {
            node_id: b.id,
            host: "127.0.0.1".into(),
            port: i32::from(b.port),
            rack: b.rack.clone(),
            ..Default::default()
        })
        .collect()
}

fn metadata(c: &Ctx, body: Bytes) -> Res {
    use metadata_response::*;
    let req: MetadataRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    // The names asked for (None: all), resolving ids; an unknown id is answered by id.
    let mut wanted: Option<Vec<(Option<String>, Uuid)>> = None;
    if let Some(topics) = &req.topics {
        let mut v = Vec::new();
        for t in topics {
            match &t.name {
                Some(n) => v.push((Some(n.clone()), t.topic_id)),
                None => v.push((st.topic_name_by_id(&t.topic_id), t.topic_id)),
            }
        }
        wanted = Some(v);
    }
    if c.inject.is_none() && st.auto_create && req.allow_auto_topic_creation {
        if let Some(w) = &wanted {
            for (name, _) in w {
                if let Some(n) = name {
                    if !st.topics.contains_key(n) && state::valid_topic_name(n) {
                        let parts = st.default_partitions;
                        let _ = st.create_topic(n, parts, -1, &[]);
                    }
                }
            }
        }
    }
    let names: Vec<(Option<String>, Uuid)> = match wanted {
        Some(w) => w,
        None => st.topics.keys().map(|n| (Some(n.clone()), [0; 16])).collect(),
    };
    let mut topics = Vec::new();
    for (name, id) in names {
        let Some(name) = name else {
            topics.push(MetadataResponseTopic {
                error_code: ec::UNKNOWN_TOPIC_ID,
                topic_id: id,
                ..Default::default()
            });
            continue;
        };
        let Some(t) = st.topics.get(&name) else {
            topics.push(MetadataResponseTopic {
                error_code: c.inject.unwrap_or(ec::UNKNOWN_TOPIC_OR_PARTITION),
                name: Some(name),
                ..Default::default()
            });
            continue;
        };
        let mut parts = Vec::new();
        for (i, p) in t.partitions.iter().enumerate() {
            let up = p.leader >= 0 && st.broker_up(p.leader);
            let offline: Vec<i32> = p.replicas.iter().copied().filter(|r| !st.broker_up(*r)).collect();
            let isr: Vec<i32> = p.replicas.iter().copied().filter(|r| st.broker_up(*r)).collect();
            parts.push(MetadataResponsePartition {
                error_code: if up { ec::NONE } else { ec::LEADER_NOT_AVAILABLE },
                partition_index: i as i32,
                leader_id: if up { p.leader } else { -1 },
                leader_epoch: p.leader_epoch,
                replica_nodes: p.replicas.clone(),
                isr_nodes: isr,
                offline_replicas: offline,
                ..Default::default()
            });
        }
        let id = t.id;
        for part in &mut parts {
            if let Some(e) = st.take_partition_error(api_key::METADATA, &name, part.partition_index) {
                part.error_code = e;
            }
        }
        topics.push(MetadataResponseTopic {
            error_code: c.inject.unwrap_or(ec::NONE),
            name: Some(name),
            topic_id: id,
            partitions: if c.inject.is_some() { Vec::new() } else { parts },
            ..Default::default()
        });
    }
    let controller = st.brokers.iter().find(|b| b.up).map_or(-1, |b| b.id);
    let resp = MetadataResponse {
        brokers: broker_entries(&st),
        cluster_id: Some(st.cluster_id.clone()),
        controller_id: controller,
        topics,
        error_code: c.inject.unwrap_or(ec::NONE),
        ..Default::default()
    };
    drop(st);
    enc(&resp, c.version)
}

fn produce(c: &Ctx, body: Bytes) -> Res {
    use produce_response::*;
    let req: ProduceRequest = dec(body, c.version)?;
    if req.transactional_id.is_some() && c.inject.is_none() {
        return Err("transactional produce is not supported by the mock cluster".into());
    }
    let mut st = c.shared.state.lock().unwrap();
    let mut out = Vec::new();
    let mut appended = false;
    for t in &req.topic_data {
        let name = if c.version >= 13 { st.topic_name_by_id(&t.topic_id) } else { Some(t.name.clone()) };
        let mut parts = Vec::new();
        for p in &t.partition_data {
            let mut r = PartitionProduceResponse { index: p.index, base_offset: -1, ..Default::default() };
            let Some(name) = &name else {
                r.error_code = ec::UNKNOWN_TOPIC_ID;
                parts.push(r);
                continue;
            };
            if let Some(e) = c.inject.or_else(|| st.take_partition_error(api_key::PRODUCE, name, p.index)) {
                r.error_code = e;
                parts.push(r);
                continue;
            }
            r.error_code = st.leader_error(c.broker, name, p.index);
            if r.error_code != ec::NONE {
                if let Some(ps) = st.partition(name, p.index) {
                    r.current_leader = LeaderIdAndEpoch {
                        leader_id: ps.leader,
                        leader_epoch: ps.leader_epoch,
                        ..Default::default()
                    };
                }
                parts.push(r);
                continue;
            }
            let batches = match p.records.as_ref().map(state::parse_produced) {
                Some(Ok(b)) => b,
                Some(Err(e)) => {
                    r.error_code = e;
                    parts.push(r);
                    continue;
                }
                None => {
                    r.error_code = ec::CORRUPT_MESSAGE;
                    parts.push(r);
                    continue;
                }
            };
            let mut dups = 0;
            let ps = st.partition_mut(name, p.index).expect("leader check found it");
            // Sequence checks first: nothing is appended unless every batch passes.
            let mut plan = Vec::new();
            for (h, bytes) in &batches {
                match state::check_sequence(ps, h) {
                    Ok(dup) => plan.push((h, bytes, dup)),
                    Err(e) => {
                        r.error_code = e;
                        break;
                    }
                }
            }
            if r.error_code == ec::NONE {
                for (h, bytes, dup) in plan {
                    let base = match dup {
                        Some(off) => {
                            dups += 1;
                            off
                        }
                        None => {
                            let base = ps.append_raw(bytes, i64::from(h.last_offset_delta) + 1, h.max_ts);
                            state::remember_batch(ps, h, base);
                            appended = true;
                            base
                        }
                    };
                    if r.base_offset < 0 {
                        r.base_offset = base;
                    }
                }
                r.log_start_offset = ps.log_start;
            }
            st.duplicates += dups;
            parts.push(r);
        }
        out.push(TopicProduceResponse {
            name: t.name.clone(),
            topic_id: t.topic_id,
            partition_responses: parts,
            ..Default::default()
        });
    }
    drop(st);
    if appended {
        c.shared.appended.notify_waiters();
    }
    if req.acks == 0 {
        return Ok(Reply::Nothing);
    }
    enc(&ProduceResponse { responses: out, ..Default::default() }, c.version)
}

/// Builds a fetch response from the current logs; returns it with its size and whether any
/// partition has an error (answered at once).
fn fetch_once(
    c: &Ctx,
    req: &FetchRequest,
    names: &[Option<String>],
    take_faults: bool,
) -> (FetchResponse, usize, bool) {
    use fetch_response::*;
    let mut st = c.shared.state.lock().unwrap();
    let mut total = 0usize;
    let max_bytes = if req.max_bytes <= 0 { usize::MAX } else { req.max_bytes as usize };
    let mut any_error = false;
    let mut responses = Vec::new();
    for (t, name) in req.topics.iter().zip(names) {
        let mut parts = Vec::new();
        for p in &t.partitions {
            let mut r =
                PartitionData { partition_index: p.partition, high_watermark: -1, ..Default::default() };
            let Some(name) = name else {
                r.error_code = ec::UNKNOWN_TOPIC_ID;
                any_error = true;
                parts.push(r);
                continue;
            };
            let injected = c.inject.or_else(|| {
                if take_faults {
                    st.take_partition_error(api_key::FETCH, name, p.partition)
                } else {
                    None
                }
            });
            if let Some(e) = injected {
                r.error_code = e;
                any_error = true;
                parts.push(r);
                continue;
            }
            r.error_code = st.leader_error(c.broker, name, p.partition);
            let Some(ps) = st.partition(name, p.partition) else {
                any_error = true;
                parts.push(r);
                continue;
            };
            r.current_leader = LeaderIdAndEpoch {
                leader_id: ps.leader,
                leader_epoch: ps.leader_epoch,
                ..Default::default()
            };
            if r.error_code != ec::NONE {
                any_error = true;
                parts.push(r);
                continue;
            }
            r.high_watermark = ps.high_watermark;
            r.last_stable_offset = ps.high_watermark;
            r.log_start_offset = ps.log_start;
            r.aborted_transactions = Some(Vec::new());
            if p.fetch_offset < ps.log_start || p.fetch_offset > ps.high_watermark {
                r.error_code = ec::OFFSET_OUT_OF_RANGE;
                any_error = true;
                parts.push(r);
                continue;
            }
            let part_max = if p.partition_max_bytes <= 0 { 0 } else { p.partition_max_bytes as usize };
            let mut buf = BytesMut::new();
            for b in &ps.log[ps.first_batch_at(p.fetch_offset)..] {
                let n = b.bytes.len();
                // The first batch of the response goes out whatever its size (KIP-74).
                let first = total == 0 && buf.is_empty();
                if !first && (buf.len() + n > part_max || total + buf.len() + n > max_bytes) {
                    break;
                }
                buf.extend_from_slice(&b.bytes);
            }
            total += buf.len();
            r.records = Some(buf.freeze());
            parts.push(r);
        }
        responses.push(FetchableTopicResponse {
            topic: t.topic.clone(),
            topic_id: t.topic_id,
            partitions: parts,
            ..Default::default()
        });
    }
    let resp = FetchResponse { responses, error_code: ec::NONE, session_id: 0, ..Default::default() };
    (resp, total, any_error)
}

async fn fetch(c: &Ctx<'_>, body: Bytes) -> Res {
    let req: FetchRequest = dec(body, c.version)?;
    let names: Vec<Option<String>> = {
        let st = c.shared.state.lock().unwrap();
        req.topics
            .iter()
            .map(|t| if c.version >= 13 { st.topic_name_by_id(&t.topic_id) } else { Some(t.topic.clone()) })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_millis(req.max_wait_ms.max(0) as u64);
    let min_bytes = req.min_bytes.max(0) as usize;
    let mut first = true;
    loop {
        let notified = c.shared.appended.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (resp, size, err) = fetch_once(c, &req, &names, first);
        first = false;
        let now = Instant::now();
        if err || size >= min_bytes || now >= deadline || c.inject.is_some() {
            return enc(&resp, c.version);
        }
        let _ = tokio::time::timeout(deadline - now, notified).await;
    }
}

fn list_offsets(c: &Ctx, body: Bytes) -> Res {
    use list_offsets_response::*;
    let req: ListOffsetsRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    let mut topics = Vec::new();
    for t in &req.topics {
        let mut parts = Vec::new();
        for p in &t.partitions {
            let mut r = ListOffsetsPartitionResponse {
                partition_index: p.partition_index,
                timestamp: -1,
                offset: -1,
                ..Default::default()
            };
            if let Some(e) = c
                .inject
                .or_else(|| st.take_partition_error(api_key::LIST_OFFSETS, &t.name, p.partition_index))
            {
                r.error_code = e;
                parts.push(r);
                continue;
            }
            r.error_code = st.leader_error(c.broker, &t.name, p.partition_index);
            if r.error_code == ec::NONE {
                let ps = st.partition(&t.name, p.partition_index).expect("leader check found it");
                r.leader_epoch = ps.leader_epoch;
                let (off, ts) = offset_for(ps, p.timestamp);
                r.offset = off;
                r.timestamp = ts;
            }
            parts.push(r);
        }
        topics.push(ListOffsetsTopicResponse {
            name: t.name.clone(),
            partitions: parts,
            ..Default::default()
        });
    }
    drop(st);
    enc(&ListOffsetsResponse { topics, ..Default::default() }, c.version)
}

/// (offset, timestamp) for a ListOffsets query: -2 earliest, -1 latest, -3 max timestamp,
/// -4/-5 earliest local/tiered, else the first record with a timestamp >= the query.
fn offset_for(ps: &state::PartitionState, query: i64) -> (i64, i64) {
    match query {
        -1 => (ps.high_watermark, -1),
        -2 | -4 | -5 => (ps.log_start, -1),
        -3 => {
            let mut best: Option<(i64, i64)> = None;
            for b in &ps.log {
                if best.is_none_or(|(_, ts)| b.max_ts > ts) {
                    best = Some((record_at_ts(b, b.max_ts).unwrap_or(b.base), b.max_ts));
                }
            }
            best.unwrap_or((-1, -1))
        }
        t => {
            for b in &ps.log {
                if b.max_ts >= t {
                    return (record_at_ts(b, t).unwrap_or(b.base), t.max(b.max_ts.min(t)));
                }
            }
            (-1, -1)
        }
    }
}

/// The offset of the first record of `b` with a timestamp >= `ts`, if the batch decodes.
fn record_at_ts(b: &state::StoredBatch, ts: i64) -> Option<i64> {
    let view = RecordBatches::new(b.bytes.clone()).next()?.ok()?;
    let recs = view.records(64 << 20).ok()?;
    for r in recs {
        let r = r.ok()?;
        if r.timestamp >= ts {
            return Some(r.offset);
        }
    }
    None
}

/// The coordinator of a group: a broker picked by the group id's hash.
fn coordinator_for(st: &State, key: &str) -> i32 {
    let h = key.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let n = st.brokers.len().max(1) as u32;
    st.brokers.get((h % n) as usize).map_or(-1, |b| b.id)
}

fn find_coordinator(c: &Ctx, body: Bytes) -> Res {
    use find_coordinator_response::*;
    let req: FindCoordinatorRequest = dec(body, c.version)?;
    let st = c.shared.state.lock().unwrap();
    let answer = |key: &str| -> Coordinator {
        let mut co = Coordinator { key: key.to_string(), node_id: -1, port: -1, ..Default::default() };
        if let Some(e) = c.inject {
            co.error_code = e;
        } else if req.key_type != 0 {
            co.error_code = ec::COORDINATOR_NOT_AVAILABLE;
            co.error_message = Some("the mock cluster has no transaction coordinator".into());
        } else {
            let id = coordinator_for(&st, key);
            match st.broker(id).filter(|b| b.up) {
                Some(b) => {
                    co.node_id = b.id;
                    co.host = "127.0.0.1".into();
                    co.port = i32::from(b.port);
                }
                None => co.error_code = ec::COORDINATOR_NOT_AVAILABLE,
            }
        }
        co
    };
    let resp = if c.version >= 4 {
        FindCoordinatorResponse {
            coordinators: req.coordinator_keys.iter().map(|k| answer(k)).collect(),
            ..Default::default()
        }
    } else {
        let co = answer(&req.key);
        FindCoordinatorResponse {
            error_code: co.error_code,
            error_message: co.error_message,
            node_id: co.node_id,
            host: co.host,
            port: co.port,
            ..Default::default()
        }
    };
    drop(st);
    enc(&resp, c.version)
}

/// NOT_COORDINATOR unless this broker coordinates `group`; else the group (created if new).
fn group_at<'s>(st: &'s mut State, broker: i32, group: &str) -> Result<&'s mut Group, i16> {
    if group.is_empty() {
        return Err(ec::INVALID_REQUEST);
    }
    if coordinator_for(st, group) != broker {
        return Err(ec::NOT_COORDINATOR);
    }
    Ok(st.groups.entry(group.to_string()).or_default())
}

async fn join_group(c: &Ctx<'_>, body: Bytes) -> Res {
    let req: JoinGroupRequest = dec(body, c.version)?;
    let mut resp =
        JoinGroupResponse { generation_id: -1, member_id: req.member_id.clone(), ..Default::default() };
    let outcome = {
        let mut guard = c.shared.state.lock().unwrap();
        let st = &mut *guard;
        let delay = Duration::from_millis(st.group_initial_delay_ms);
        let uuid = st.next_uuid();
        match (c.inject, group_at(st, c.broker, &req.group_id)) {
            (Some(e), _) | (None, Err(e)) => {
                resp.error_code = e;
                return enc(&resp, c.version);
            }
            (None, Ok(g)) => g.join(
                JoinArgs {
                    member_id: req.member_id.clone(),
                    instance_id: req.group_instance_id.clone(),
                    client_id: if c.client_id.is_empty() { "member".into() } else { c.client_id.to_string() },
                    session_timeout_ms: req.session_timeout_ms,
                    rebalance_timeout_ms: if c.version >= 1 { req.rebalance_timeout_ms } else { -1 },
                    protocol_type: req.protocol_type.clone(),
                    protocols: req.protocols.iter().map(|p| (p.name.clone(), p.metadata.clone())).collect(),
                    require_known_member_id: c.version >= 4,
                },
                || uuid_string(&uuid),
                delay,
            ),
        }
    };
    let result = match outcome {
        JoinOutcome::Now(r) => r,
        JoinOutcome::Wait(rx) => rx.await.unwrap_or_else(|_| super::group::JoinResult {
            error: ec::UNKNOWN_MEMBER_ID,
            member_id: req.member_id.clone(),
            ..Default::default()
        }),
    };
    resp.error_code = result.error;
    resp.member_id = result.member_id;
    if result.error == ec::NONE {
        resp.generation_id = result.generation;
        resp.protocol_type = Some(result.protocol_type);
        resp.protocol_name = Some(result.protocol_name);
        resp.leader = result.leader;
        resp.members = result
            .members
            .into_iter()
            .map(|(id, inst, meta)| join_group_response::JoinGroupResponseMember {
                member_id: id,
                group_instance_id: inst,
                metadata: meta,
                ..Default::default()
            })
            .collect();
    }
    enc(&resp, c.version)
}

fn uuid_string(u: &Uuid) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

async fn sync_group(c: &Ctx<'_>, body: Bytes) -> Res {
    let req: SyncGroupRequest = dec(body, c.version)?;
    let mut resp = SyncGroupResponse {
        protocol_type: req.protocol_type.clone(),
        protocol_name: req.protocol_name.clone(),
        ..Default::default()
    };
    let outcome = {
        let mut st = c.shared.state.lock().unwrap();
        match (c.inject, group_at(&mut st, c.broker, &req.group_id)) {
            (Some(e), _) | (None, Err(e)) => SyncOutcome::Now(e, Bytes::new()),
            (None, Ok(g)) => {
                if c.version >= 5
                    && (req.protocol_type.as_ref().is_some_and(|t| *t != g.protocol_type)
                        || req.protocol_name.as_ref().is_some_and(|n| *n != g.protocol_name))
                {
                    SyncOutcome::Now(ec::INCONSISTENT_GROUP_PROTOCOL, Bytes::new())
                } else {
                    let assignments =
                        req.assignments.iter().map(|a| (a.member_id.clone(), a.assignment.clone())).collect();
                    g.sync(&req.member_id, req.generation_id, assignments)
                }
            }
        }
    };
    let (e, a) = match outcome {
        SyncOutcome::Now(e, a) => (e, a),
        SyncOutcome::Wait(rx) => rx.await.unwrap_or((ec::REBALANCE_IN_PROGRESS, Bytes::new())),
    };
    resp.error_code = e;
    resp.assignment = a;
    enc(&resp, c.version)
}

fn heartbeat(c: &Ctx, body: Bytes) -> Res {
    let req: HeartbeatRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    let e = match (c.inject, group_at(&mut st, c.broker, &req.group_id)) {
        (Some(e), _) | (None, Err(e)) => e,
        (None, Ok(g)) => g.heartbeat(&req.member_id, req.generation_id),
    };
    drop(st);
    enc(&HeartbeatResponse { error_code: e, ..Default::default() }, c.version)
}

fn leave_group(c: &Ctx, body: Bytes) -> Res {
    use leave_group_response::*;
    let req: LeaveGroupRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    let mut resp = LeaveGroupResponse::default();
    match (c.inject, group_at(&mut st, c.broker, &req.group_id)) {
        (Some(e), _) | (None, Err(e)) => resp.error_code = e,
        (None, Ok(g)) => {
            if c.version >= 3 {
                for m in &req.members {
                    let e = g.leave(&m.member_id);
                    resp.members.push(MemberResponse {
                        member_id: m.member_id.clone(),
                        group_instance_id: m.group_instance_id.clone(),
                        error_code: e,
                        ..Default::default()
                    });
                }
            } else {
                resp.error_code = g.leave(&req.member_id);
            }
        }
    }
    drop(st);
    enc(&resp, c.version)
}

fn offset_commit(c: &Ctx, body: Bytes) -> Res {
    use offset_commit_response::*;
    let req: OffsetCommitRequest = dec(body, c.version)?;
    let mut guard = c.shared.state.lock().unwrap();
    let st = &mut *guard;
    let names: Vec<Option<String>> = req
        .topics
        .iter()
        .map(|t| if c.version >= 10 { st.topic_name_by_id(&t.topic_id) } else { Some(t.name.clone()) })
        .collect();
    // Per-partition pushed errors and unknown partitions first, then the group check.
    let mut results: Vec<Vec<i16>> = Vec::new();
    for (t, name) in req.topics.iter().zip(&names) {
        let mut v = Vec::new();
        for p in &t.partitions {
            let e = match name {
                None => ec::UNKNOWN_TOPIC_ID,
                Some(n) => match st.take_partition_error(api_key::OFFSET_COMMIT, n, p.partition_index) {
                    Some(e) => e,
                    None if st.partition(n, p.partition_index).is_none() => ec::UNKNOWN_TOPIC_OR_PARTITION,
                    None => ec::NONE,
                },
            };
            v.push(e);
        }
        results.push(v);
    }
    let group_err = match (c.inject, group_at(st, c.broker, &req.group_id)) {
        (Some(e), _) | (None, Err(e)) => e,
        (None, Ok(g)) => {
            let e = g.commit_check(req.generation_id_or_member_epoch, &req.member_id);
            if e == ec::NONE {
                for ((t, name), errs) in req.topics.iter().zip(&names).zip(&results) {
                    for (p, e) in t.partitions.iter().zip(errs) {
                        if let (Some(n), ec::NONE) = (name, *e) {
                            g.offsets.insert(
                                (n.clone(), p.partition_index),
                                (p.committed_offset, p.committed_leader_epoch, p.committed_metadata.clone()),
                            );
                        }
                    }
                }
            }
            e
        }
    };
    let topics = req
        .topics
        .iter()
        .zip(&results)
        .map(|(t, errs)| OffsetCommitResponseTopic {
            name: t.name.clone(),
            topic_id: t.topic_id,
            partitions: t
                .partitions
                .iter()
                .zip(errs)
                .map(|(p, e)| OffsetCommitResponsePartition {
                    partition_index: p.partition_index,
                    error_code: if group_err != ec::NONE { group_err } else { *e },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    drop(guard);
    enc(&OffsetCommitResponse { topics, ..Default::default() }, c.version)
}

/// (topic name, id, partitions) asked for in an OffsetFetch, None = all committed.
type Wanted = Option<Vec<(String, Uuid, Vec<i32>)>>;

fn offset_fetch(c: &Ctx, body: Bytes) -> Res {
    use offset_fetch_response::*;
    let req: OffsetFetchRequest = dec(body, c.version)?;
    let mut guard = c.shared.state.lock().unwrap();
    let st = &mut *guard;
    let groups: Vec<(String, Wanted)> = if c.version >= 8 {
        req.groups
            .iter()
            .map(|g| {
                let w = g.topics.as_ref().map(|ts| {
                    ts.iter()
                        .map(|t| {
                            let name = if c.version >= 10 {
                                st.topic_name_by_id(&t.topic_id).unwrap_or_default()
                            } else {
                                t.name.clone()
                            };
                            (name, t.topic_id, t.partition_indexes.clone())
                        })
                        .collect()
                });
                (g.group_id.clone(), w)
            })
            .collect()
    } else {
        let w = req
            .topics
            .as_ref()
            .map(|ts| ts.iter().map(|t| (t.name.clone(), [0; 16], t.partition_indexes.clone())).collect());
        vec![(req.group_id.clone(), w)]
    };
    // (group error, [(topic, id, [(partition, offset, epoch, metadata, error)])])
    type Part = (i32, i64, i32, Option<String>, i16);
    type Topics = Vec<(String, Uuid, Vec<Part>)>;
    let mut answers: Vec<(i16, Topics)> = Vec::new();
    for (gid, wanted) in groups {
        let coord_err = match c.inject {
            Some(e) => e,
            None if coordinator_for(st, &gid) != c.broker => ec::NOT_COORDINATOR,
            None => ec::NONE,
        };
        if coord_err != ec::NONE {
            answers.push((coord_err, Vec::new()));
            continue;
        }
        let offsets = st.groups.get(&gid).map(|g| g.offsets.clone()).unwrap_or_default();
        let wanted: Vec<(String, Uuid, Vec<i32>)> = match wanted {
            Some(w) => w,
            None => {
                let mut by_topic: std::collections::BTreeMap<String, Vec<i32>> = Default::default();
                for (t, p) in offsets.keys() {
                    by_topic.entry(t.clone()).or_default().push(*p);
                }
                by_topic
                    .into_iter()
                    .map(|(t, mut ps)| {
                        ps.sort_unstable();
                        let id = st.topics.get(&t).map_or([0; 16], |x| x.id);
                        (t, id, ps)
                    })
                    .collect()
            }
        };
        let mut topics = Vec::new();
        for (t, id, ps) in wanted {
            let mut parts = Vec::new();
            for p in ps {
                let e = st.take_partition_error(api_key::OFFSET_FETCH, &t, p).unwrap_or(ec::NONE);
                let (off, epoch, meta) =
                    offsets.get(&(t.clone(), p)).cloned().unwrap_or((-1, -1, Some(String::new())));
                parts.push((p, off, epoch, meta, e));
            }
            topics.push((t, id, parts));
        }
        answers.push((ec::NONE, topics));
    }
    drop(guard);
    let resp = if c.version >= 8 {
        OffsetFetchResponse {
            groups: req
                .groups
                .iter()
                .zip(answers)
                .map(|(g, (e, topics))| OffsetFetchResponseGroup {
                    group_id: g.group_id.clone(),
                    error_code: e,
                    topics: topics
                        .into_iter()
                        .map(|(name, topic_id, parts)| OffsetFetchResponseTopics {
                            name,
                            topic_id,
                            partitions: parts
                                .into_iter()
                                .map(|(p, off, epoch, meta, e)| OffsetFetchResponsePartitions {
                                    partition_index: p,
                                    committed_offset: off,
                                    committed_leader_epoch: epoch,
                                    metadata: meta,
                                    error_code: e,
                                    ..Default::default()
                                })
                                .collect(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    } else {
        let (e, topics) = answers.into_iter().next().unwrap_or_default();
        OffsetFetchResponse {
            error_code: e,
            topics: topics
                .into_iter()
                .map(|(name, _, parts)| OffsetFetchResponseTopic {
                    name,
                    partitions: parts
                        .into_iter()
                        .map(|(p, off, epoch, meta, pe)| OffsetFetchResponsePartition {
                            partition_index: p,
                            committed_offset: off,
                            committed_leader_epoch: epoch,
                            metadata: meta,
                            error_code: if e != ec::NONE { e } else { pe },
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    };
    enc(&resp, c.version)
}

fn init_producer_id(c: &Ctx, body: Bytes) -> Res {
    let req: InitProducerIdRequest = dec(body, c.version)?;
    let mut resp = InitProducerIdResponse { producer_id: -1, producer_epoch: -1, ..Default::default() };
    if let Some(e) = c.inject {
        resp.error_code = e;
    } else if req.transactional_id.is_some() {
        resp.error_code = ec::COORDINATOR_NOT_AVAILABLE;
    } else {
        // As the broker: a producer without a transactional id always gets a new id, epoch 0.
        let mut st = c.shared.state.lock().unwrap();
        resp.producer_id = st.next_producer_id;
        resp.producer_epoch = 0;
        st.next_producer_id += 1;
    }
    enc(&resp, c.version)
}

fn create_topics(c: &Ctx, body: Bytes) -> Res {
    use create_topics_response::*;
    let req: CreateTopicsRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    let mut topics = Vec::new();
    for t in &req.topics {
        let mut r = CreatableTopicResult {
            name: t.name.clone(),
            num_partitions: -1,
            replication_factor: -1,
            ..Default::default()
        };
        if let Some(e) = c.inject {
            r.error_code = e;
        } else {
            let assignments: Vec<(i32, Vec<i32>)> =
                t.assignments.iter().map(|a| (a.partition_index, a.broker_ids.clone())).collect();
            if req.validate_only && st.topics.contains_key(&t.name) {
                r.error_code = ec::TOPIC_ALREADY_EXISTS;
            } else if t.num_partitions == 0 || t.num_partitions < -1 {
                r.error_code = ec::INVALID_PARTITIONS;
            } else {
                match st.create_topic(&t.name, t.num_partitions, t.replication_factor, &assignments) {
                    Ok(id) => {
                        let tp = &st.topics[&t.name];
                        r.topic_id = id;
                        r.num_partitions = tp.partitions.len() as i32;
                        r.replication_factor = tp.partitions.first().map_or(0, |p| p.replicas.len() as i16);
                        if req.validate_only {
                            st.topics.remove(&t.name);
                        }
                    }
                    Err((e, msg)) => {
                        r.error_code = e;
                        r.error_message = Some(msg);
                    }
                }
            }
        }
        topics.push(r);
    }
    drop(st);
    enc(&CreateTopicsResponse { topics, ..Default::default() }, c.version)
}

fn delete_topics(c: &Ctx, body: Bytes) -> Res {
    use delete_topics_response::*;
    let req: DeleteTopicsRequest = dec(body, c.version)?;
    let mut st = c.shared.state.lock().unwrap();
    let asked: Vec<(Option<String>, Uuid)> = if c.version >= 6 {
        req.topics.iter().map(|t| (t.name.clone(), t.topic_id)).collect()
    } else {
        req.topic_names.iter().map(|n| (Some(n.clone()), [0; 16])).collect()
    };
    let mut responses = Vec::new();
    for (name, id) in asked {
        let mut r = DeletableTopicResult { name: name.clone(), topic_id: id, ..Default::default() };
        if let Some(e) = c.inject {
            r.error_code = e;
        } else {
            let resolved = name.clone().or_else(|| st.topic_name_by_id(&id));
            match resolved {
                Some(n) if st.topics.contains_key(&n) => {
                    let t = st.topics.remove(&n).expect("checked");
                    r.name = Some(n);
                    r.topic_id = t.id;
                }
                Some(_) => r.error_code = ec::UNKNOWN_TOPIC_OR_PARTITION,
                None => r.error_code = ec::UNKNOWN_TOPIC_ID,
            }
        }
        responses.push(r);
    }
    drop(st);
    enc(&DeleteTopicsResponse { responses, ..Default::default() }, c.version)
}
