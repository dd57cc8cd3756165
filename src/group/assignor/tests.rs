//! Tests of the assignors: cases published in the Java client's RangeAssignorTest,
//! RoundRobinAssignorTest and AbstractStickyAssignorTest, hand-computed rack-affinity cases, and
//! properties over random groups.

use super::*;

fn tp(list: &[(&str, &[i32])]) -> TopicPartitions {
    list.iter().map(|(t, p)| (t.to_string(), p.to_vec())).collect()
}

/// Topics with partitions 0..n.
fn topics(list: &[(&str, i32)]) -> TopicPartitions {
    list.iter().map(|(t, n)| (t.to_string(), (0..*n).collect())).collect()
}

fn owning(mut m: Member, owned: &[(&str, &[i32])], generation: i32) -> Member {
    m.owned = tp(owned);
    m.generation = generation;
    m
}

fn static_member(id: &str, instance: &str, t: &[&str]) -> Member {
    Member { instance_id: Some(instance.into()), ..Member::new(id, t) }
}

/// (topic, partitions) pairs.
type Tps<'a> = &'a [(&'a str, &'a [i32])];

/// The expected assignment, one entry per member.
fn want(list: &[(&str, Tps)]) -> GroupAssignment {
    list.iter().map(|(m, a)| (m.to_string(), tp(a))).collect()
}

fn total(a: &TopicPartitions) -> usize {
    a.values().map(Vec::len).sum()
}

/// Every partition of every topic some member subscribes to goes to exactly one subscriber;
/// every member has an entry; lists are sorted, without empty topic entries.
fn assert_valid(members: &[Member], partitions: &TopicPartitions, out: &GroupAssignment) {
    let ids: BTreeSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(out.keys().map(String::as_str).collect::<BTreeSet<_>>(), ids);
    let mut seen: BTreeMap<(String, i32), &str> = BTreeMap::new();
    for (id, assigned) in out {
        let m = members.iter().find(|m| &m.id == id).unwrap();
        for (t, ps) in assigned {
            assert!(!ps.is_empty(), "{id}: empty entry for {t}");
            assert!(subscribes(m, t), "{id} got {t} without subscribing");
            assert!(ps.windows(2).all(|w| w[0] < w[1]), "{id}: {t} {ps:?} not sorted");
            for &p in ps {
                assert!(partitions[t].contains(&p), "{t}-{p} does not exist");
                if let Some(other) = seen.insert((t.clone(), p), id) {
                    panic!("{t}-{p} given to {other} and {id}");
                }
            }
        }
    }
    for (t, ps) in partitions {
        if members.iter().any(|m| subscribes(m, t)) {
            for &p in ps {
                assert!(seen.contains_key(&(t.clone(), p)), "{t}-{p} unassigned");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Range (Java's RangeAssignorTest)

#[test]
fn range_two_consumers_two_topics_six_partitions() {
    let members = [Member::new("c0", &["t1", "t2"]), Member::new("c1", &["t1", "t2"])];
    let parts = topics(&[("t1", 3), ("t2", 3)]);
    let out = RangeAssignor.assign(&members, &parts);
    assert_eq!(
        out,
        want(&[("c0", &[("t1", &[0, 1]), ("t2", &[0, 1])]), ("c1", &[("t1", &[2]), ("t2", &[2])])])
    );
}

#[test]
fn range_multiple_consumers_mixed_topics() {
    let members = [Member::new("c1", &["t1"]), Member::new("c2", &["t1", "t2"]), Member::new("c3", &["t1"])];
    let out = RangeAssignor.assign(&members, &topics(&[("t1", 3), ("t2", 2)]));
    assert_eq!(
        out,
        want(&[("c1", &[("t1", &[0])]), ("c2", &[("t1", &[1]), ("t2", &[0, 1])]), ("c3", &[("t1", &[2])])])
    );
}

#[test]
fn range_small_cases() {
    let one = [Member::new("c", &["t"])];
    // No topics, a topic without metadata, only subscribed topics, several topics.
    assert_eq!(RangeAssignor.assign(&one, &TopicPartitions::new()), want(&[("c", &[])]));
    assert_eq!(RangeAssignor.assign(&one, &topics(&[("other", 3)])), want(&[("c", &[])]));
    assert_eq!(
        RangeAssignor.assign(&one, &topics(&[("t", 3), ("other", 3)])),
        want(&[("c", &[("t", &[0, 1, 2])])])
    );
    // Two consumers, one partition: the first gets it, the other an empty assignment.
    let two = [Member::new("c1", &["t"]), Member::new("c2", &["t"])];
    assert_eq!(
        RangeAssignor.assign(&two, &topics(&[("t", 1)])),
        want(&[("c1", &[("t", &[0])]), ("c2", &[])])
    );
    assert_eq!(
        RangeAssignor.assign(&two, &topics(&[("t", 2)])),
        want(&[("c1", &[("t", &[0])]), ("c2", &[("t", &[1])])])
    );
}

#[test]
fn range_and_roundrobin_order_static_members_by_instance_id_first() {
    // "z" and "y" are static (instance ids "i1" < "i2"); "a" is dynamic and comes last.
    let members =
        [Member::new("a", &["t"]), static_member("z", "i1", &["t"]), static_member("y", "i2", &["t"])];
    let parts = topics(&[("t", 4)]);
    let range = want(&[("z", &[("t", &[0, 1])]), ("y", &[("t", &[2])]), ("a", &[("t", &[3])])]);
    assert_eq!(RangeAssignor.assign(&members, &parts), range);
    let rr = want(&[("z", &[("t", &[0, 3])]), ("y", &[("t", &[1])]), ("a", &[("t", &[2])])]);
    assert_eq!(RoundRobinAssignor.assign(&members, &parts), rr);
}

// ---------------------------------------------------------------------------------------------
// Round robin (Java's RoundRobinAssignorTest)

#[test]
fn roundrobin_two_consumers_two_topics_six_partitions() {
    let members = [Member::new("c0", &["t1", "t2"]), Member::new("c1", &["t1", "t2"])];
    let out = RoundRobinAssignor.assign(&members, &topics(&[("t1", 3), ("t2", 3)]));
    assert_eq!(
        out,
        want(&[("c0", &[("t1", &[0, 2]), ("t2", &[1])]), ("c1", &[("t1", &[1]), ("t2", &[0, 2])])])
    );
}

#[test]
fn roundrobin_multiple_consumers_mixed_topics() {
    let members = [Member::new("c1", &["t1"]), Member::new("c2", &["t1", "t2"]), Member::new("c3", &["t1"])];
    let out = RoundRobinAssignor.assign(&members, &topics(&[("t1", 3), ("t2", 2)]));
    assert_eq!(
        out,
        want(&[("c1", &[("t1", &[0])]), ("c2", &[("t1", &[1]), ("t2", &[0, 1])]), ("c3", &[("t1", &[2])])])
    );
}

#[test]
fn repeated_members_and_unsorted_partitions_are_normalized() {
    let members = [Member::new("b", &["t"]), Member::new("a", &["t"]), Member::new("a", &["other"])];
    let parts = tp(&[("t", &[3, 1, 2, 1, 0])]);
    let out = RoundRobinAssignor.assign(&members, &parts);
    assert_eq!(out, want(&[("a", &[("t", &[0, 2])]), ("b", &[("t", &[1, 3])])]));
}

// ---------------------------------------------------------------------------------------------
// Rack affinity (kafka-go's RackAffinityGroupBalancer), hand-computed

fn racked(id: &str, rack: &str, t: &[&str]) -> Member {
    Member { rack: Some(rack.into()), ..Member::new(id, t) }
}

fn leader_racks(topic: &str, racks: &[&str]) -> PartitionRacks {
    racks.iter().enumerate().map(|(p, r)| ((topic.to_string(), p as i32), r.to_string())).collect()
}

#[test]
fn rack_affinity_assigns_in_rack_when_racks_are_even() {
    let members = [racked("m1", "a", &["t"]), racked("m2", "b", &["t"])];
    let racks = leader_racks("t", &["a", "b", "a", "b", "a", "b"]);
    let out = RackAffinityAssignor::default().assign_with_racks(&members, &topics(&[("t", 6)]), &racks);
    assert_eq!(out, want(&[("m1", &[("t", &[0, 2, 4])]), ("m2", &[("t", &[1, 3, 5])])]));
}

#[test]
fn rack_affinity_caps_a_crowded_rack_at_the_fair_share() {
    // All four leaders in rack a: m1 takes its fair share (2), m2 gets the rest.
    let members = [racked("m1", "a", &["t"]), racked("m2", "b", &["t"])];
    let racks = leader_racks("t", &["a", "a", "a", "a"]);
    let out = RackAffinityAssignor::default().assign_with_racks(&members, &topics(&[("t", 4)]), &racks);
    assert_eq!(out, want(&[("m1", &[("t", &[0, 1])]), ("m2", &[("t", &[2, 3])])]));

    // 5 partitions, 2 members: the extra one stays in rack a when it can.
    let racks = leader_racks("t", &["a", "a", "a", "b", "a"]);
    let out = RackAffinityAssignor::default().assign_with_racks(&members, &topics(&[("t", 5)]), &racks);
    assert_eq!(out, want(&[("m1", &[("t", &[0, 1, 2])]), ("m2", &[("t", &[3, 4])])]));
}

#[test]
fn rack_affinity_reads_kafka_go_racks_from_user_data() {
    // kafka-go members send their rack as the subscription's user data.
    let m1 = Member { user_data: Some(Bytes::from_static(b"b")), ..Member::new("m1", &["t"]) };
    let m2 = Member { user_data: Some(Bytes::from_static(b"a")), ..Member::new("m2", &["t"]) };
    let racks = leader_racks("t", &["a", "b"]);
    let assignor = RackAffinityAssignor::new(Some("a".into()));
    let out = assignor.assign_with_racks(&[m1.clone(), m2.clone()], &topics(&[("t", 2)]), &racks);
    assert_eq!(out, want(&[("m1", &[("t", &[1])]), ("m2", &[("t", &[0])])]));
    assert_eq!(assignor.subscription_user_data(3).as_deref(), Some(&b"a"[..]));
    assert_eq!(RackAffinityAssignor::default().subscription_user_data(3).as_deref(), Some(&b""[..]));
    // Without rack information everything is still assigned, evenly.
    let out = assignor.assign(&[m1, m2], &topics(&[("t", 2)]));
    assert_eq!(out.values().map(total).collect::<Vec<_>>(), [1, 1]);
}

// ---------------------------------------------------------------------------------------------
// Cooperative sticky (Java's AbstractStickyAssignorTest / CooperativeStickyAssignorTest)

fn plan(members: &[Member], parts: &TopicPartitions) -> StickyPlan {
    let plan = CooperativeStickyAssignor.plan(members, parts);
    assert_valid(members, parts, &plan.target);
    plan
}

fn pending(list: &[(&str, i32, &str)]) -> BTreeMap<(String, i32), String> {
    list.iter().map(|(t, p, m)| ((t.to_string(), *p), m.to_string())).collect()
}

#[test]
fn sticky_two_consumers_two_topics_six_partitions() {
    let members = [Member::new("consumer1", &["t1", "t2"]), Member::new("consumer2", &["t1", "t2"])];
    let p = plan(&members, &topics(&[("t1", 3), ("t2", 3)]));
    let expected = want(&[
        ("consumer1", &[("t1", &[0, 2]), ("t2", &[1])]),
        ("consumer2", &[("t1", &[1]), ("t2", &[0, 2])]),
    ]);
    assert_eq!(p.target, expected);
    assert_eq!(p.assignment, expected);
    assert!(p.pending.is_empty());
}

#[test]
fn sticky_multiple_consumers_mixed_topic_subscriptions() {
    let members = [
        Member::new("consumer1", &["t1"]),
        Member::new("consumer2", &["t1", "t2"]),
        Member::new("consumer3", &["t1"]),
    ];
    let p = plan(&members, &topics(&[("t1", 3), ("t2", 2)]));
    assert_eq!(
        p.target,
        want(&[
            ("consumer1", &[("t1", &[0, 2])]),
            ("consumer2", &[("t2", &[0, 1])]),
            ("consumer3", &[("t1", &[1])]),
        ])
    );
}

#[test]
fn sticky_consumer_owning_min_quota_expected_max_quota() {
    let t = &["t1", "t2"];
    let members = [
        owning(Member::new("consumer1", t), &[("t1", &[0]), ("t2", &[1])], 1),
        owning(Member::new("consumer2", t), &[("t1", &[1]), ("t2", &[2])], 1),
    ];
    let p = plan(&members, &topics(&[("t1", 2), ("t2", 3)]));
    let expected = want(&[
        ("consumer1", &[("t1", &[0]), ("t2", &[0, 1])]),
        ("consumer2", &[("t1", &[1]), ("t2", &[2])]),
    ]);
    assert_eq!(p.target, expected);
    assert_eq!(p.assignment, expected);
    assert!(p.pending.is_empty());
}

#[test]
fn sticky_all_consumers_under_min_quota() {
    let t = &["t1", "t2"];
    let members = [
        owning(Member::new("consumer1", t), &[("t1", &[0])], 1),
        owning(Member::new("consumer2", t), &[("t1", &[1])], 1),
        owning(Member::new("consumer3", t), &[], 1),
    ];
    let p = plan(&members, &topics(&[("t1", 2), ("t2", 3)]));
    let expected = want(&[
        ("consumer1", &[("t1", &[0]), ("t2", &[1])]),
        ("consumer2", &[("t1", &[1]), ("t2", &[2])]),
        ("consumer3", &[("t2", &[0])]),
    ]);
    assert_eq!(p.target, expected);
    assert!(p.pending.is_empty());
}

#[test]
fn sticky_more_max_quota_owners_than_max_quota_slots() {
    // Java's testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: consumer1 and consumer2 own
    // two partitions each but only one of them may keep two. Java's HashMap order lets consumer2
    // keep both; visiting members by id, consumer1 does here (a documented deviation).
    let t = &["t1", "t2"];
    let members = [
        owning(Member::new("consumer1", t), &[("t1", &[0]), ("t2", &[0])], 1),
        owning(Member::new("consumer2", t), &[("t1", &[1]), ("t2", &[1])], 1),
        owning(Member::new("consumer3", t), &[], 1),
    ];
    let p = plan(&members, &topics(&[("t1", 2), ("t2", 2)]));
    assert_eq!(
        p.target,
        want(&[
            ("consumer1", &[("t1", &[0]), ("t2", &[0])]),
            ("consumer2", &[("t1", &[1])]),
            ("consumer3", &[("t2", &[1])]),
        ])
    );
    assert_eq!(p.pending, pending(&[("t2", 1, "consumer3")]));
    assert_eq!(p.assignment["consumer3"], tp(&[]));
    assert_eq!(p.revoked["consumer2"], tp(&[("t2", &[1])]));
}

#[test]
fn sticky_add_remove_consumer_one_topic() {
    let parts = topics(&[("topic", 3)]);
    let p = plan(&[Member::new("consumer1", &["topic"])], &parts);
    assert_eq!(p.target, want(&[("consumer1", &[("topic", &[0, 1, 2])])]));

    // consumer2 joins: topic-2 moves, so it is first revoked by consumer1 and withheld.
    let members = [
        owning(Member::new("consumer1", &["topic"]), &[("topic", &[0, 1, 2])], 1),
        owning(Member::new("consumer2", &["topic"]), &[], 1),
    ];
    let p = plan(&members, &parts);
    assert_eq!(p.target, want(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[("topic", &[2])])]));
    assert_eq!(p.pending, pending(&[("topic", 2, "consumer2")]));
    assert_eq!(p.assignment, want(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[])]));
    assert_eq!(p.revoked, want(&[("consumer1", &[("topic", &[2])]), ("consumer2", &[])]));
    assert_eq!(CooperativeStickyAssignor.assign(&members, &parts), p.assignment);

    // The follow-up rebalance, after consumer1 revoked it, assigns it.
    let members = [
        owning(Member::new("consumer1", &["topic"]), &[("topic", &[0, 1])], 2),
        owning(Member::new("consumer2", &["topic"]), &[], 2),
    ];
    let p = plan(&members, &parts);
    assert_eq!(
        p.assignment,
        want(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[("topic", &[2])])])
    );
    assert!(p.pending.is_empty());

    // consumer1 leaves: consumer2 takes everything, nothing withheld.
    let members = [owning(Member::new("consumer2", &["topic"]), &[("topic", &[2])], 3)];
    let p = plan(&members, &parts);
    assert_eq!(p.assignment, want(&[("consumer2", &[("topic", &[0, 1, 2])])]));
    assert!(p.pending.is_empty());
}

#[test]
fn sticky_add_remove_two_consumers_two_topics() {
    let all = &["topic1", "topic2"];
    let parts = topics(&[("topic1", 3), ("topic2", 4)]);
    let p = plan(&[Member::new("consumer1", all), Member::new("consumer2", all)], &parts);
    assert_eq!(
        p.target,
        want(&[
            ("consumer1", &[("topic1", &[0, 2]), ("topic2", &[1, 3])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 2])]),
        ])
    );

    // Add two consumers.
    let members = [
        owning(Member::new("consumer1", all), &[("topic1", &[0, 2]), ("topic2", &[1, 3])], 1),
        owning(Member::new("consumer2", all), &[("topic1", &[1]), ("topic2", &[0, 2])], 1),
        owning(Member::new("consumer3", all), &[], 1),
        owning(Member::new("consumer4", all), &[], 1),
    ];
    let p = plan(&members, &parts);
    assert_eq!(
        p.target,
        want(&[
            ("consumer1", &[("topic1", &[0, 2])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0])]),
            ("consumer3", &[("topic2", &[1, 3])]),
            ("consumer4", &[("topic2", &[2])]),
        ])
    );
    assert_eq!(
        p.pending,
        pending(&[("topic2", 1, "consumer3"), ("topic2", 3, "consumer3"), ("topic2", 2, "consumer4")])
    );

    // Remove the first two (in Java's test, once the moves completed).
    let members = [
        owning(Member::new("consumer3", all), &[("topic2", &[1, 3])], 2),
        owning(Member::new("consumer4", all), &[("topic2", &[2])], 2),
    ];
    let p = plan(&members, &parts);
    assert_eq!(
        p.assignment,
        want(&[
            ("consumer3", &[("topic1", &[0]), ("topic2", &[0, 1, 3])]),
            ("consumer4", &[("topic1", &[1, 2]), ("topic2", &[2])]),
        ])
    );
    assert!(p.pending.is_empty());
}

#[test]
fn sticky_only_the_highest_generation_owns() {
    let t = &["t"];
    let parts = topics(&[("t", 4)]);
    // "old" claims 0 and 1 from generation 1, "new" claims 1 from generation 2: old's claims are
    // stale, so new keeps 1 although old claims it too.
    let members = [
        owning(Member::new("new", t), &[("t", &[1])], 2),
        owning(Member::new("old", t), &[("t", &[0, 1])], 1),
    ];
    let p = plan(&members, &parts);
    assert_eq!(p.target, want(&[("new", &[("t", &[0, 1])]), ("old", &[("t", &[2, 3])])]));
    // Partition 0, claimed only by the stale member, is still withheld until old revokes it.
    assert_eq!(p.pending, pending(&[("t", 0, "new")]));
    assert_eq!(p.assignment, want(&[("new", &[("t", &[1])]), ("old", &[("t", &[2, 3])])]));
    assert_eq!(p.revoked["old"], tp(&[("t", &[0, 1])]));

    // Two members of the same generation claiming a partition: neither keeps it this round.
    let members = [
        owning(Member::new("a", t), &[("t", &[0, 1])], 3),
        owning(Member::new("b", t), &[("t", &[1, 2])], 3),
    ];
    let p = plan(&members, &parts);
    let holder = if p.target["a"]["t"].contains(&1) { "a" } else { "b" };
    assert_eq!(p.pending, pending(&[("t", 1, holder)]));
    assert!(!p.assignment[holder]["t"].contains(&1));
}

#[test]
fn sticky_generation_from_v0_v1_user_data() {
    // Without a generation field, Java's assignor reads the int32 it put in the user data.
    let t = &["t"];
    let old = Member { user_data: Some(Bytes::from_static(&[0, 0, 0, 1])), ..Member::new("a", t) };
    let old = Member { owned: tp(&[("t", &[0, 1])]), ..old };
    let new = Member { user_data: Some(Bytes::from_static(&[0, 0, 0, 5])), ..Member::new("b", t) };
    let new = Member { owned: tp(&[("t", &[1])]), ..new };
    assert_eq!(sticky_generation(&old), 1);
    assert_eq!(sticky_generation(&Member { user_data: Some(Bytes::from_static(&[1])), ..old.clone() }), -1);
    let p = plan(&[old, new], &topics(&[("t", 2)]));
    assert_eq!(p.assignment["b"]["t"], [1], "generation 5 beats generation 1");
    assert_eq!(p.assignment["a"]["t"], [0]);
    assert_eq!(CooperativeStickyAssignor.subscription_user_data(7).as_deref(), Some(&[0u8, 0, 0, 7][..]));
}

#[test]
fn sticky_revokes_partitions_of_deleted_and_unsubscribed_topics() {
    let m = owning(Member::new("c", &["t1", "t2", "t3"]), &[("t1", &[0]), ("gone", &[0]), ("t9", &[4])], 1);
    let parts = topics(&[("t1", 1), ("t3", 100)]);
    let p = plan(std::slice::from_ref(&m), &parts);
    assert_eq!(total(&p.assignment["c"]), 101);
    assert_eq!(p.revoked["c"], tp(&[("gone", &[0]), ("t9", &[4])]));
    // Everything deleted: an empty assignment, all revoked.
    let p = plan(std::slice::from_ref(&m), &TopicPartitions::new());
    assert_eq!(p.assignment, want(&[("c", &[])]));
    assert_eq!(total(&p.revoked["c"]), 3);
}

#[test]
fn assignor_names_and_protocols() {
    let all: [&dyn Assignor; 4] =
        [&RangeAssignor, &RoundRobinAssignor, &RackAffinityAssignor::default(), &CooperativeStickyAssignor];
    let names: Vec<&str> = all.iter().map(|a| a.name()).collect();
    assert_eq!(names, ["range", "roundrobin", "rack-affinity", "cooperative-sticky"]);
    let cooperative: Vec<bool> = all.iter().map(|a| a.protocol() == RebalanceProtocol::Cooperative).collect();
    assert_eq!(cooperative, [false, false, false, true]);
    assert_eq!(RangeAssignor.subscription_user_data(1), None);
    let sub = Subscription {
        topics: vec!["t".into()],
        owned_partitions: tp(&[("t", &[0])]),
        generation_id: 4,
        rack_id: Some("r".into()),
        ..Default::default()
    };
    let m = Member::from_subscription("id", Some("inst".into()), sub);
    assert_eq!((m.id.as_str(), m.instance_id.as_deref(), m.generation), ("id", Some("inst"), 4));
    assert_eq!((m.owned, m.rack), (tp(&[("t", &[0])]), Some("r".into())));
}

// ---------------------------------------------------------------------------------------------
// Properties over random groups

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
}

const RACKS: [&str; 3] = ["a", "b", "c"];

/// Random topics (some empty, partition lists shuffled), members (some static, some racked),
/// subscriptions (all equal, or random subsets that may name a topic without metadata) and racks.
fn random_group(rng: &mut Rng, equal: bool) -> (Vec<Member>, TopicPartitions, PartitionRacks) {
    let mut parts = TopicPartitions::new();
    let mut racks = PartitionRacks::new();
    for t in 0..1 + rng.below(5) {
        let topic = format!("t{t}");
        let mut ps: Vec<i32> = (0..rng.below(13) as i32).collect();
        rng.shuffle(&mut ps);
        for &p in &ps {
            if rng.below(4) > 0 {
                racks.insert((topic.clone(), p), rng.pick(&RACKS).to_string());
            }
        }
        parts.insert(topic, ps);
    }
    let mut names: Vec<String> = parts.keys().cloned().collect();
    names.push("missing".into());
    let random_topics = |rng: &mut Rng| -> Vec<String> {
        let mut t: Vec<String> = names.iter().filter(|_| rng.below(2) == 0).cloned().collect();
        if t.is_empty() {
            t.push(rng.pick(&names).clone());
        }
        t
    };
    let shared = random_topics(rng);
    let mut members = Vec::new();
    for i in 0..1 + rng.below(8) {
        let mut m = Member::new(format!("m{:02}-{}", rng.below(100), i), &[]);
        m.topics = if equal { shared.clone() } else { random_topics(rng) };
        if rng.below(4) == 0 {
            m.instance_id = Some(format!("i{}", rng.below(100)));
        }
        if rng.below(3) > 0 {
            m.rack = Some(rng.pick(&RACKS).to_string());
        }
        members.push(m);
    }
    (members, parts, racks)
}

fn all_assignors() -> [Box<dyn Assignor>; 4] {
    [
        Box::new(RangeAssignor),
        Box::new(RoundRobinAssignor),
        Box::new(RackAffinityAssignor::default()),
        Box::new(CooperativeStickyAssignor),
    ]
}

#[test]
fn every_assignor_assigns_every_partition_once_whatever_the_member_order() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..600 {
        let (members, parts, racks) = random_group(&mut rng, round % 3 == 0);
        for a in all_assignors() {
            let out = a.assign_with_racks(&members, &parts, &racks);
            assert_valid(&members, &parts, &out);
            let mut shuffled = members.clone();
            rng.shuffle(&mut shuffled);
            assert_eq!(
                a.assign_with_racks(&shuffled, &parts, &racks),
                out,
                "{} is order-dependent",
                a.name()
            );
        }
    }
}

/// Per member, how many partitions of `topic` it got.
fn per_topic(out: &GroupAssignment, members: &[Member], topic: &str) -> Vec<usize> {
    members
        .iter()
        .filter(|m| subscribes(m, topic))
        .map(|m| out[&m.id].get(topic).map_or(0, Vec::len))
        .collect()
}

fn spread(counts: impl IntoIterator<Item = usize>) -> usize {
    let counts: Vec<usize> = counts.into_iter().collect();
    counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
}

#[test]
fn assignments_are_balanced() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..600 {
        let equal = round % 2 == 0;
        let (members, parts, racks) = random_group(&mut rng, equal);
        // Range and rack affinity balance each topic among its subscribers.
        let range = RangeAssignor.assign(&members, &parts);
        let rack = RackAffinityAssignor::default().assign_with_racks(&members, &parts, &racks);
        for t in parts.keys() {
            assert!(spread(per_topic(&range, &members, t)) <= 1, "range {t}");
            assert!(spread(per_topic(&rack, &members, t)) <= 1, "rack-affinity {t}");
        }
        if equal {
            // Round robin and sticky balance the totals when subscriptions are equal.
            let rr = RoundRobinAssignor.assign(&members, &parts);
            assert!(spread(rr.values().map(total)) <= 1, "roundrobin");
            let sticky = CooperativeStickyAssignor.plan(&members, &parts).target;
            assert!(spread(sticky.values().map(total)) <= 1, "sticky");
        }
    }
}

#[test]
fn rack_affinity_stays_in_rack_when_racks_line_up() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..200 {
        // k racks with j members each; every topic has q * j partitions led from each rack.
        let (k, j) = (1 + rng.below(3), 1 + rng.below(3));
        let mut members = Vec::new();
        for (r, rack) in RACKS.iter().enumerate().take(k) {
            for i in 0..j {
                members.push(racked(&format!("m{}", rng.below(1000) * 10 + r * 3 + i), rack, &["x", "y"]));
            }
        }
        let mut parts = TopicPartitions::new();
        let mut racks = PartitionRacks::new();
        for topic in ["x", "y"] {
            let q = rng.below(4);
            let mut ps: Vec<i32> = (0..(k * j * q) as i32).collect();
            rng.shuffle(&mut ps);
            for (i, &p) in ps.iter().enumerate() {
                racks.insert((topic.to_string(), p), RACKS[i % k].to_string());
            }
            parts.insert(topic.to_string(), ps);
        }
        let out = RackAffinityAssignor::default().assign_with_racks(&members, &parts, &racks);
        assert_valid(&members, &parts, &out);
        for m in &members {
            for (t, ps) in &out[&m.id] {
                for &p in ps {
                    assert_eq!(racks[&(t.clone(), p)], m.rack.clone().unwrap(), "{t}-{p} left its rack");
                }
            }
        }
    }
}

/// Members owning what `assignment` gave them, in `generation`.
fn after(members: &[Member], assignment: &GroupAssignment, generation: i32) -> Vec<Member> {
    members.iter().map(|m| Member { owned: assignment[&m.id].clone(), generation, ..m.clone() }).collect()
}

fn contains(big: &TopicPartitions, small: &TopicPartitions) -> bool {
    small.iter().all(|(t, ps)| ps.iter().all(|p| big.get(t).is_some_and(|b| b.contains(p))))
}

#[test]
fn sticky_member_leaving_moves_only_its_partitions() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..400 {
        let (members, parts, _) = random_group(&mut rng, true);
        let first = CooperativeStickyAssignor.plan(&members, &parts);
        let mut members = after(&members, &first.assignment, 1);
        let gone = members.remove(rng.below(members.len()));
        if members.is_empty() {
            continue;
        }
        let p = CooperativeStickyAssignor.plan(&members, &parts);
        assert_valid(&members, &parts, &p.target);
        assert!(p.pending.is_empty(), "{gone:?} left: {:?}", p.pending);
        assert_eq!(p.assignment, p.target);
        for m in &members {
            assert!(contains(&p.assignment[&m.id], &m.owned), "{} lost a partition", m.id);
            assert_eq!(total(&p.revoked[&m.id]), 0);
        }
        assert!(spread(p.target.values().map(total)) <= 1);
    }
}

#[test]
fn sticky_member_joining_moves_the_minimum_and_converges_in_two_rounds() {
    let mut rng = Rng(0xfeed_face_0bad_f00d);
    for _ in 0..400 {
        let (members, parts, _) = random_group(&mut rng, true);
        let first = CooperativeStickyAssignor.plan(&members, &parts);
        let mut members = after(&members, &first.assignment, 1);
        members.push(Member { topics: members[0].topics.clone(), ..Member::new("joiner", &[]) });

        // Round 1: existing members only give up partitions, all of which go to the joiner,
        // withheld until they are revoked.
        let p = CooperativeStickyAssignor.plan(&members, &parts);
        assert_valid(&members, &parts, &p.target);
        let mut moved = 0;
        for m in &members[..members.len() - 1] {
            assert!(contains(&m.owned, &p.target[&m.id]), "{} gained a partition", m.id);
            moved += total(&m.owned) - total(&p.target[&m.id]);
            assert_eq!(total(&p.revoked[&m.id]), total(&m.owned) - total(&p.assignment[&m.id]));
        }
        assert_eq!(moved, total(&p.target["joiner"]));
        assert_eq!(p.pending.len(), moved);
        assert!(p.pending.values().all(|m| m == "joiner"));
        assert_eq!(total(&p.assignment["joiner"]), 0);

        // Round 2, after the revocations: everything assigned, nothing withheld or moved.
        let members = after(&members, &p.assignment, 2);
        let q = CooperativeStickyAssignor.plan(&members, &parts);
        assert!(q.pending.is_empty());
        assert_eq!(q.assignment, q.target);
        assert_valid(&members, &parts, &q.assignment);
        for m in &members {
            assert!(contains(&q.assignment[&m.id], &m.owned));
        }
        assert!(spread(q.target.values().map(total)) <= 1);
    }
}

#[test]
fn sticky_plans_are_cooperative_for_arbitrary_ownership() {
    let mut rng = Rng(0x5151_5151_aaaa_0001);
    for round in 0..600 {
        let (mut members, parts, _) = random_group(&mut rng, round % 2 == 0);
        for m in &mut members {
            // Claims on real, unsubscribed and missing partitions, from random generations.
            for _ in 0..rng.below(6) {
                let t = format!("t{}", rng.below(6));
                m.owned.entry(t).or_default().push(rng.below(14) as i32);
            }
            m.generation = *rng.pick(&[-1, 1, 2, 2]);
        }
        let p = CooperativeStickyAssignor.plan(&members, &parts);
        assert_valid(&members, &parts, &p.target);
        // assignment + pending = target.
        let mut rebuilt = p.assignment.clone();
        for ((t, part), m) in &p.pending {
            assert!(!p.assignment[m].get(t).is_some_and(|ps| ps.contains(part)));
            rebuilt.get_mut(m).unwrap().entry(t.clone()).or_default().push(*part);
        }
        assert_eq!(sorted(rebuilt), p.target);
        // Java's validateCooperativeAssignment: no partition is added to one member while
        // another still owns it.
        let mut added = BTreeSet::new();
        let mut revoked = BTreeSet::new();
        for m in &members {
            let mine = &p.assignment[&m.id];
            for (t, ps) in mine {
                for p in ps.iter().filter(|p| !m.owned.get(t).is_some_and(|o| o.contains(p))) {
                    added.insert((t.clone(), *p));
                }
            }
            for (t, ps) in &m.owned {
                for p in ps.iter().filter(|p| !mine.get(t).is_some_and(|a| a.contains(p))) {
                    revoked.insert((t.clone(), *p));
                }
            }
            // `revoked` is exactly what the member owns and is not assigned.
            let gone = &p.revoked[&m.id];
            assert!(contains(&m.owned, gone));
            for (t, ps) in &m.owned {
                for part in ps {
                    let kept = mine.get(t).is_some_and(|a| a.contains(part));
                    assert_ne!(kept, gone.get(t).is_some_and(|g| g.contains(part)), "{t}-{part}");
                }
            }
        }
        assert!(
            added.is_disjoint(&revoked),
            "added while owned elsewhere: {:?}",
            added.intersection(&revoked)
        );
        // No partition can move to an eligible member with two fewer (Java's balance rule).
        let load: BTreeMap<&str, usize> = p.target.iter().map(|(m, a)| (m.as_str(), total(a))).collect();
        for (holder, a) in &p.target {
            for t in a.keys() {
                for m in members.iter().filter(|m| subscribes(m, t)) {
                    assert!(load[m.id.as_str()] + 1 >= load[holder.as_str()], "{holder} -> {} on {t}", m.id);
                }
            }
        }
    }
}

#[test]
fn sticky_handles_a_large_uneven_group_quickly() {
    // 200 topics x 50 partitions, 300 members, one subscribing to a single topic.
    let names: Vec<String> = (0..200).map(|t| format!("topic{t:03}")).collect();
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let parts: TopicPartitions = names.iter().map(|t| (t.clone(), (0..50).collect())).collect();
    let mut members: Vec<Member> = (0..300).map(|i| Member::new(format!("c{i:03}"), &all)).collect();
    members[299].topics.truncate(1);
    let start = std::time::Instant::now();
    let first = CooperativeStickyAssignor.plan(&members, &parts);
    assert_valid(&members, &parts, &first.target);
    let mut members = after(&members, &first.assignment, 1);
    members.remove(7);
    let second = CooperativeStickyAssignor.plan(&members, &parts);
    assert_valid(&members, &parts, &second.target);
    assert!(second.pending.is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "{:?}", start.elapsed());
}
