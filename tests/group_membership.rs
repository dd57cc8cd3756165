//! Consumer group membership against the real broker: assignments cover every partition once,
//! rebalance when members come and go, commits of an old generation are refused, and a group
//! shared with kcat's (librdkafka's) balanced consumer splits the partitions.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::cluster::ClusterClient;
use kafka_rs::group::assignor::{Assignor, CooperativeStickyAssignor, RangeAssignor, RoundRobinAssignor};
use kafka_rs::group::member::{GroupEvent, GroupMember, MemberSettings, Partitions};
use kafka_rs::net::ConnectOptions;
use tokio::sync::mpsc::UnboundedReceiver;

fn member(group: &str, topic: &str) -> (Arc<GroupMember>, UnboundedReceiver<GroupEvent>) {
    member_with(group, topic, vec![Arc::new(RangeAssignor), Arc::new(RoundRobinAssignor)])
}

fn member_with(
    group: &str,
    topic: &str,
    assignors: Vec<Arc<dyn Assignor>>,
) -> (Arc<GroupMember>, UnboundedReceiver<GroupEvent>) {
    let cluster =
        ClusterClient::new(vec![single()], ConnectOptions::default(), Duration::from_secs(60)).unwrap();
    let settings = MemberSettings {
        group_id: group.into(),
        instance_id: None,
        topics: vec![topic.into()],
        session_timeout: Duration::from_secs(10),
        rebalance_timeout: Duration::from_secs(10),
        heartbeat_interval: Duration::from_millis(300),
        rack: None,
        backoff: Duration::from_millis(100),
        watch_partitions: None,
    };
    GroupMember::start(cluster, settings, assignors).unwrap()
}

/// Waits until every member reports the same generation and, together, owns `n` partitions.
fn settle(members: &mut [(Arc<GroupMember>, UnboundedReceiver<GroupEvent>)], n: usize) -> Vec<Partitions> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut owned: Vec<Partitions> = vec![BTreeMap::new(); members.len()];
    let mut generation = vec![-1; members.len()];
    loop {
        for (i, (_, rx)) in members.iter_mut().enumerate() {
            while let Ok(e) = rx.try_recv() {
                match e {
                    GroupEvent::Assigned { generation: g, owned: now, .. } => {
                        generation[i] = g;
                        owned[i] = now;
                    }
                    GroupEvent::Revoked { .. } => owned[i].clear(),
                    GroupEvent::Failed { error } => panic!("membership failed: {error}"),
                }
            }
        }
        let total: usize = owned.iter().flat_map(|o| o.values()).map(Vec::len).sum();
        let same = generation.iter().all(|g| *g == generation[0] && *g >= 0)
            && members.iter().all(|(m, _)| m.generation() == generation[0]);
        if same && total == n {
            return owned;
        }
        assert!(Instant::now() < deadline, "group did not settle: {owned:?} generations {generation:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn flat(owned: &[Partitions]) -> Vec<i32> {
    let mut all: Vec<i32> = owned.iter().flat_map(|o| o.values().flatten().copied()).collect();
    all.sort();
    all
}

#[test]
fn members_split_the_partitions_and_rebalance_when_one_leaves() {
    let t = topic("g-split");
    let g = topic("group");
    create_topic(&t, 6);
    let mut members: Vec<_> = (0..3).map(|_| member(&g, &t)).collect();
    let owned = settle(&mut members, 6);
    assert_eq!(flat(&owned), vec![0, 1, 2, 3, 4, 5]);
    assert!(owned.iter().all(|o| o.values().map(Vec::len).sum::<usize>() == 2), "{owned:?}");

    // Commit as the current generation, read it back; an old generation is refused.
    let (m0, _) = &members[0];
    let gen = m0.generation();
    let mine = m0.assigned();
    let p = mine[&t][0];
    let offsets = BTreeMap::from([((t.clone(), p), 17i64)]);
    run(m0.commit(gen, &offsets)).unwrap();
    let got = run(m0.committed(&mine)).unwrap();
    assert_eq!(got[&(t.clone(), p)], 17);
    let stale = run(m0.commit(gen - 1, &BTreeMap::from([((t.clone(), p), 3i64)]))).unwrap_err();
    assert_eq!(stale.code(), 22, "{stale}");
    assert_eq!(run(m0.committed(&mine)).unwrap()[&(t.clone(), p)], 17);

    // One member leaves: the other two take its partitions.
    let (leaver, _) = members.remove(2);
    run(leaver.leave()).unwrap();
    let owned = settle(&mut members, 6);
    assert_eq!(flat(&owned), vec![0, 1, 2, 3, 4, 5]);
    assert!(owned.iter().all(|o| o.values().map(Vec::len).sum::<usize>() == 3), "{owned:?}");
    // The commit of the finished generation is refused now.
    let e = run(members[0].0.commit(gen, &BTreeMap::from([((t.clone(), p), 1i64)]))).unwrap_err();
    assert_eq!(e.code(), 22);
    for (m, _) in &members {
        run(m.leave()).unwrap();
    }
}

/// Whether group `g` is Stable with one member that was assigned partitions.
fn kcat_owns_the_group(g: &str) -> bool {
    use kafka_rs::protocol::messages::DescribeGroupsRequest;
    run(async {
        let conn = kafka_rs::net::BrokerConnection::connect(&single(), &ConnectOptions::default()).await?;
        let resp =
            conn.send(&DescribeGroupsRequest { groups: vec![g.to_string()], ..Default::default() }).await?;
        Ok(resp.groups.first().is_some_and(|d| {
            d.group_state == "Stable" && d.members.len() == 1 && d.members[0].member_assignment.len() > 10
            // an empty assignment is 10 bytes
        }))
    })
    .unwrap_or(false)
}

struct Kcat(Child);
impl Drop for Kcat {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts kcat's balanced consumer (librdkafka) with `strategy` on `t`, alone in a new group,
/// and waits until it holds every partition. librdkafka 2.0 first joins with no topics and
/// rejoins once its metadata arrives; now and then it never does, so a kcat that has not settled
/// alone in 20 s is replaced (new group).
fn kcat_alone(t: &str, strategy: &str) -> (String, Kcat) {
    for attempt in 0..3 {
        let g = topic(&format!("mixed{attempt}"));
        let kcat = Kcat(
            Command::new("kcat")
                .args(["-b", &single(), "-G", &g, "-X", &format!("partition.assignment.strategy={strategy}")])
                .args(["-X", "topic.metadata.refresh.interval.ms=1000", "-q", t])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("kcat"),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && !kcat_owns_the_group(&g) {
            std::thread::sleep(Duration::from_millis(200));
        }
        if kcat_owns_the_group(&g) {
            return (g, kcat);
        }
        eprintln!("kcat did not settle in group {g}; trying a new one");
    }
    panic!("kcat never settled in a group of its own");
}

#[test]
fn a_group_shared_with_librdkafka_splits_the_partitions() {
    let t = topic("g-mixed");
    create_topic(&t, 6);
    let (g, kcat) = kcat_alone(&t, "range");
    // Our member joins: the group rebalances and splits 6 partitions 3/3 (settle waits up to 60 s).
    let mut ours = vec![member(&g, &t)];
    let mine = settle(&mut ours, 3).remove(0);
    assert_eq!(mine.values().map(Vec::len).sum::<usize>(), 3, "{mine:?}");
    drop(kcat);
    run(ours[0].0.leave()).unwrap();
}

#[test]
fn a_cooperative_group_shared_with_librdkafka_hands_over_incrementally() {
    let t = topic("g-mixed-coop");
    create_topic(&t, 6);
    let (g, kcat) = kcat_alone(&t, "cooperative-sticky");
    // Our cooperative member joins: librdkafka (the leader) withholds the moving partitions for a
    // round, revokes them from itself, and the next round gives them to us. We never revoke.
    let mut ours = vec![member_with(&g, &t, vec![Arc::new(CooperativeStickyAssignor)])];
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut owned = Partitions::new();
    let mut events = Vec::new();
    while owned.values().map(Vec::len).sum::<usize>() < 3 {
        assert!(Instant::now() < deadline, "never got 3 partitions: {events:?}");
        while let Ok(e) = ours[0].1.try_recv() {
            if let GroupEvent::Assigned { owned: now, .. } = &e {
                owned = now.clone();
            }
            events.push(e);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(owned.values().map(Vec::len).sum::<usize>(), 3, "{owned:?}");
    assert!(!events.iter().any(|e| matches!(e, GroupEvent::Revoked { .. })), "{events:?}");
    // The group runs the cooperative protocol.
    use kafka_rs::protocol::messages::DescribeGroupsRequest;
    let protocol = run(async {
        let conn = kafka_rs::net::BrokerConnection::connect(&single(), &ConnectOptions::default()).await?;
        let resp =
            conn.send(&DescribeGroupsRequest { groups: vec![g.clone()], ..Default::default() }).await?;
        Ok(resp.groups.first().map(|d| d.protocol_data.clone()).unwrap_or_default())
    })
    .unwrap();
    assert_eq!(protocol, "cooperative-sticky");
    drop(kcat);
    run(ours.remove(0).0.leave()).unwrap();
}

fn count(p: &Partitions) -> usize {
    p.values().map(Vec::len).sum()
}

#[test]
fn a_member_offering_an_eager_assignor_stays_eager_in_a_cooperative_group() {
    let t = topic("g-coop-mixed");
    let g = topic("group-coop-mixed");
    create_topic(&t, 6);
    type Events = Vec<GroupEvent>;
    // Waits until the members hold `want` partitions each (in order), logging their events.
    fn until(
        members: &mut [(Arc<GroupMember>, UnboundedReceiver<GroupEvent>)],
        logs: &mut Vec<Events>,
        want: &[usize],
    ) {
        let deadline = Instant::now() + Duration::from_secs(60);
        logs.resize(members.len(), Vec::new());
        loop {
            for (i, (_, rx)) in members.iter_mut().enumerate() {
                while let Ok(e) = rx.try_recv() {
                    logs[i].push(e);
                }
            }
            if members.iter().zip(want).all(|((m, _), w)| count(&m.assigned()) == *w)
                && members.iter().all(|(m, _)| m.generation() == members[0].0.generation())
            {
                return;
            }
            assert!(Instant::now() < deadline, "no {want:?}: {logs:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let coop = || -> Vec<Arc<dyn Assignor>> { vec![Arc::new(CooperativeStickyAssignor)] };
    let mixed =
        || -> Vec<Arc<dyn Assignor>> { vec![Arc::new(RangeAssignor), Arc::new(CooperativeStickyAssignor)] };
    let mut members = vec![member_with(&g, &t, coop())];
    let mut logs: Vec<Events> = Vec::new();
    until(&mut members, &mut logs, &[6]);
    // B offers range first, so it is eager (Java's rule); the group can only agree on
    // cooperative-sticky, which A alone offers.
    members.push(member_with(&g, &t, mixed()));
    until(&mut members, &mut logs, &[3, 3]);
    let held_by_b = members[1].0.assigned();
    let marks: Vec<usize> = logs.iter().map(Vec::len).collect();
    members.push(member_with(&g, &t, mixed()));
    until(&mut members, &mut logs, &[2, 2, 2]);
    let revoked = |i: usize| -> Vec<Partitions> {
        logs[i][marks.get(i).copied().unwrap_or(0)..]
            .iter()
            .filter_map(|e| match e {
                GroupEvent::Revoked { partitions } => Some(partitions.clone()),
                _ => None,
            })
            .collect()
    };
    // A (cooperative) gave up one partition and nothing else; B (eager) revoked all it held.
    assert_eq!(revoked(0).iter().map(count).sum::<usize>(), 1, "A: {:?}", logs[0]);
    assert_eq!(revoked(1).first(), Some(&held_by_b), "B: {:?}", logs[1]);
    for (m, _) in &members {
        run(m.leave()).unwrap();
    }
}
