//! Membership of a classic consumer group: find the coordinator, join, (as leader) assign,
//! sync, heartbeat, rejoin on rebalance, leave; and the group's committed offsets.
//!
//! Assignments and revocations are reported as [`GroupEvent`]s in order. Eager assignors revoke
//! everything before each rejoin; when every offered assignor is cooperative (KIP-429) the
//! member keeps its partitions while rejoining and revokes only those it loses, then rejoins at
//! once. A commit names the generation its messages were fetched in and is refused unless each
//! partition has been ours without a break since then, so a commit from an old generation can
//! never move an offset backwards. A static member (group.instance.id) sends no LeaveGroup, and
//! stops for good when a newer member with its instance id fences it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};

use super::assignor::{Assignor, Member, PartitionRacks, RebalanceProtocol};
use super::protocol::{
    decode_assignment, decode_subscription, encode_assignment, encode_subscription, Assignment, Subscription,
    PROTOCOL_TYPE,
};
use crate::cluster::ClusterClient;
use crate::error::{code, Error, Result};
use crate::net::BrokerConnection;
use crate::protocol::messages::join_group_request::JoinGroupRequestProtocol;
use crate::protocol::messages::leave_group_request::MemberIdentity;
use crate::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use crate::protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use crate::protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use crate::protocol::messages::{
    FindCoordinatorRequest, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest,
    OffsetFetchRequest, SyncGroupRequest,
};

/// Topic -> partitions.
pub use super::protocol::TopicPartitions as Partitions;

/// What the group tells its member, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEvent {
    /// A generation began: `partitions` are ours from it on (all of `owned` in the eager
    /// protocol; in the cooperative one only those added, possibly none), `owned` is everything
    /// we hold in it.
    Assigned { generation: i32, partitions: Partitions, owned: Partitions },
    /// These partitions are no longer ours: stop delivering their messages.
    Revoked { partitions: Partitions },
    /// Membership ended for good (FENCED_INSTANCE_ID: another member took our
    /// group.instance.id); everything was revoked before.
    Failed { error: Error },
}

#[derive(Clone, Debug)]
pub struct MemberSettings {
    pub group_id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<String>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub rack: Option<String>,
    pub backoff: Duration,
    /// As group leader, how often to look for new partitions of the subscribed topics (a change
    /// in a partition count makes the group rebalance); None: never.
    pub watch_partitions: Option<Duration>,
}

#[derive(Clone, Debug, Default)]
struct State {
    member_id: String,
    generation: i32,
    assigned: Partitions,
    /// The generation since which each partition of `assigned` has been ours without a break.
    since: BTreeMap<(String, i32), i32>,
    coordinator: Option<i32>,
    left: bool,
    /// As leader: the partition count of each subscribed topic the assignment was made with.
    leader_counts: Option<BTreeMap<String, usize>>,
}

/// One member of a consumer group.
pub struct GroupMember {
    cluster: Arc<ClusterClient>,
    settings: MemberSettings,
    assignors: Vec<Arc<dyn Assignor>>,
    state: Mutex<State>,
    events: mpsc::UnboundedSender<GroupEvent>,
    stop: Notify,
    /// Offsets waiting for the next periodic commit: partition -> (generation, next offset).
    staged: Mutex<BTreeMap<(String, i32), (i32, i64)>>,
    /// Our own connection to the coordinator: a broker answers one connection's requests in
    /// order, so commits and heartbeats must not queue behind the fetch long-polls on the shared
    /// connection to the same broker.
    coordinator_conn: tokio::sync::Mutex<Option<Arc<BrokerConnection>>>,
}

/// Errors after which the member must join again with a new member id.
fn lost_membership(code: i16) -> bool {
    matches!(code, 22 | 25 | 110 | 113)
}

/// FENCED_INSTANCE_ID: a newer member runs with our group.instance.id. Joining again would
/// fence that one in turn, so membership ends here (as in the Java client).
const FENCED_INSTANCE_ID: i16 = 82;

/// The partition count of every topic the group subscribes to (0 for our topics without
/// metadata yet).
fn topic_counts(ours: &[String], partitions: &Partitions) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> =
        partitions.iter().map(|(t, ps)| (t.clone(), ps.len())).collect();
    for t in ours {
        counts.entry(t.clone()).or_insert(0);
    }
    counts
}

/// The rack of each partition's leader (kafka-go's rack affinity goes by the leader), for the
/// partitions whose leader has one.
fn leader_racks(info: &crate::cluster::TopicInfo, rack_of: impl Fn(i32) -> Option<String>) -> PartitionRacks {
    info.partitions.iter().filter_map(|p| rack_of(p.leader).map(|r| ((info.name.clone(), p.id), r))).collect()
}

/// `a` without the partitions in `b`.
fn minus(a: &Partitions, b: &Partitions) -> Partitions {
    let mut out = Partitions::new();
    for (t, ps) in a {
        let rest: Vec<i32> =
            ps.iter().copied().filter(|p| !b.get(t).is_some_and(|q| q.contains(p))).collect();
        if !rest.is_empty() {
            out.insert(t.clone(), rest);
        }
    }
    out
}

/// Errors that mean "ask for the coordinator again".
fn coordinator_moved(code: i16) -> bool {
    matches!(code, 14..=16)
}

impl GroupMember {
    /// Starts membership in the background; events arrive on the returned receiver.
    pub fn start(
        cluster: Arc<ClusterClient>,
        settings: MemberSettings,
        assignors: Vec<Arc<dyn Assignor>>,
    ) -> Result<(Arc<GroupMember>, mpsc::UnboundedReceiver<GroupEvent>)> {
        if assignors.is_empty() {
            return Err(Error::config("at least one partition assignment strategy is needed"));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let m = Arc::new(GroupMember {
            cluster,
            settings,
            assignors,
            state: Mutex::new(State { generation: -1, ..Default::default() }),
            events: tx,
            stop: Notify::new(),
            staged: Mutex::default(),
            coordinator_conn: tokio::sync::Mutex::new(None),
        });
        crate::runtime::spawn(m.clone().run())?;
        Ok((m, rx))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn generation(&self) -> i32 {
        self.state().generation
    }

    pub fn member_id(&self) -> String {
        self.state().member_id.clone()
    }

    pub fn assigned(&self) -> Partitions {
        self.state().assigned.clone()
    }

    async fn coordinator(&self) -> Result<Arc<BrokerConnection>> {
        let mut slot = self.coordinator_conn.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed() && self.state().coordinator.is_some()) {
            return Ok(c.clone());
        }
        let conn = self.cluster.any_connection().await?;
        let resp = conn
            .send(&FindCoordinatorRequest {
                key: self.settings.group_id.clone(),
                key_type: 0,
                coordinator_keys: vec![self.settings.group_id.clone()],
                ..Default::default()
            })
            .await?;
        let (err, node, host, port) = match resp.coordinators.first() {
            Some(c) => (c.error_code, c.node_id, c.host.clone(), c.port),
            None => (resp.error_code, resp.node_id, resp.host.clone(), resp.port),
        };
        if err != 0 {
            return Err(Error::broker(err, format!("find coordinator of group {}", self.settings.group_id)));
        }
        let addr = crate::cluster::BrokerInfo { id: node, host, port, rack: None }.addr();
        let c = BrokerConnection::connect(&addr, self.cluster.connect_options()).await?;
        self.state().coordinator = Some(node);
        *slot = Some(c.clone());
        Ok(c)
    }

    fn forget_coordinator(&self) {
        self.state().coordinator = None;
    }

    async fn run(self: Arc<Self>) {
        loop {
            if self.state().left {
                return;
            }
            let round = async {
                let (generation, rejoin) = self.join_and_sync().await?;
                if rejoin {
                    // Cooperative: we revoked partitions; join again at once so the group can
                    // hand them to their new owners.
                    return Ok(());
                }
                self.heartbeat_until_rebalance(generation).await
            };
            let outcome = tokio::select! {
                r = round => r,
                _ = self.stop.notified() => return,
            };
            if let Err(e) = outcome {
                if e.code() > 0 && coordinator_moved(e.code() as i16) || e.code() == code::TRANSPORT {
                    self.forget_coordinator();
                }
                if e.code() == i32::from(FENCED_INSTANCE_ID) {
                    self.revoke_all();
                    self.state().left = true;
                    let error = Error::broker(
                        FENCED_INSTANCE_ID,
                        format!(
                            "group {}: another member joined with group.instance.id {}; this one is fenced",
                            self.settings.group_id,
                            self.settings.instance_id.as_deref().unwrap_or("")
                        ),
                    );
                    let _ = self.events.send(GroupEvent::Failed { error });
                    return;
                }
                if e.code() > 0 && lost_membership(e.code() as i16) {
                    // Our partitions may be someone else's already: give them up at once.
                    self.revoke_all();
                    self.state().member_id.clear();
                }
                tokio::time::sleep(self.settings.backoff).await;
            }
        }
    }

    /// Revokes what we hold (the caller stops delivering it) before a new generation.
    fn revoke_all(&self) {
        let revoked = {
            let mut st = self.state();
            st.since.clear();
            std::mem::take(&mut st.assigned)
        };
        if !revoked.is_empty() {
            let _ = self.events.send(GroupEvent::Revoked { partitions: revoked });
        }
    }

    /// Whether this member rebalances cooperatively (KIP-429): only when every assignor it
    /// offers is cooperative, so whichever the group picks, the protocol is the same (Java's
    /// rule: the common protocol of all configured assignors).
    fn cooperative(&self) -> bool {
        self.assignors.iter().all(|a| a.protocol() == RebalanceProtocol::Cooperative)
    }

    /// Joins the next generation; returns it and whether we must join again at once (we revoked
    /// partitions in the cooperative protocol).
    async fn join_and_sync(&self) -> Result<(i32, bool)> {
        let s = &self.settings;
        let conn = self.coordinator().await?;
        let cooperative = self.cooperative();
        // What was gathered for the periodic commit is committed first (the broker accepts it
        // while the rebalance is prepared), so a next owner does not read it again.
        let _ = self.flush(false).await;
        if !cooperative {
            // Eager protocols: what we hold ends before we ask for the next generation, so
            // nothing of it is delivered once another member may own it.
            self.revoke_all();
        }
        // Cooperative: we keep our partitions (and keep delivering them) while the group
        // rebalances, and tell the leader what we own.
        let (owned, generation) = {
            let st = self.state();
            (st.assigned.clone(), st.generation)
        };
        // v1 (topics, user data, owned partitions) is what every client reads, librdkafka 2.0
        // included; v3 adds the rack, needed only for rack-aware assignment. The generation of
        // the owned partitions travels in the cooperative-sticky assignor's user data (Java's
        // way for subscriptions below v2).
        let version = if s.rack.is_some() { 3 } else { 1 };
        let protocols = self
            .assignors
            .iter()
            .map(|a| {
                let subscription = Subscription {
                    topics: s.topics.clone(),
                    owned_partitions: owned.clone(),
                    generation_id: generation,
                    rack_id: s.rack.clone(),
                    user_data: a.subscription_user_data(generation),
                };
                Ok(JoinGroupRequestProtocol {
                    name: a.name().to_string(),
                    metadata: encode_subscription(&subscription, version)?,
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut join = JoinGroupRequest {
            group_id: s.group_id.clone(),
            session_timeout_ms: s.session_timeout.as_millis() as i32,
            rebalance_timeout_ms: s.rebalance_timeout.as_millis() as i32,
            member_id: self.member_id(),
            group_instance_id: s.instance_id.clone(),
            protocol_type: PROTOCOL_TYPE.into(),
            protocols,
            ..Default::default()
        };
        // The broker waits up to the rebalance timeout for every member to join.
        let resp = loop {
            let resp = conn.send(&join).await?;
            if resp.error_code == 79 {
                // MEMBER_ID_REQUIRED: join again with the id the broker gave us.
                join.member_id = resp.member_id.clone();
                self.state().member_id = resp.member_id.clone();
                continue;
            }
            if resp.error_code != 0 {
                return Err(Error::broker(resp.error_code, format!("join group {}", s.group_id)));
            }
            break resp;
        };
        self.state().member_id = resp.member_id.clone();
        let protocol = resp.protocol_name.clone().unwrap_or_default();

        let leader = resp.leader == resp.member_id && !resp.skip_assignment;
        let assignments = if leader { self.assign(&protocol, &resp.members).await? } else { Vec::new() };
        if !leader {
            self.state().leader_counts = None;
        }
        let sync = SyncGroupRequest {
            group_id: s.group_id.clone(),
            generation_id: resp.generation_id,
            member_id: resp.member_id.clone(),
            group_instance_id: s.instance_id.clone(),
            protocol_type: Some(PROTOCOL_TYPE.into()),
            protocol_name: Some(protocol.clone()),
            assignments,
            ..Default::default()
        };
        let sresp = conn.send(&sync).await?;
        if sresp.error_code != 0 {
            return Err(Error::broker(sresp.error_code, format!("sync group {}", s.group_id)));
        }
        let assignment = decode_assignment(&sresp.assignment)?;
        let mine: Partitions = assignment
            .partitions
            .into_iter()
            .filter(|(t, p)| s.topics.contains(t) && !p.is_empty())
            .map(|(t, mut p)| {
                p.sort_unstable();
                p.dedup();
                (t, p)
            })
            .collect();
        let chosen_eager = self
            .assignors
            .iter()
            .find(|a| a.name() == protocol)
            .is_none_or(|a| a.protocol() == RebalanceProtocol::Eager);
        if cooperative && chosen_eager {
            // The group runs an eager protocol after all: behave eagerly.
            self.revoke_all();
        }
        let generation = resp.generation_id;
        let old = self.assigned();
        let revoked = minus(&old, &mine);
        let added = minus(&mine, &old);
        self.state().generation = generation;
        if !revoked.is_empty() {
            // Cooperative: only what moves away is revoked. Delivery of it stops first, then
            // what was gathered of it is committed (as the new generation, which the broker
            // accepts), then it is no longer ours.
            let _ = self.events.send(GroupEvent::Revoked { partitions: revoked.clone() });
            let _ = self.flush(false).await;
            let mut st = self.state();
            for (t, ps) in &revoked {
                for p in ps {
                    st.since.remove(&(t.clone(), *p));
                }
            }
        }
        {
            let mut st = self.state();
            for (t, ps) in &added {
                for p in ps {
                    st.since.insert((t.clone(), *p), generation);
                }
            }
            st.assigned = mine.clone();
        }
        let _ = self.events.send(GroupEvent::Assigned { generation, partitions: added, owned: mine });
        Ok((generation, !revoked.is_empty()))
    }

    /// As group leader: every member's subscription, the partitions of every subscribed topic,
    /// and the chosen assignor's plan.
    async fn assign(
        &self,
        protocol: &str,
        members: &[crate::protocol::messages::join_group_response::JoinGroupResponseMember],
    ) -> Result<Vec<SyncGroupRequestAssignment>> {
        let assignor = self.assignors.iter().find(|a| a.name() == protocol).ok_or_else(|| {
            Error::new(code::STATE, format!("the group chose assignor {protocol}, which this member lacks"))
        })?;
        let mut decoded = Vec::with_capacity(members.len());
        let mut topics: Vec<String> = Vec::new();
        for m in members {
            let sub = decode_subscription(&m.metadata)?;
            for t in &sub.topics {
                if !topics.contains(t) {
                    topics.push(t.clone());
                }
            }
            decoded.push(Member::from_subscription(m.member_id.clone(), m.group_instance_id.clone(), sub));
        }
        let mut partitions: Partitions = BTreeMap::new();
        let mut racks = PartitionRacks::new();
        for t in topics {
            if let Some(info) = self.partitions_of(&t).await {
                racks.extend(leader_racks(&info, |b| self.cluster.broker_rack(b)));
                partitions.insert(t, info.partitions.iter().map(|p| p.id).collect());
            }
        }
        self.state().leader_counts = Some(topic_counts(&self.settings.topics, &partitions));
        // The rack of each partition's leader, from the cluster's metadata (none when the
        // brokers set no broker.rack): rack-aware assignors place by it.
        let plan = assignor.assign_with_racks(&decoded, &partitions, &racks);
        decoded
            .iter()
            .map(|m| {
                let a =
                    Assignment { partitions: plan.get(&m.id).cloned().unwrap_or_default(), user_data: None };
                Ok(SyncGroupRequestAssignment {
                    member_id: m.id.clone(),
                    assignment: encode_assignment(&a, 3)?,
                    ..Default::default()
                })
            })
            .collect()
    }

    /// A topic's partitions for an assignment. Right after a topic is created its metadata may
    /// still say unknown or leaderless: wait that out (a few seconds at most) rather than hand
    /// out nothing. A topic that really does not exist has no partitions to give out.
    async fn partitions_of(&self, topic: &str) -> Option<Arc<crate::cluster::TopicInfo>> {
        let mut backoff = Duration::from_millis(50);
        for _ in 0..10 {
            match self.cluster.topic(topic, true, false).await {
                Ok(info) if info.partitions.iter().all(|p| p.leader >= 0) => {
                    return Some(info);
                }
                Err(e) if !e.is_retriable() => return None,
                _ => {}
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
        None
    }

    /// Heartbeats until the coordinator says the group rebalances (then returns Ok to rejoin)
    /// or membership is lost (an error).
    async fn heartbeat_until_rebalance(&self, generation: i32) -> Result<()> {
        let s = &self.settings;
        let mut last_watch = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(s.heartbeat_interval).await;
            if let Some(every) = s.watch_partitions {
                if last_watch.elapsed() >= every {
                    last_watch = tokio::time::Instant::now();
                    if self.partitions_changed().await {
                        // As leader: join again, which makes the group rebalance and the new
                        // partitions get assigned.
                        return Ok(());
                    }
                }
            }
            let conn = self.coordinator().await?;
            let resp = conn
                .send(&HeartbeatRequest {
                    group_id: s.group_id.clone(),
                    generation_id: generation,
                    member_id: self.member_id(),
                    group_instance_id: s.instance_id.clone(),
                    ..Default::default()
                })
                .await?;
            match resp.error_code {
                0 => {}
                27 => return Ok(()), // REBALANCE_IN_PROGRESS: join the next generation
                c => return Err(Error::broker(c, format!("heartbeat in group {}", s.group_id))),
            }
        }
    }

    /// As leader: whether a subscribed topic's partition count differs from the one the current
    /// assignment was made with. kafka-go has every member watch; here only the leader does,
    /// since only a leader's JoinGroup with unchanged metadata makes a stable group rebalance
    /// (and the leader's view is what the assignment uses). Metadata errors count as no change.
    async fn partitions_changed(&self) -> bool {
        let Some(counts) = self.state().leader_counts.clone() else { return false };
        for (topic, count) in counts {
            if let Ok(info) = self.cluster.topic(&topic, true, false).await {
                if info.partitions.len() != count {
                    return true;
                }
            }
        }
        false
    }

    /// The committed offset of each partition (-1 for none).
    pub async fn committed(&self, partitions: &Partitions) -> Result<BTreeMap<(String, i32), i64>> {
        let conn = self.coordinator().await?;
        let topics: Vec<OffsetFetchRequestTopic> = partitions
            .iter()
            .map(|(t, ps)| OffsetFetchRequestTopic {
                name: t.clone(),
                partition_indexes: ps.clone(),
                ..Default::default()
            })
            .collect();
        let mut group_topics = Vec::new();
        for (t, ps) in partitions {
            let id = self.cluster.topic(t, false, false).await.map(|i| i.id).unwrap_or_default();
            group_topics.push(OffsetFetchRequestTopics {
                name: t.clone(),
                topic_id: id,
                partition_indexes: ps.clone(),
                ..Default::default()
            });
        }
        let req = OffsetFetchRequest {
            group_id: self.settings.group_id.clone(),
            topics: Some(topics),
            groups: vec![OffsetFetchRequestGroup {
                group_id: self.settings.group_id.clone(),
                topics: Some(group_topics),
                member_epoch: -1,
                ..Default::default()
            }],
            require_stable: true,
            ..Default::default()
        };
        let resp = conn.send(&req).await?;
        let mut out = BTreeMap::new();
        if let Some(g) = resp.groups.first() {
            if g.error_code != 0 {
                return Err(Error::broker(g.error_code, "offset fetch"));
            }
            for t in &g.topics {
                let name = if t.name.is_empty() {
                    self.topic_name(&t.topic_id, partitions).await
                } else {
                    t.name.clone()
                };
                for p in &t.partitions {
                    if p.error_code != 0 {
                        return Err(Error::broker(
                            p.error_code,
                            format!("offset fetch {name}/{}", p.partition_index),
                        ));
                    }
                    out.insert((name.clone(), p.partition_index), p.committed_offset);
                }
            }
        } else {
            if resp.error_code != 0 {
                return Err(Error::broker(resp.error_code, "offset fetch"));
            }
            for t in &resp.topics {
                for p in &t.partitions {
                    if p.error_code != 0 {
                        return Err(Error::broker(
                            p.error_code,
                            format!("offset fetch {}/{}", t.name, p.partition_index),
                        ));
                    }
                    out.insert((t.name.clone(), p.partition_index), p.committed_offset);
                }
            }
        }
        Ok(out)
    }

    async fn topic_name(&self, id: &[u8; 16], candidates: &Partitions) -> String {
        for t in candidates.keys() {
            if let Ok(info) = self.cluster.topic(t, false, false).await {
                if &info.id == id {
                    return t.clone();
                }
            }
        }
        String::new()
    }

    /// Commits `offsets` (the next offset to read, per partition) as generation `generation`.
    /// Refused with ILLEGAL_GENERATION (22) without asking the broker when the generation is
    /// over, or for a partition this member no longer owns.
    /// While the group completes a rebalance the broker answers REBALANCE_IN_PROGRESS: the
    /// commit is tried again (as the generation then current, if the partitions are still ours).
    pub async fn commit(&self, generation: i32, offsets: &BTreeMap<(String, i32), i64>) -> Result<()> {
        let tagged = offsets.iter().map(|(k, o)| (k.clone(), (generation, *o))).collect();
        self.commit_tagged(&tagged).await
    }

    /// [`GroupMember::commit`] with a generation per partition: `offsets` maps each partition to
    /// (the generation its messages were fetched in, the next offset). All are checked before
    /// anything is sent; one request commits them.
    pub async fn commit_tagged(&self, offsets: &BTreeMap<(String, i32), (i32, i64)>) -> Result<()> {
        loop {
            match self.commit_once(offsets).await {
                Err(e) if e.code() == 27 && !self.state().left => {
                    tokio::time::sleep(self.settings.backoff).await;
                }
                r => return r,
            }
        }
    }

    async fn commit_once(&self, offsets: &BTreeMap<(String, i32), (i32, i64)>) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let (member_id, current, since) = {
            let st = self.state();
            (st.member_id.clone(), st.generation, st.since.clone())
        };
        // A partition kept without a break since `generation` (cooperative rebalances keep
        // partitions across generations) still takes the commit, as the current generation.
        for ((t, p), (generation, _)) in offsets {
            if *generation > current {
                return Err(Error::broker(
                    22,
                    format!("commit for generation {generation}, the group is at {current}"),
                ));
            }
            match since.get(&(t.clone(), *p)) {
                None => {
                    return Err(Error::broker(22, format!("commit for {t}/{p}, which this member does not own")))
                }
                Some(s) if *s > *generation => {
                    return Err(Error::broker(
                        22,
                        format!("commit for {t}/{p} from generation {generation}, which ended (the group is at {current})"),
                    ))
                }
                Some(_) => {}
            }
        }
        let mut topics: BTreeMap<String, OffsetCommitRequestTopic> = BTreeMap::new();
        for ((t, p), (_, off)) in offsets {
            let id = self.cluster.topic(t, false, false).await.map(|i| i.id).unwrap_or_default();
            topics
                .entry(t.clone())
                .or_insert_with(|| OffsetCommitRequestTopic {
                    name: t.clone(),
                    topic_id: id,
                    ..Default::default()
                })
                .partitions
                .push(OffsetCommitRequestPartition {
                    partition_index: *p,
                    committed_offset: *off,
                    committed_leader_epoch: -1,
                    ..Default::default()
                });
        }
        let conn = self.coordinator().await?;
        let resp = conn
            .send(&OffsetCommitRequest {
                group_id: self.settings.group_id.clone(),
                generation_id_or_member_epoch: current,
                member_id,
                group_instance_id: self.settings.instance_id.clone(),
                retention_time_ms: -1,
                topics: topics.into_values().collect(),
                ..Default::default()
            })
            .await?;
        for t in resp.topics {
            for p in t.partitions {
                if p.error_code != 0 {
                    return Err(Error::broker(
                        p.error_code,
                        format!("commit {}/{}", t.name, p.partition_index),
                    ));
                }
            }
        }
        // Offsets gathered earlier and now overtaken must not be committed later: that would
        // move an offset backwards.
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        staged.retain(|k, (_, o)| offsets.get(k).is_none_or(|(_, done)| *o > *done));
        Ok(())
    }

    /// Gathers offsets for [`GroupMember::flush_staged`]; per partition the highest wins.
    pub fn stage(&self, generation: i32, offsets: &BTreeMap<(String, i32), i64>) {
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        for (k, o) in offsets {
            let e = staged.entry(k.clone()).or_insert((generation, *o));
            if (generation, *o) > *e {
                *e = (generation, *o);
            }
        }
    }

    /// Commits the gathered offsets of partitions we still hold since the generation they were
    /// gathered in; the others are dropped, since their partitions may belong to someone else.
    pub async fn flush_staged(&self) -> Result<()> {
        self.flush(true).await
    }

    /// [`GroupMember::flush_staged`]; the membership task itself must not wait out a rebalance
    /// (it is what completes it), so it tries once.
    async fn flush(&self, retry: bool) -> Result<()> {
        let staged = std::mem::take(&mut *self.staged.lock().unwrap_or_else(|p| p.into_inner()));
        let since = self.state().since.clone();
        let offsets: BTreeMap<(String, i32), (i32, i64)> =
            staged.into_iter().filter(|(k, (g, _))| since.get(k).is_some_and(|s| s <= g)).collect();
        let result =
            if retry { self.commit_tagged(&offsets).await } else { self.commit_once(&offsets).await };
        if result.is_err() {
            // Not committed: keep them for the next try (dropped once their partition is gone).
            for (k, (g, o)) in offsets {
                self.stage(g, &BTreeMap::from([(k, o)]));
            }
        }
        result
    }

    /// Leaves the group (a static member stays registered until its session times out, as Kafka
    /// intends) and stops the membership task.
    pub async fn leave(&self) -> Result<()> {
        let (member_id, was) = {
            let mut st = self.state();
            let was = !st.left;
            st.left = true;
            (st.member_id.clone(), was)
        };
        self.stop.notify_one();
        if !was || member_id.is_empty() || self.settings.instance_id.is_some() {
            return Ok(());
        }
        let conn = self.coordinator().await?;
        let resp = conn
            .send(&LeaveGroupRequest {
                group_id: self.settings.group_id.clone(),
                member_id: member_id.clone(),
                members: vec![MemberIdentity { member_id, ..Default::default() }],
                ..Default::default()
            })
            .await?;
        if let Some(c) = self.coordinator_conn.lock().await.take() {
            c.close();
        }
        if resp.error_code != 0 {
            return Err(Error::broker(resp.error_code, "leave group"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{PartitionInfo, TopicInfo};
    use crate::group::assignor::RackAffinityAssignor;

    fn topic(leaders: &[i32]) -> TopicInfo {
        TopicInfo {
            name: "t".into(),
            id: [0; 16],
            error_code: 0,
            is_internal: false,
            partitions: leaders
                .iter()
                .enumerate()
                .map(|(i, l)| PartitionInfo {
                    topic: "t".into(),
                    id: i as i32,
                    leader: *l,
                    leader_epoch: 0,
                    replicas: vec![*l],
                    isr: vec![*l],
                    offline_replicas: vec![],
                    error_code: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn leader_racks_follow_the_leaders_brokers() {
        // Brokers 1 and 2 in racks a and b, broker 3 without a rack.
        let rack_of = |b: i32| match b {
            1 => Some("a".to_string()),
            2 => Some("b".to_string()),
            _ => None,
        };
        let racks = leader_racks(&topic(&[1, 2, 3, 2, 1, 3]), rack_of);
        let want: PartitionRacks = [(0, "a"), (1, "b"), (3, "b"), (4, "a")]
            .into_iter()
            .map(|(p, r)| (("t".to_string(), p), r.to_string()))
            .collect();
        assert_eq!(racks, want);
    }

    #[test]
    fn rack_affinity_places_partitions_by_their_leaders_rack() {
        // What the leader hands the assignor: members in racks a and b get the partitions led
        // in their rack; without racks the same members get a plain split.
        let info = topic(&[1, 2, 1, 2, 1, 2]);
        let racks = leader_racks(&info, |b| Some(if b == 1 { "a" } else { "b" }.to_string()));
        let partitions: Partitions = BTreeMap::from([("t".to_string(), (0..6).collect())]);
        let members = vec![
            Member { rack: Some("b".into()), ..Member::new("m1", &["t"]) },
            Member { rack: Some("a".into()), ..Member::new("m2", &["t"]) },
        ];
        let assignor = RackAffinityAssignor::new(None);
        let plan = assignor.assign_with_racks(&members, &partitions, &racks);
        assert_eq!(plan["m1"]["t"], vec![1, 3, 5]);
        assert_eq!(plan["m2"]["t"], vec![0, 2, 4]);
        let plain = assignor.assign_with_racks(&members, &partitions, &PartitionRacks::new());
        assert_ne!(plain["m1"]["t"], vec![1, 3, 5]);
    }
}
