//! The classic consumer-group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup): states,
//! generations, leader election, MEMBER_ID_REQUIRED (JoinGroup v4+), rebalance and session
//! timeouts. Responses that must wait (JoinGroup until every member rejoined, SyncGroup until the
//! leader sent the assignment) are oneshot channels completed under the cluster lock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::errors as ec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// What a waiting JoinGroup gets.
#[derive(Debug, Default)]
pub struct JoinResult {
    pub error: i16,
    pub generation: i32,
    pub protocol_type: String,
    pub protocol_name: String,
    pub leader: String,
    pub member_id: String,
    /// (member id, instance id, metadata): filled for the leader only.
    pub members: Vec<(String, Option<String>, Bytes)>,
}

pub struct Member {
    pub id: String,
    pub instance_id: Option<String>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub protocols: Vec<(String, Bytes)>,
    pub last_seen: Instant,
    pub join_waiter: Option<oneshot::Sender<JoinResult>>,
    pub sync_waiter: Option<oneshot::Sender<(i16, Bytes)>>,
    pub assignment: Bytes,
}

pub struct Group {
    pub state: GroupState,
    pub generation: i32,
    pub protocol_type: String,
    pub protocol_name: String,
    pub leader: Option<String>,
    /// In join order: the first member is the leader when a new one must be chosen.
    pub members: Vec<Member>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, with when they expire.
    pub pending: HashMap<String, Instant>,
    pub rebalance_deadline: Option<Instant>,
    /// The earliest time an initial rebalance (from Empty) may complete.
    pub initial_ready: Option<Instant>,
    pub offsets: HashMap<(String, i32), (i64, i32, Option<String>)>,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            state: GroupState::Empty,
            generation: 0,
            protocol_type: String::new(),
            protocol_name: String::new(),
            leader: None,
            members: Vec::new(),
            pending: HashMap::new(),
            rebalance_deadline: None,
            initial_ready: None,
            offsets: HashMap::new(),
        }
    }
}

pub struct JoinArgs {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    pub require_known_member_id: bool,
}

/// What a JoinGroup gets right away: an error, or a channel the result arrives on.
pub enum JoinOutcome {
    Now(JoinResult),
    Wait(oneshot::Receiver<JoinResult>),
}

pub enum SyncOutcome {
    Now(i16, Bytes),
    Wait(oneshot::Receiver<(i16, Bytes)>),
}

impl Group {
    fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.id == id)
    }

    pub fn has_member(&self, id: &str) -> bool {
        self.members.iter().any(|m| m.id == id)
    }

    pub fn join(
        &mut self,
        a: JoinArgs,
        new_id: impl FnOnce() -> String,
        initial_delay: Duration,
    ) -> JoinOutcome {
        let now = Instant::now();
        let err = |e: i16, member_id: String| {
            JoinOutcome::Now(JoinResult { error: e, member_id, ..Default::default() })
        };
        if a.session_timeout_ms <= 0 || a.rebalance_timeout_ms < -1 {
            return err(ec::INVALID_SESSION_TIMEOUT, a.member_id);
        }
        if a.protocols.is_empty()
            || (!self.members.is_empty()
                && (a.protocol_type != self.protocol_type
                    || !a.protocols.iter().any(|(n, _)| self.common_protocols().contains(n))))
        {
            return err(ec::INCONSISTENT_GROUP_PROTOCOL, a.member_id);
        }
        let session = Duration::from_millis(a.session_timeout_ms as u64);
        let rebalance = if a.rebalance_timeout_ms < 0 {
            session
        } else {
            Duration::from_millis(a.rebalance_timeout_ms as u64)
        };
        let id = if a.member_id.is_empty() {
            let id = format!("{}-{}", a.client_id, new_id());
            if a.require_known_member_id {
                self.pending.insert(id.clone(), now + session);
                return err(ec::MEMBER_ID_REQUIRED, id);
            }
            id
        } else {
            if self.pending.remove(&a.member_id).is_none() && !self.has_member(&a.member_id) {
                return err(ec::UNKNOWN_MEMBER_ID, a.member_id);
            }
            a.member_id
        };
        if self.members.is_empty() {
            self.protocol_type = a.protocol_type.clone();
        }
        let (tx, rx) = oneshot::channel();
        match self.member_mut(&id) {
            Some(m) => {
                m.protocols = a.protocols;
                m.session_timeout = session;
                m.rebalance_timeout = rebalance;
                m.last_seen = now;
                m.join_waiter = Some(tx);
            }
            None => self.members.push(Member {
                id: id.clone(),
                instance_id: a.instance_id,
                session_timeout: session,
                rebalance_timeout: rebalance,
                protocols: a.protocols,
                last_seen: now,
                join_waiter: Some(tx),
                sync_waiter: None,
                assignment: Bytes::new(),
            }),
        }
        if self.state != GroupState::PreparingRebalance {
            let from_empty = self.state == GroupState::Empty;
            self.prepare_rebalance();
            if from_empty && !initial_delay.is_zero() {
                self.initial_ready = Some(now + initial_delay);
            }
        }
        self.maybe_complete_join(false);
        JoinOutcome::Wait(rx)
    }

    fn common_protocols(&self) -> Vec<String> {
        let Some(first) = self.members.first() else { return Vec::new() };
        first
            .protocols
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| self.members.iter().all(|m| m.protocols.iter().any(|(p, _)| p == n)))
            .collect()
    }

    /// Starts a rebalance: pending SyncGroups learn of it, everyone must rejoin.
    pub fn prepare_rebalance(&mut self) {
        for m in &mut self.members {
            if let Some(w) = m.sync_waiter.take() {
                let _ = w.send((ec::REBALANCE_IN_PROGRESS, Bytes::new()));
            }
        }
        self.state = GroupState::PreparingRebalance;
        let timeout = self.members.iter().map(|m| m.rebalance_timeout).max().unwrap_or_default();
        self.rebalance_deadline = Some(Instant::now() + timeout);
    }

    /// Completes the join phase once every member rejoined, or at the deadline (`expired`),
    /// dropping the members that did not.
    pub fn maybe_complete_join(&mut self, expired: bool) {
        if self.state != GroupState::PreparingRebalance {
            return;
        }
        if !expired && self.initial_ready.is_some_and(|t| Instant::now() < t) {
            return;
        }
        let all_joined = self.members.iter().all(|m| m.join_waiter.is_some());
        if !all_joined && !expired {
            return;
        }
        self.members.retain(|m| m.join_waiter.is_some());
        self.initial_ready = None;
        self.rebalance_deadline = None;
        self.generation += 1;
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.leader = None;
            self.protocol_name.clear();
            return;
        }
        // The protocol: every member votes for its first choice among those all support.
        let common = self.common_protocols();
        let mut votes: Vec<(String, usize)> = common.iter().map(|c| (c.clone(), 0)).collect();
        for m in &self.members {
            if let Some((name, _)) = m.protocols.iter().find(|(n, _)| common.contains(n)) {
                if let Some(v) = votes.iter_mut().find(|(c, _)| c == name) {
                    v.1 += 1;
                }
            }
        }
        let best = votes.iter().map(|(_, n)| *n).max().unwrap_or(0);
        self.protocol_name =
            votes.iter().find(|(_, n)| *n == best).map(|(c, _)| c.clone()).unwrap_or_default();
        if !self.leader.as_ref().is_some_and(|l| self.has_member(l)) {
            self.leader = Some(self.members[0].id.clone());
        }
        let leader = self.leader.clone().unwrap_or_default();
        let proto = self.protocol_name.clone();
        let all: Vec<(String, Option<String>, Bytes)> = self
            .members
            .iter()
            .map(|m| {
                let meta =
                    m.protocols.iter().find(|(n, _)| *n == proto).map(|(_, b)| b.clone()).unwrap_or_default();
                (m.id.clone(), m.instance_id.clone(), meta)
            })
            .collect();
        let now = Instant::now();
        self.state = GroupState::CompletingRebalance;
        for m in &mut self.members {
            m.last_seen = now;
            m.assignment = Bytes::new();
            if let Some(w) = m.join_waiter.take() {
                let _ = w.send(JoinResult {
                    error: ec::NONE,
                    generation: self.generation,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: proto.clone(),
                    leader: leader.clone(),
                    member_id: m.id.clone(),
                    members: if m.id == leader { all.clone() } else { Vec::new() },
                });
            }
        }
    }

    pub fn sync(
        &mut self,
        member_id: &str,
        generation: i32,
        assignments: Vec<(String, Bytes)>,
    ) -> SyncOutcome {
        let Some(idx) = self.members.iter().position(|m| m.id == member_id) else {
            return SyncOutcome::Now(ec::UNKNOWN_MEMBER_ID, Bytes::new());
        };
        if generation != self.generation {
            return SyncOutcome::Now(ec::ILLEGAL_GENERATION, Bytes::new());
        }
        self.members[idx].last_seen = Instant::now();
        match self.state {
            GroupState::Empty | GroupState::PreparingRebalance => {
                SyncOutcome::Now(ec::REBALANCE_IN_PROGRESS, Bytes::new())
            }
            GroupState::Stable => SyncOutcome::Now(ec::NONE, self.members[idx].assignment.clone()),
            GroupState::CompletingRebalance => {
                let (tx, rx) = oneshot::channel();
                self.members[idx].sync_waiter = Some(tx);
                if self.leader.as_deref() == Some(member_id) {
                    for m in &mut self.members {
                        m.assignment = assignments
                            .iter()
                            .find(|(id, _)| *id == m.id)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                    }
                    self.state = GroupState::Stable;
                    for m in &mut self.members {
                        if let Some(w) = m.sync_waiter.take() {
                            let _ = w.send((ec::NONE, m.assignment.clone()));
                        }
                    }
                }
                SyncOutcome::Wait(rx)
            }
        }
    }

    pub fn heartbeat(&mut self, member_id: &str, generation: i32) -> i16 {
        let state = self.state;
        let gen = self.generation;
        let Some(m) = self.member_mut(member_id) else { return ec::UNKNOWN_MEMBER_ID };
        m.last_seen = Instant::now();
        if state == GroupState::PreparingRebalance {
            return ec::REBALANCE_IN_PROGRESS;
        }
        if generation != gen {
            return ec::ILLEGAL_GENERATION;
        }
        ec::NONE
    }

    pub fn leave(&mut self, member_id: &str) -> i16 {
        let Some(idx) = self.members.iter().position(|m| m.id == member_id) else {
            return ec::UNKNOWN_MEMBER_ID;
        };
        let m = self.members.remove(idx);
        if let Some(w) = m.join_waiter {
            let _ = w.send(JoinResult {
                error: ec::UNKNOWN_MEMBER_ID,
                member_id: m.id.clone(),
                ..Default::default()
            });
        }
        if let Some(w) = m.sync_waiter {
            let _ = w.send((ec::UNKNOWN_MEMBER_ID, Bytes::new()));
        }
        self.member_left();
        ec::NONE
    }

    fn member_left(&mut self) {
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.generation += 1;
            self.leader = None;
            self.rebalance_deadline = None;
        } else if self.state != GroupState::PreparingRebalance {
            self.prepare_rebalance();
        }
        self.maybe_complete_join(false);
    }

    /// Session and rebalance timeouts; called periodically.
    pub fn tick(&mut self, now: Instant) {
        self.pending.retain(|_, exp| *exp > now);
        if self.state == GroupState::PreparingRebalance {
            if self.rebalance_deadline.is_some_and(|d| now >= d) {
                self.maybe_complete_join(true);
            } else {
                self.maybe_complete_join(false);
            }
            return;
        }
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|m| {
                m.join_waiter.is_none() && m.sync_waiter.is_none() && now >= m.last_seen + m.session_timeout
            })
            .map(|m| m.id.clone())
            .collect();
        for id in expired {
            self.leave(&id);
        }
    }

    /// Whether an OffsetCommit with this generation and member may commit (error otherwise).
    pub fn commit_check(&self, generation: i32, member_id: &str) -> i16 {
        if generation < 0 && member_id.is_empty() {
            return if self.state == GroupState::Empty { ec::NONE } else { ec::UNKNOWN_MEMBER_ID };
        }
        if !self.has_member(member_id) {
            return ec::UNKNOWN_MEMBER_ID;
        }
        if generation != self.generation {
            return ec::ILLEGAL_GENERATION;
        }
        if self.state == GroupState::PreparingRebalance {
            return ec::REBALANCE_IN_PROGRESS;
        }
        ec::NONE
    }
}
