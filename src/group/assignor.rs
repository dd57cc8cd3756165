//! Partition assignors: how the group leader divides the subscribed topics' partitions among the
//! members.
//!
//! * [`RangeAssignor`] ("range") and [`RoundRobinAssignor`] ("roundrobin") follow the Java
//!   client's assignors of the same names.
//! * [`RackAffinityAssignor`] ("rack-affinity") follows kafka-go's `RackAffinityGroupBalancer`:
//!   partitions go preferably to members in the rack of the partition's leader.
//! * [`CooperativeStickyAssignor`] ("cooperative-sticky") follows the Java client's assignor: a
//!   balanced assignment that keeps as many owned partitions as it can, and in the cooperative
//!   protocol withholds a partition moving between members until its old owner has revoked it.
//!
//! Every assignor is deterministic: the same members (in any order) and partitions give the same
//! assignment. Each result has an entry for every member, empty when it gets nothing; partition
//! lists are sorted. Member ids must be unique (a repeated id keeps its first entry). Partition
//! lists may be in any order; duplicates are ignored. Topics a member subscribes to that are not in
//! `partitions` (no metadata yet) are skipped, as in the Java client.
//!
//! Deviations from the reference clients, all in how ties are broken: where Java iterates a
//! `HashMap` (the sticky assignor's members) or kafka-go a Go map (rack affinity's racks) this
//! code uses sorted order, so the partition counts and the guarantees are the reference's but
//! which member gets which extra partition can differ. Member ids compare by bytes (UTF-8), Java's
//! by UTF-16 units; they differ only for ids mixing characters above U+FFFF with U+E000..U+FFFF.
//! The rack-aware variants of Java's range and sticky assignors (KIP-881) are not implemented.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use bytes::Bytes;

use super::protocol::{Subscription, TopicPartitions};

/// Partitions by topic, for each member id.
pub type GroupAssignment = BTreeMap<String, TopicPartitions>;

/// The rack of each partition's leader, by (topic, partition).
pub type PartitionRacks = BTreeMap<(String, i32), String>;

/// How a group moves partitions between members when it rebalances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceProtocol {
    /// Every member revokes all its partitions before rejoining ("stop the world").
    Eager,
    /// Members keep their partitions while rejoining and revoke only those assigned elsewhere.
    Cooperative,
}

/// One group member as the leader sees it, from its JoinGroup subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member id the coordinator gave it.
    pub id: String,
    /// Its group instance id, for static members.
    pub instance_id: Option<String>,
    /// The topics it subscribes to.
    pub topics: Vec<String>,
    /// The partitions it owns now (subscription v1+).
    pub owned: TopicPartitions,
    /// The generation in which it got `owned`; -1 when unknown.
    pub generation: i32,
    /// Its rack (subscription v3+).
    pub rack: Option<String>,
    /// The assignor-specific user data of its subscription.
    pub user_data: Option<Bytes>,
}

impl Default for Member {
    fn default() -> Self {
        Member {
            id: String::new(),
            instance_id: None,
            topics: Vec::new(),
            owned: TopicPartitions::new(),
            generation: -1,
            rack: None,
            user_data: None,
        }
    }
}

impl Member {
    /// A member subscribing to `topics` that owns nothing.
    pub fn new(id: impl Into<String>, topics: &[&str]) -> Self {
        Member { id: id.into(), topics: topics.iter().map(|t| t.to_string()).collect(), ..Default::default() }
    }

    /// The member described by a decoded JoinGroup subscription.
    pub fn from_subscription(id: impl Into<String>, instance_id: Option<String>, sub: Subscription) -> Self {
        Member {
            id: id.into(),
            instance_id,
            topics: sub.topics,
            owned: sub.owned_partitions,
            generation: sub.generation_id,
            rack: sub.rack_id,
            user_data: sub.user_data,
        }
    }
}

/// A partition assignment strategy, named in JoinGroup's protocol list.
pub trait Assignor: Send + Sync {
    /// The protocol name members agree on ("range", "roundrobin", ...).
    fn name(&self) -> &'static str;

    /// Assigns the partitions of every topic some member subscribes to (`partitions`: the ids
    /// of each topic's partitions) to the members subscribing to it.
    fn assign(&self, members: &[Member], partitions: &TopicPartitions) -> GroupAssignment;

    /// [`Assignor::assign`] knowing the rack of each partition's leader. Only rack-aware
    /// assignors use `racks`; the others ignore it.
    fn assign_with_racks(
        &self,
        members: &[Member],
        partitions: &TopicPartitions,
        racks: &PartitionRacks,
    ) -> GroupAssignment {
        let _ = racks;
        self.assign(members, partitions)
    }

    /// The rebalance protocol the assignor is written for.
    fn protocol(&self) -> RebalanceProtocol {
        RebalanceProtocol::Eager
    }

    /// The user data a member using this assignor puts in its subscription, given the generation
    /// of the partitions it owns (-1 if none).
    fn subscription_user_data(&self, generation: i32) -> Option<Bytes> {
        let _ = generation;
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// The members, first entry per id.
fn unique(members: &[Member]) -> Vec<&Member> {
    let mut seen = BTreeSet::new();
    members.iter().filter(|m| seen.insert(m.id.as_str())).collect()
}

/// Each topic's partition ids, sorted and deduplicated.
fn normalize(partitions: &TopicPartitions) -> BTreeMap<&str, Vec<i32>> {
    partitions
        .iter()
        .map(|(t, p)| {
            let mut p = p.clone();
            p.sort_unstable();
            p.dedup();
            (t.as_str(), p)
        })
        .collect()
}

/// Java's member order (`MemberInfo`): static members first, by group instance id, then the
/// others by member id.
fn java_member_order(a: &Member, b: &Member) -> Ordering {
    match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.id.cmp(&b.id))
}

fn subscribes(m: &Member, topic: &str) -> bool {
    m.topics.iter().any(|t| t == topic)
}

/// An entry for every member, all empty.
fn empty_assignment(members: &[&Member]) -> GroupAssignment {
    members.iter().map(|m| (m.id.clone(), TopicPartitions::new())).collect()
}

fn give(out: &mut GroupAssignment, member: &str, topic: &str, partition: i32) {
    let topics = out.get_mut(member).expect("every member has an entry");
    topics.entry(topic.to_string()).or_default().push(partition);
}

/// Sorts every partition list.
fn sorted(mut out: GroupAssignment) -> GroupAssignment {
    for topics in out.values_mut() {
        for p in topics.values_mut() {
            p.sort_unstable();
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Range

/// Java's `RangeAssignor` ("range"): for each topic, the members subscribing to it in Java's order
/// (static members by group instance id, then the rest by member id) each get a contiguous range
/// of its partitions; with n partitions and m members the first n % m members get one extra.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeAssignor;

impl Assignor for RangeAssignor {
    fn name(&self) -> &'static str {
        "range"
    }

    fn assign(&self, members: &[Member], partitions: &TopicPartitions) -> GroupAssignment {
        let mut members = unique(members);
        members.sort_by(|a, b| java_member_order(a, b));
        let mut out = empty_assignment(&members);
        for (topic, parts) in normalize(partitions) {
            let consumers: Vec<&Member> = members.iter().copied().filter(|m| subscribes(m, topic)).collect();
            if consumers.is_empty() {
                continue;
            }
            let (per, extra) = (parts.len() / consumers.len(), parts.len() % consumers.len());
            for (i, m) in consumers.iter().enumerate() {
                let start = per * i + i.min(extra);
                let len = per + usize::from(i < extra);
                for &p in &parts[start..start + len] {
                    give(&mut out, &m.id, topic, p);
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Round robin

/// Java's `RoundRobinAssignor` ("roundrobin"): every subscribed partition, sorted by topic then
/// partition, goes to the next member in Java's order (static members by group instance id, then
/// the rest by member id) that subscribes to its topic, cycling through the members.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundRobinAssignor;

impl Assignor for RoundRobinAssignor {
    fn name(&self) -> &'static str {
        "roundrobin"
    }

    fn assign(&self, members: &[Member], partitions: &TopicPartitions) -> GroupAssignment {
        let mut members = unique(members);
        members.sort_by(|a, b| java_member_order(a, b));
        let mut out = empty_assignment(&members);
        let mut next = 0;
        for (topic, parts) in normalize(partitions) {
            if !members.iter().any(|m| subscribes(m, topic)) {
                continue;
            }
            for p in parts {
                while !subscribes(members[next], topic) {
                    next = (next + 1) % members.len();
                }
                give(&mut out, &members[next].id, topic, p);
                next = (next + 1) % members.len();
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Rack affinity

/// kafka-go's `RackAffinityGroupBalancer` ("rack-affinity"): topic by topic, each member gets
/// `n / m` or `n / m + 1` of the topic's partitions, preferably ones whose leader is in its rack.
///
/// A member's rack is [`Member::rack`] (subscription v3) or else its user data as a string, which is
/// how kafka-go members publish it (see [`Assignor::subscription_user_data`]). A partition's rack is
/// its leader's, from the `racks` of [`Assignor::assign_with_racks`]; `assign` knows no racks, so
/// only rackless members are "local" there. As in kafka-go, a member without a rack and a partition
/// whose leader has none count as being in the same ("") rack.
///
/// For each rack (in sorted order), its members (by member id) first get an equal share of the
/// rack's partitions, capped at `n / m` each, and then, while the topic's `n % m` extra slots last,
/// one more each; what is left goes to the members still under their share, in member id order.
/// kafka-go walks racks in Go's random map order and members in JoinGroup order.
#[derive(Debug, Clone, Default)]
pub struct RackAffinityAssignor {
    /// The local member's rack, sent as its subscription user data.
    pub rack: Option<String>,
}

impl RackAffinityAssignor {
    pub fn new(rack: Option<String>) -> Self {
        RackAffinityAssignor { rack }
    }
}

fn member_rack(m: &Member) -> String {
    match (&m.rack, &m.user_data) {
        (Some(r), _) => r.clone(),
        (None, Some(u)) => String::from_utf8_lossy(u).into_owned(),
        (None, None) => String::new(),
    }
}

/// One topic: `consumers` (member indices, in order) with their racks, `parts` with theirs.
fn rack_affinity_topic(consumers: &[(usize, &str)], parts: &[(i32, &str)]) -> Vec<(usize, i32)> {
    let target = parts.len() / consumers.len();
    let mut remainder = parts.len() % consumers.len();
    let mut zoned: BTreeMap<&str, VecDeque<i32>> = BTreeMap::new();
    for &(p, rack) in parts {
        zoned.entry(rack).or_default().push_back(p);
    }
    let mut counts: BTreeMap<usize, usize> = consumers.iter().map(|&(m, _)| (m, 0)).collect();
    let mut out = Vec::with_capacity(parts.len());
    for (rack, rack_parts) in zoned.iter_mut() {
        let local: Vec<usize> = consumers.iter().filter(|c| c.1 == *rack).map(|c| c.0).collect();
        if local.is_empty() {
            continue;
        }
        let per = (rack_parts.len() / local.len()).min(target);
        for &m in &local {
            for p in rack_parts.drain(..per) {
                out.push((m, p));
            }
            *counts.get_mut(&m).expect("a consumer") += per;
        }
        let mut leftover = rack_parts.len();
        if per == target {
            leftover = leftover.min(remainder).min(local.len());
            remainder -= leftover;
        }
        for &m in &local[..leftover] {
            out.push((m, rack_parts.pop_front().expect("counted")));
            *counts.get_mut(&m).expect("a consumer") += 1;
        }
    }
    let mut rest = zoned.into_values().flatten();
    for &(m, _) in consumers {
        let have = counts[&m];
        let mut want = target.saturating_sub(have);
        if have <= target && remainder > 0 {
            want += 1;
            remainder -= 1;
        }
        out.extend(rest.by_ref().take(want).map(|p| (m, p)));
    }
    debug_assert!(rest.next().is_none(), "every partition is placed");
    out
}

impl Assignor for RackAffinityAssignor {
    fn name(&self) -> &'static str {
        "rack-affinity"
    }

    fn assign(&self, members: &[Member], partitions: &TopicPartitions) -> GroupAssignment {
        self.assign_with_racks(members, partitions, &PartitionRacks::new())
    }

    fn assign_with_racks(
        &self,
        members: &[Member],
        partitions: &TopicPartitions,
        racks: &PartitionRacks,
    ) -> GroupAssignment {
        let mut members = unique(members);
        members.sort_by(|a, b| a.id.cmp(&b.id));
        let member_racks: Vec<String> = members.iter().map(|m| member_rack(m)).collect();
        let mut out = empty_assignment(&members);
        for (topic, parts) in normalize(partitions) {
            let consumers: Vec<(usize, &str)> = (0..members.len())
                .filter(|&i| subscribes(members[i], topic))
                .map(|i| (i, member_racks[i].as_str()))
                .collect();
            if consumers.is_empty() {
                continue;
            }
            let bounds = (topic.to_string(), i32::MIN)..=(topic.to_string(), i32::MAX);
            let topic_racks: BTreeMap<i32, &str> =
                racks.range(bounds).map(|((_, p), rack)| (*p, rack.as_str())).collect();
            let parts: Vec<(i32, &str)> =
                parts.iter().map(|p| (*p, topic_racks.get(p).copied().unwrap_or(""))).collect();
            for (m, p) in rack_affinity_topic(&consumers, &parts) {
                give(&mut out, &members[m].id, topic, p);
            }
        }
        sorted(out)
    }

    /// kafka-go's: the member's rack as bytes (empty without one).
    fn subscription_user_data(&self, _generation: i32) -> Option<Bytes> {
        Some(Bytes::from(self.rack.clone().unwrap_or_default()))
    }
}

// ---------------------------------------------------------------------------------------------
// Cooperative sticky

/// Java's `CooperativeStickyAssignor` ("cooperative-sticky").
///
/// It first computes a balanced target that keeps every member's valid owned partitions as far as
/// balance allows, then (the cooperative part) withholds from the target each partition that
/// another member still claims: that owner revokes it this round (it is not in its assignment),
/// and the partition is assigned in the next rebalance, which the revocation triggers.
///
/// Owned partitions are valid when the member reported them in the group's highest generation
/// (the subscription's generation, or for v0/v1 subscriptions the int32 in its user data, as Java
/// writes it); a partition two such members claim is valid for neither. When all members subscribe
/// to the same topics the target is Java's "constrained" assignment: every member keeps up to its
/// quota (`n / m`, or one more for the first `n % m` that can) of its owned partitions, and the
/// rest are dealt round-robin to members under quota, then one each to members that may take one
/// more. Otherwise every valid owned partition of a still-subscribed topic is kept, the others go
/// one by one (partitions with the fewest eligible members first) to the least loaded eligible
/// member, and then partitions move from a member to an eligible one with at least two fewer until
/// none can: Java's stopping rule for its general assignment, reached by a simpler walk.
///
/// Deviations: members are visited in member id order (Java: `HashMap` order), so which members
/// keep an extra partition can differ. A partition is withheld whenever a member other than its
/// new holder still reports owning it, whatever that member's generation: Java's constrained path
/// ignores claims from older generations there and may assign such a partition at once, while its
/// general path (and its leader's cooperative validation) go by the reported claims as here.
/// The general (unequal subscriptions) path is not Java's algorithm step by step, only its rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct CooperativeStickyAssignor;

/// The cooperative-sticky assignor's full answer for one rebalance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StickyPlan {
    /// The balanced assignment the group converges to: every partition of every subscribed topic
    /// exactly once.
    pub target: GroupAssignment,
    /// What to send this round: `target` without the partitions in `pending`.
    pub assignment: GroupAssignment,
    /// Partitions withheld this round because another member still owns them, with the member
    /// that gets them once they are revoked.
    pub pending: BTreeMap<(String, i32), String>,
    /// For each member, the partitions it reported owning that are not in its `assignment`: it
    /// must revoke them (and rejoin, so the pending ones can be assigned).
    pub revoked: GroupAssignment,
}

/// The generation a sticky member's owned partitions are from: the subscription's, else the int32
/// the Java assignor puts in the user data of v0/v1 subscriptions (-1 if absent or too short).
fn sticky_generation(m: &Member) -> i32 {
    if m.generation >= 0 {
        return m.generation;
    }
    match m.user_data.as_deref() {
        Some([a, b, c, d, ..]) => i32::from_be_bytes([*a, *b, *c, *d]),
        _ => -1,
    }
}

/// The subscribed partitions, flattened: partition index (pid) ↔ (topic, partition), in
/// (topic, partition) order.
struct Universe<'a> {
    topics: Vec<&'a str>,
    /// pid range of each topic.
    ranges: Vec<std::ops::Range<usize>>,
    parts: Vec<(usize, i32)>,
}

impl<'a> Universe<'a> {
    fn new(partitions: BTreeMap<&'a str, Vec<i32>>, subscribed: &BTreeSet<&str>) -> Self {
        let mut u = Universe { topics: Vec::new(), ranges: Vec::new(), parts: Vec::new() };
        for (topic, ids) in partitions {
            if !subscribed.contains(topic) {
                continue;
            }
            let t = u.topics.len();
            let start = u.parts.len();
            u.parts.extend(ids.into_iter().map(|p| (t, p)));
            u.topics.push(topic);
            u.ranges.push(start..u.parts.len());
        }
        u
    }
    fn topic(&self, name: &str) -> Option<usize> {
        self.topics.binary_search(&name).ok()
    }
    fn pid(&self, topic: &str, partition: i32) -> Option<usize> {
        let range = self.ranges[self.topic(topic)?].clone();
        let start = range.start;
        self.parts[range].binary_search_by_key(&partition, |x| x.1).ok().map(|i| start + i)
    }
}

const NONE: usize = usize::MAX;

impl CooperativeStickyAssignor {
    /// The target, this round's assignment, the pending partitions and what each member revokes.
    pub fn plan(&self, members: &[Member], partitions: &TopicPartitions) -> StickyPlan {
        let mut members = unique(members);
        members.sort_by(|a, b| a.id.cmp(&b.id));
        let subscribed: BTreeSet<&str> =
            members.iter().flat_map(|m| m.topics.iter().map(String::as_str)).collect();
        let u = Universe::new(normalize(partitions), &subscribed);
        let n = members.len();
        // Each member's topics (indices into u.topics) and raw claims (pids that exist).
        let subs: Vec<Vec<usize>> = members
            .iter()
            .map(|m| {
                let mut t: Vec<usize> = m.topics.iter().filter_map(|t| u.topic(t)).collect();
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect();
        let claims: Vec<Vec<usize>> = members
            .iter()
            .map(|m| {
                let mut c: Vec<usize> =
                    m.owned.iter().flat_map(|(t, ps)| ps.iter().filter_map(|&p| u.pid(t, p))).collect();
                c.sort_unstable();
                c.dedup();
                c
            })
            .collect();

        // Valid ownership: claims of the highest generation, minus partitions claimed twice there.
        let generations: Vec<i32> = members.iter().map(|m| sticky_generation(m)).collect();
        let max_generation = generations.iter().copied().max().unwrap_or(-1).max(-1);
        let mut claimants = vec![0u32; u.parts.len()];
        let mut first_claimant = vec![NONE; u.parts.len()];
        let mut current_claims = vec![0u32; u.parts.len()];
        for (m, c) in claims.iter().enumerate() {
            for &p in c {
                claimants[p] += 1;
                if first_claimant[p] == NONE {
                    first_claimant[p] = m;
                }
                if generations[m] == max_generation {
                    current_claims[p] += 1;
                }
            }
        }
        let valid: Vec<Vec<usize>> = (0..n)
            .map(|m| {
                if generations[m] != max_generation {
                    return Vec::new();
                }
                claims[m].iter().copied().filter(|&p| current_claims[p] == 1).collect()
            })
            .collect();

        let first_topics: BTreeSet<&str> =
            members.first().map(|m| m.topics.iter().map(String::as_str).collect()).unwrap_or_default();
        let all_equal = members
            .iter()
            .all(|m| m.topics.iter().map(String::as_str).collect::<BTreeSet<_>>() == first_topics);
        let target = if n == 0 {
            Vec::new()
        } else if all_equal {
            constrained(&u, &valid)
        } else {
            general(&u, &subs, &valid)
        };

        let mut plan = StickyPlan {
            target: empty_assignment(&members),
            assignment: empty_assignment(&members),
            ..Default::default()
        };
        for (m, pids) in target.iter().enumerate() {
            let id = &members[m].id;
            for &p in pids {
                let (t, partition) = u.parts[p];
                let topic = u.topics[t];
                give(&mut plan.target, id, topic, partition);
                let claimed_by_other = claimants[p] > 1 || (claimants[p] == 1 && first_claimant[p] != m);
                if claimed_by_other && valid[m].binary_search(&p).is_err() {
                    plan.pending.insert((topic.to_string(), partition), id.clone());
                } else {
                    give(&mut plan.assignment, id, topic, partition);
                }
            }
        }
        plan.target = sorted(plan.target);
        plan.assignment = sorted(plan.assignment);
        plan.revoked = empty_assignment(&members);
        for m in &members {
            let kept = &plan.assignment[&m.id];
            for (topic, ps) in &m.owned {
                let mut ps = ps.clone();
                ps.sort_unstable();
                ps.dedup();
                for p in ps {
                    if kept.get(topic).is_none_or(|k| k.binary_search(&p).is_err()) {
                        give(&mut plan.revoked, &m.id, topic, p);
                    }
                }
            }
        }
        plan
    }
}

/// Java's constrained assignment, for members that all subscribe to the same topics: returns the
/// pids of each member. `valid` holds each member's valid owned pids, sorted.
fn constrained(u: &Universe, valid: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = valid.len();
    let total = u.parts.len();
    let (min_quota, expected_over) = (total / n, total % n);
    let max_quota = min_quota + usize::from(expected_over > 0);
    let mut over = 0;
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut taken = vec![false; total];
    let mut under_min: Vec<usize> = Vec::new();
    let mut exactly_min: VecDeque<usize> = VecDeque::new();
    for (m, owned) in valid.iter().enumerate() {
        let keep = if owned.len() < min_quota {
            under_min.push(m);
            owned.len()
        } else if owned.len() >= max_quota && over < expected_over {
            over += 1;
            if over == expected_over {
                exactly_min.clear();
            }
            max_quota
        } else {
            if over < expected_over {
                exactly_min.push_back(m);
            }
            min_quota
        };
        for &p in &owned[..keep] {
            out[m].push(p);
            taken[p] = true;
        }
    }
    let mut cursor = 0;
    for p in (0..total).filter(|&p| !taken[p]) {
        if cursor >= under_min.len() {
            cursor = 0;
        }
        let from_under = !under_min.is_empty();
        let m = if from_under {
            under_min[cursor]
        } else {
            match exactly_min.pop_front() {
                Some(m) => m,
                // Unreachable: the quotas account for every partition. Stay total anyway.
                None => (0..n).min_by_key(|&m| out[m].len()).expect("members"),
            }
        };
        out[m].push(p);
        if from_under {
            if out[m].len() == min_quota {
                under_min.remove(cursor);
                exactly_min.push_back(m);
            } else {
                cursor += 1;
            }
        }
    }
    out
}

/// Members by identical subscription, each class ordered by (load, member).
struct Loads {
    load: Vec<usize>,
    class_of: Vec<usize>,
    classes: Vec<BTreeSet<(usize, usize)>>,
    /// The classes subscribing to each topic.
    topic_classes: Vec<Vec<usize>>,
}

impl Loads {
    fn new(subs: &[Vec<usize>], topics: usize) -> Self {
        let mut ids: BTreeMap<&[usize], usize> = BTreeMap::new();
        let mut class_of = Vec::with_capacity(subs.len());
        let mut topic_classes = vec![Vec::new(); topics];
        let mut classes = Vec::new();
        for (m, s) in subs.iter().enumerate() {
            let next = ids.len();
            let c = *ids.entry(s.as_slice()).or_insert_with(|| {
                for &t in s {
                    topic_classes[t].push(next);
                }
                classes.push(BTreeSet::new());
                next
            });
            classes[c].insert((0, m));
            class_of.push(c);
        }
        Loads { load: vec![0; subs.len()], class_of, classes, topic_classes }
    }
    fn add(&mut self, m: usize, delta: isize) {
        let c = &mut self.classes[self.class_of[m]];
        c.remove(&(self.load[m], m));
        self.load[m] = self.load[m].checked_add_signed(delta).expect("load stays >= 0");
        c.insert((self.load[m], m));
    }
    /// The least loaded member subscribing to topic `t` (ties: lowest member index).
    fn least(&self, t: usize) -> Option<(usize, usize)> {
        self.topic_classes[t].iter().filter_map(|&c| self.classes[c].first().copied()).min()
    }
}

/// The assignment for members with different subscriptions: keep valid owned partitions of
/// subscribed topics, place the rest on the least loaded eligible member (scarcest partitions
/// first), then move partitions to an eligible member with at least two fewer until none can.
fn general(u: &Universe, subs: &[Vec<usize>], valid: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let total = u.parts.len();
    let mut loads = Loads::new(subs, u.topics.len());
    let mut holder = vec![NONE; total];
    for (m, owned) in valid.iter().enumerate() {
        for &p in owned {
            if subs[m].binary_search(&u.parts[p].0).is_ok() {
                holder[p] = m;
                loads.add(m, 1);
            }
        }
    }
    let kept: Vec<bool> = holder.iter().map(|&h| h != NONE).collect();
    let eligible: Vec<usize> = (0..u.topics.len())
        .map(|t| loads.topic_classes[t].iter().map(|&c| loads.classes[c].len()).sum())
        .collect();
    let mut unassigned: Vec<usize> = (0..total).filter(|&p| holder[p] == NONE).collect();
    unassigned.sort_by_key(|&p| (eligible[u.parts[p].0], p));
    for p in unassigned {
        let (_, m) = loads.least(u.parts[p].0).expect("a subscribed topic has a subscriber");
        holder[p] = m;
        loads.add(m, 1);
    }
    // Newly placed partitions are tried first: moving them costs no stickiness.
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|&p| (kept[p], p));
    loop {
        let mut moved = false;
        for &p in &order {
            let from = holder[p];
            let (to_load, to) = loads.least(u.parts[p].0).expect("a subscribed topic has a subscriber");
            if loads.load[from] > to_load + 1 {
                holder[p] = to;
                loads.add(from, -1);
                loads.add(to, 1);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let mut out = vec![Vec::new(); subs.len()];
    for (p, &m) in holder.iter().enumerate() {
        out[m].push(p);
    }
    out
}

impl Assignor for CooperativeStickyAssignor {
    fn name(&self) -> &'static str {
        "cooperative-sticky"
    }

    /// This round's assignment: [`StickyPlan::assignment`].
    fn assign(&self, members: &[Member], partitions: &TopicPartitions) -> GroupAssignment {
        self.plan(members, partitions).assignment
    }

    fn protocol(&self) -> RebalanceProtocol {
        RebalanceProtocol::Cooperative
    }

    /// Java's: the generation as an int32, for leaders that read subscriptions older than v2.
    fn subscription_user_data(&self, generation: i32) -> Option<Bytes> {
        Some(Bytes::copy_from_slice(&generation.to_be_bytes()))
    }
}

#[cfg(test)]
mod tests;
