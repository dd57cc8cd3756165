//! Rebalances of group-mode Readers against the real broker: cooperative incremental
//! rebalancing (KIP-429) moves only what must move while the members keep consuming, eager
//! assignors still revoke everything, static members (group.instance.id) come back without a
//! rebalance and a duplicate instance id is fenced, and new partitions of a subscribed topic are
//! picked up (watch.partition.changes).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, TopicSpec};
use kafka_rs::net::{BrokerConnection, ConnectOptions};
use kafka_rs::protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_rs::protocol::messages::CreatePartitionsRequest;
use kafka_rs::reader::{Reader, Rebalance};
use kafka_rs::writer::{OutRecord, Writer};

type Key = (String, i32);

fn writer(topic: &str) -> Writer {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("writer.topic", topic).unwrap();
    c.set("linger.ms", "5").unwrap();
    Writer::new(&c).unwrap()
}

/// Writes `values` to `partition` (-1: the balancer picks).
fn write(w: &Writer, values: &[String], partition: i32) {
    let msgs: Vec<OutRecord> = values
        .iter()
        .map(|v| OutRecord { value: Some(v.as_bytes()), partition, ..Default::default() })
        .collect();
    for r in w.write(&msgs, Some(Duration::from_secs(30)), None).unwrap() {
        r.unwrap();
    }
}

fn reader(group: &str, topic: &str, extra: &[(&str, &str)]) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("reader.topic", topic).unwrap();
    c.set("group.id", group).unwrap();
    c.set("session.timeout.ms", "10000").unwrap();
    c.set("heartbeat.interval.ms", "300").unwrap();
    c.set("max.poll.interval.ms", "15000").unwrap();
    c.set("fetch.wait.max.ms", "200").unwrap();
    for (k, v) in extra {
        c.set(k, v).unwrap();
    }
    Reader::new(&c).unwrap()
}

fn set(p: &kafka_rs::group::member::Partitions) -> BTreeSet<Key> {
    p.iter().flat_map(|(t, ps)| ps.iter().map(move |p| (t.clone(), *p))).collect()
}

/// What one member saw, shared with the test's main thread while it runs.
#[derive(Default)]
struct Seen {
    /// Partitions held now, from the rebalance events.
    owned: BTreeSet<Key>,
    /// Every event in order, as (revoked?, partitions).
    events: Vec<(bool, BTreeSet<Key>)>,
    /// (partition, offset, value) of every message delivered.
    messages: Vec<(Key, i64, String)>,
    /// Messages delivered by a read that began after their partition's revoke was seen (and
    /// no assignment of it since): must stay 0.
    after_revoke: usize,
}

/// Runs a member on its own thread until `stop`: reads (committing as ReadMessage does), then
/// takes the rebalance events, the way the C API serves its callback.
fn spawn_member(r: Reader, stop: Arc<AtomicBool>) -> (Arc<Mutex<Seen>>, std::thread::JoinHandle<()>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let h = std::thread::spawn(move || {
        let mut revoked: BTreeSet<Key> = BTreeSet::new();
        while !stop.load(Ordering::SeqCst) {
            let msgs = r.read_batch(200, Some(Duration::from_millis(300)), None).unwrap_or_default();
            let events = r.take_rebalances();
            let mut seen = s.lock().unwrap();
            let reassigned: BTreeSet<Key> = events
                .iter()
                .filter_map(|e| match e {
                    Rebalance::Assigned(p) => Some(set(p)),
                    Rebalance::Revoked(_) => None,
                })
                .flatten()
                .collect();
            for m in &msgs {
                let k = (m.topic.to_string(), m.partition);
                if revoked.contains(&k) && !reassigned.contains(&k) {
                    seen.after_revoke += 1;
                }
                let v = String::from_utf8(m.value.as_ref().unwrap().to_vec()).unwrap();
                seen.messages.push((k, m.offset, v));
            }
            for e in events {
                match e {
                    Rebalance::Assigned(p) => {
                        let p = set(&p);
                        for k in &p {
                            revoked.remove(k);
                            seen.owned.insert(k.clone());
                        }
                        seen.events.push((false, p));
                    }
                    Rebalance::Revoked(p) => {
                        let p = set(&p);
                        for k in &p {
                            revoked.insert(k.clone());
                            seen.owned.remove(k);
                        }
                        seen.events.push((true, p));
                    }
                }
            }
        }
        r.close(Some(Duration::from_secs(10)), None).unwrap();
    });
    (seen, h)
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn owned(s: &Arc<Mutex<Seen>>) -> BTreeSet<Key> {
    s.lock().unwrap().owned.clone()
}

struct Run {
    /// Per member (A, B, C): owned when C was started, owned at the end, events after C started.
    before: Vec<BTreeSet<Key>>,
    after: Vec<BTreeSet<Key>>,
    events_after_c: Vec<Vec<(bool, BTreeSet<Key>)>>,
    seen: Vec<Arc<Mutex<Seen>>>,
    produced: usize,
}

/// Two members consume a 6-partition topic that is written continuously; a third joins; runs
/// until everything written was read.
fn two_then_three(strategy: &str) -> Run {
    let t = topic("g-coop");
    let g = topic("grp-coop");
    create_topic(&t, 6);
    let opts = [("partition.assignment.strategy", strategy), ("auto.commit.interval.ms", "200")];
    let stop_writing = Arc::new(AtomicBool::new(false));
    let produced = Arc::new(AtomicUsize::new(0));
    let producer = {
        let (t, stop, produced) = (t.clone(), stop_writing.clone(), produced.clone());
        std::thread::spawn(move || {
            let w = writer(&t);
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let values: Vec<String> = (i..i + 60).map(|v| v.to_string()).collect();
                write(&w, &values, -1);
                i += 60;
                produced.store(i, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
            w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (a, ha) = spawn_member(reader(&g, &t, &opts), stop.clone());
    let (b, hb) = spawn_member(reader(&g, &t, &opts), stop.clone());
    wait_for("two members to split 6 partitions", 60, || {
        let (oa, ob) = (owned(&a), owned(&b));
        oa.len() == 3 && ob.len() == 3 && oa.is_disjoint(&ob)
    });
    std::thread::sleep(Duration::from_secs(1));
    let before = vec![owned(&a), owned(&b), BTreeSet::new()];
    let marks = [a.lock().unwrap().events.len(), b.lock().unwrap().events.len()];
    let read_before = a.lock().unwrap().messages.len() + b.lock().unwrap().messages.len();
    let c_started = Instant::now();
    let (c, hc) = spawn_member(reader(&g, &t, &opts), stop.clone());
    wait_for("three members to split 6 partitions 2/2/2", 60, || {
        let o = [owned(&a), owned(&b), owned(&c)];
        o.iter().all(|x| x.len() == 2) && o.iter().flatten().collect::<BTreeSet<_>>().len() == 6
    });
    // Reported, not asserted: how long the handover took and how much A and B read meanwhile.
    let read_during = a.lock().unwrap().messages.len() + b.lock().unwrap().messages.len() - read_before;
    eprintln!(
        "{strategy}: third member settled in {:?}; A and B read {read_during} messages meanwhile",
        c_started.elapsed()
    );
    std::thread::sleep(Duration::from_secs(1));
    stop_writing.store(true, Ordering::SeqCst);
    producer.join().unwrap();
    let produced = produced.load(Ordering::SeqCst);
    let seen = vec![a, b, c];
    wait_for("every written message to be read", 60, || {
        let distinct: BTreeSet<String> = seen
            .iter()
            .flat_map(|s| s.lock().unwrap().messages.iter().map(|m| m.2.clone()).collect::<Vec<_>>())
            .collect();
        distinct.len() == produced
    });
    let after = seen.iter().map(owned).collect();
    stop.store(true, Ordering::SeqCst);
    for h in [ha, hb, hc] {
        h.join().unwrap();
    }
    let events_after_c = vec![
        seen[0].lock().unwrap().events[marks[0]..].to_vec(),
        seen[1].lock().unwrap().events[marks[1]..].to_vec(),
        seen[2].lock().unwrap().events.clone(),
    ];
    Run { before, after, events_after_c, seen, produced }
}

/// Partitions ever revoked from any member.
fn ever_revoked(run: &Run) -> BTreeSet<Key> {
    run.seen
        .iter()
        .flat_map(|s| {
            s.lock().unwrap().events.iter().filter(|e| e.0).flat_map(|e| e.1.clone()).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn cooperative_sticky_moves_only_what_must_move() {
    let run = two_then_three("cooperative-sticky");
    for s in &run.seen {
        assert_eq!(s.lock().unwrap().after_revoke, 0, "a revoked partition's message was delivered");
    }
    // A and B: only the partitions that moved to C were revoked; what they kept never was.
    let mut moved = BTreeSet::new();
    for m in 0..2 {
        let revoked: BTreeSet<Key> =
            run.events_after_c[m].iter().filter(|e| e.0).flat_map(|e| e.1.clone()).collect();
        let lost: BTreeSet<Key> = run.before[m].difference(&run.after[m]).cloned().collect();
        assert_eq!(revoked, lost, "member {m} revoked {revoked:?} but lost {lost:?}");
        assert!(run.after[m].is_subset(&run.before[m]), "member {m} gained partitions: {:?}", run.after[m]);
        assert_eq!(lost.len(), 1, "member {m}: {:?} -> {:?}", run.before[m], run.after[m]);
        // Nothing was assigned to it again either: its kept partitions just went on.
        let assigned: BTreeSet<Key> =
            run.events_after_c[m].iter().filter(|e| !e.0).flat_map(|e| e.1.clone()).collect();
        assert!(assigned.is_empty(), "member {m} was assigned {assigned:?}");
        moved.extend(lost);
    }
    // C got exactly the moved partitions, and never lost any.
    assert_eq!(run.after[2], moved);
    assert!(run.events_after_c[2].iter().all(|e| !e.0), "{:?}", run.events_after_c[2]);
    // Every message read at least once; a message read twice belongs to a partition that moved
    // (at-least-once across the handover), never to one that stayed.
    let revoked = ever_revoked(&run);
    let mut count: HashMap<String, (usize, Key)> = HashMap::new();
    for s in &run.seen {
        for (k, _, v) in &s.lock().unwrap().messages {
            count.entry(v.clone()).or_insert((0, k.clone())).0 += 1;
        }
    }
    assert_eq!(count.len(), run.produced);
    let dups: Vec<_> = count.values().filter(|(n, _)| *n > 1).collect();
    assert!(dups.iter().all(|(_, k)| revoked.contains(k)), "duplicates of kept partitions: {dups:?}");
    eprintln!("cooperative: {} messages, {} read twice, moved {moved:?}", run.produced, dups.len());
}

#[test]
fn eager_assignors_still_revoke_everything() {
    let run = two_then_three("range");
    for s in &run.seen {
        assert_eq!(s.lock().unwrap().after_revoke, 0, "a revoked partition's message was delivered");
    }
    for m in 0..2 {
        // The first event after C started revokes all that A (or B) held, kept ones included.
        let first_revoke = run.events_after_c[m].iter().find(|e| e.0).expect("a revoke");
        assert_eq!(first_revoke.1, run.before[m], "member {m}");
    }
    let mut count: HashMap<String, usize> = HashMap::new();
    for s in &run.seen {
        for (_, _, v) in &s.lock().unwrap().messages {
            *count.entry(v.clone()).or_default() += 1;
        }
    }
    assert_eq!(count.len(), run.produced);
}

/// Reads from every reader until `until` holds, returning per reader what was read and the
/// rebalances seen.
fn pump(
    readers: &[&Reader],
    secs: u64,
    mut until: impl FnMut(&[Vec<kafka_rs::conn::Message>], &[Vec<Rebalance>]) -> bool,
) -> (Vec<Vec<kafka_rs::conn::Message>>, Vec<Vec<Rebalance>>) {
    let mut msgs = vec![Vec::new(); readers.len()];
    let mut events = vec![Vec::new(); readers.len()];
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        for (i, r) in readers.iter().enumerate() {
            if let Ok(b) = r.read_batch(500, Some(Duration::from_millis(100)), None) {
                msgs[i].extend(b);
            }
            events[i].extend(r.take_rebalances());
        }
        if until(&msgs, &events) {
            return (msgs, events);
        }
        assert!(Instant::now() < deadline, "timed out: {events:?}");
    }
}

fn assigned_of(events: &[Rebalance]) -> BTreeSet<Key> {
    let mut owned = BTreeSet::new();
    for e in events {
        match e {
            Rebalance::Assigned(p) => owned.extend(set(p)),
            Rebalance::Revoked(p) => {
                for k in set(p) {
                    owned.remove(&k);
                }
            }
        }
    }
    owned
}

#[test]
fn a_static_member_comes_back_without_a_rebalance_and_a_duplicate_is_fenced() {
    let t = topic("g-static");
    let g = topic("grp-static");
    create_topic(&t, 6);
    let w = writer(&t);
    let id_a = format!("{g}-a");
    let id_b = format!("{g}-b");
    // ReadMessage commits each message before returning it (commit interval 0).
    let a = reader(&g, &t, &[("group.instance.id", &id_a)]);
    let b = reader(&g, &t, &[("group.instance.id", &id_b)]);
    let (_, events) =
        pump(&[&a, &b], 60, |_, e| assigned_of(&e[0]).len() == 3 && assigned_of(&e[1]).len() == 3);
    let b_partitions = assigned_of(&events[1]);
    // 600 messages over the 6 partitions, all read in the settled generation.
    let first: Vec<String> = (0..600).map(|i| format!("a{i}")).collect();
    for (p, chunk) in first.chunks(100).enumerate() {
        write(&w, chunk, p as i32);
    }
    let (msgs, events) = pump(&[&a, &b], 60, |m, _| m[0].len() + m[1].len() >= 600);
    assert_eq!(msgs[0].len() + msgs[1].len(), 600);
    assert!(events.iter().all(Vec::is_empty), "{events:?}");
    let a_generation = msgs[0].last().unwrap().generation;
    // Both generations match: the group is stable with both.
    assert_eq!(msgs[1].last().unwrap().generation, a_generation);

    // B closes (a static member sends no LeaveGroup) and comes back with the same instance id
    // well within session.timeout.ms.
    b.close(Some(Duration::from_secs(10)), None).unwrap();
    drop(b);
    let b2 = reader(&g, &t, &[("group.instance.id", &id_b)]);
    let second: Vec<String> = (0..600).map(|i| format!("b{i}")).collect();
    for (p, chunk) in second.chunks(100).enumerate() {
        write(&w, chunk, p as i32);
    }
    let (msgs, events) = pump(&[&a, &b2], 60, |m, _| m[0].len() + m[1].len() >= 600);
    // Nothing was read twice: B2 resumed from B's commits.
    let values: BTreeSet<String> = msgs
        .iter()
        .flatten()
        .map(|m| String::from_utf8(m.value.as_ref().unwrap().to_vec()).unwrap())
        .collect();
    assert_eq!(values, second.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(msgs[0].len() + msgs[1].len(), 600);
    // A saw no rebalance and stayed in its generation; B2 got B's partitions in it too.
    assert!(events[0].is_empty(), "A saw {:?}", events[0]);
    assert!(msgs[0].iter().all(|m| m.generation == a_generation), "A's generation changed");
    assert_eq!(events[1], vec![Rebalance::Assigned(partitions_of(&b_partitions))]);
    assert!(msgs[1].iter().all(|m| b_partitions.contains(&(m.topic.to_string(), m.partition))));
    assert!(msgs[1].iter().all(|m| m.generation == a_generation), "B2 is in another generation");

    // A second live member with B's instance id: the older one is fenced, with a clear error.
    let b3 = reader(&g, &t, &[("group.instance.id", &id_b)]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let err = loop {
        match b2.read_batch(10, Some(Duration::from_millis(200)), None) {
            Err(e) if e.code() == 82 => break e,
            _ => {}
        }
        let _ = b3.read_batch(10, Some(Duration::from_millis(100)), None);
        assert!(Instant::now() < deadline, "B2 was not fenced");
    };
    assert!(err.to_string().contains("FENCED_INSTANCE_ID"), "{err}");
    assert!(err.to_string().contains(&id_b), "{err}");
    // It stays fenced (it does not rejoin and fence B3 in turn); B3 holds B's partitions.
    assert_eq!(b2.read_batch(10, Some(Duration::from_millis(500)), None).unwrap_err().code(), 82);
    let (_, events3) = pump(&[&b3], 30, |_, e| !assigned_of(&e[0]).is_empty());
    assert_eq!(assigned_of(&events3[0]), b_partitions);
    for r in [&a, &b2, &b3] {
        let _ = r.close(Some(Duration::from_secs(10)), None);
    }
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
}

fn partitions_of(keys: &BTreeSet<Key>) -> kafka_rs::group::member::Partitions {
    let mut out = kafka_rs::group::member::Partitions::new();
    for (t, p) in keys {
        out.entry(t.clone()).or_default().push(*p);
    }
    out
}

#[test]
fn new_partitions_are_read_when_watched() {
    let t = topic("g-watch");
    let g = topic("grp-watch");
    create_topic(&t, 2);
    let w = writer(&t);
    write(&w, &["p0".to_string()], 0);
    write(&w, &["p1".to_string()], 1);
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
    let r =
        reader(&g, &t, &[("watch.partition.changes", "true"), ("topic.metadata.refresh.interval.ms", "500")]);
    let (msgs, _) = pump(&[&r], 60, |m, _| m[0].len() >= 2);
    assert_eq!(msgs[0].len(), 2);

    // Two more partitions (CreatePartitions through the broker), and a message in each.
    let conn = run(BrokerConnection::connect(&single(), &ConnectOptions::default())).unwrap();
    let resp = run(conn.send(&CreatePartitionsRequest {
        topics: vec![CreatePartitionsTopic { name: t.clone(), count: 4, ..Default::default() }],
        timeout_ms: 30_000,
        ..Default::default()
    }))
    .unwrap();
    assert!(resp.results.iter().all(|r| r.error_code == 0), "{resp:?}");
    let w = writer(&t);
    write(&w, &["p2".to_string()], 2);
    write(&w, &["p3".to_string()], 3);
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();

    let (msgs, events) = pump(&[&r], 60, |m, _| m[0].len() >= 2);
    let got: BTreeMap<i32, String> = msgs[0]
        .iter()
        .map(|m| (m.partition, String::from_utf8(m.value.as_ref().unwrap().to_vec()).unwrap()))
        .collect();
    assert_eq!(got, BTreeMap::from([(2, "p2".to_string()), (3, "p3".to_string())]));
    assert_eq!(assigned_of(&events[0]).len(), 4, "{events:?}");
    r.close(Some(Duration::from_secs(10)), None).unwrap();
}

#[test]
fn new_partitions_are_not_read_unwatched() {
    // kafka-go's default: without watch.partition.changes the assignment stays as it was.
    let t = topic("g-nowatch");
    let g = topic("grp-nowatch");
    create_topic(&t, 1);
    let r = reader(&g, &t, &[("topic.metadata.refresh.interval.ms", "500")]);
    let (_, events) = pump(&[&r], 60, |_, e| !assigned_of(&e[0]).is_empty());
    assert_eq!(assigned_of(&events[0]).len(), 1);
    let conn = run(BrokerConnection::connect(&single(), &ConnectOptions::default())).unwrap();
    let resp = run(conn.send(&CreatePartitionsRequest {
        topics: vec![CreatePartitionsTopic { name: t.clone(), count: 2, ..Default::default() }],
        timeout_ms: 30_000,
        ..Default::default()
    }))
    .unwrap();
    assert!(resp.results.iter().all(|r| r.error_code == 0), "{resp:?}");
    let w = writer(&t);
    write(&w, &["p1".to_string()], 1);
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
    let deadline = Instant::now() + Duration::from_secs(4);
    while Instant::now() < deadline {
        if let Ok(b) = r.read_batch(10, Some(Duration::from_millis(200)), None) {
            panic!("read {} messages of a partition nobody watched", b.len());
        }
        assert!(r.take_rebalances().is_empty());
    }
    r.close(Some(Duration::from_secs(10)), None).unwrap();
}

/// The rack-affinity assignor with real broker racks: the 3-node test cluster sets broker.rack
/// r1, r2, r3 (scripts/kafka-local.sh); `KAFKA_RS_RACK_BOOTSTRAP` points the test elsewhere.
#[test]
fn rack_affinity_gives_each_member_the_partitions_led_in_its_rack() {
    let bootstrap = std::env::var("KAFKA_RS_RACK_BOOTSTRAP").unwrap_or_else(|_| cluster()[0].clone());
    let t = topic("g-rack");
    let g = topic("grp-rack");
    let conn = run(Conn::dial(&bootstrap, settings())).unwrap();
    let spec = TopicSpec { name: t.clone(), num_partitions: 6, replication_factor: 1, ..Default::default() };
    run(conn.create_topics(&[spec], Duration::from_secs(30))).unwrap();
    // The rack of each partition's leader, as the cluster says.
    let deadline = Instant::now() + Duration::from_secs(30);
    let md = loop {
        let md = run(conn.metadata(Some(std::slice::from_ref(&t)))).unwrap();
        let ok = md
            .topic(&t)
            .is_some_and(|x| x.partitions.len() == 6 && x.partitions.iter().all(|p| p.leader >= 0));
        if ok {
            break md;
        }
        assert!(Instant::now() < deadline, "topic {t} has no leaders");
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut by_rack: BTreeMap<String, BTreeSet<Key>> = BTreeMap::new();
    for p in &md.topic(&t).unwrap().partitions {
        let rack = md.broker(p.leader).and_then(|b| b.rack.clone()).expect("every broker has a rack");
        by_rack.entry(rack).or_default().insert((t.clone(), p.id));
    }
    assert!(by_rack.len() >= 2, "partitions led in only one rack: {by_rack:?}");
    let racks: Vec<String> = by_rack.keys().cloned().collect();
    let member = |rack: &str| {
        let mut c = Config::new();
        c.set("bootstrap.servers", &bootstrap).unwrap();
        c.set("reader.topic", &t).unwrap();
        c.set("group.id", &g).unwrap();
        c.set("session.timeout.ms", "10000").unwrap();
        c.set("heartbeat.interval.ms", "300").unwrap();
        c.set("partition.assignment.strategy", "rack-affinity").unwrap();
        c.set("client.rack", rack).unwrap();
        Reader::new(&c).unwrap()
    };
    // The first member starts alone and gets a generation of its own with all 6 partitions;
    // the others join later. Members started together can land in such intermediate
    // generations too (the first JoinGroup completes at once: group.initial.rebalance.delay.ms
    // is 0), so the test goes through one on purpose and must wait for the generation that
    // has every member.
    let first = member(&racks[0]);
    let (_, mut events) = pump(&[&first], 60, |_, e| assigned_of(&e[0]).len() == 6);
    let rest: Vec<Reader> = racks[1..].iter().map(|r| member(r)).collect();
    let readers: Vec<&Reader> = std::iter::once(&first).chain(&rest).collect();
    events.resize_with(readers.len(), Vec::new);
    let (_, later) = pump(&readers, 60, |_, e| {
        let owned: Vec<BTreeSet<Key>> =
            events.iter().zip(e).map(|(a, b)| assigned_of(&[a.as_slice(), b].concat())).collect();
        owned.iter().all(|o| !o.is_empty())
            && owned.iter().flatten().collect::<BTreeSet<_>>().len() == 6
            && owned.iter().map(BTreeSet::len).sum::<usize>() == 6
    });
    for (e, l) in events.iter_mut().zip(later) {
        e.extend(l);
    }
    let local: Vec<BTreeSet<Key>> = by_rack.values().cloned().collect();
    let owned: Vec<BTreeSet<Key>> = events.iter().map(|x| assigned_of(x)).collect();
    eprintln!("rack affinity: partitions led per rack {local:?}, assigned {owned:?}");
    // Even shares (6 partitions, one member per rack: 2 each), and each member takes as many
    // partitions led in its own rack as its share allows.
    let share = 6 / readers.len();
    for (i, o) in owned.iter().enumerate() {
        assert_eq!(o.len(), share, "member in {} got {o:?}", racks[i]);
        assert_eq!(
            o.intersection(&local[i]).count(),
            share.min(local[i].len()),
            "member in {} got {o:?}; its rack leads {:?}",
            racks[i],
            local[i]
        );
    }
    for r in &readers {
        r.close(Some(Duration::from_secs(10)), None).unwrap();
    }
}

#[test]
fn explicit_commits_span_cooperative_generations_of_a_kept_partition() {
    let t = topic("g-coop-commit");
    let g = topic("grp-coop-commit");
    create_topic(&t, 2);
    let w = writer(&t);
    for p in 0..2 {
        write(&w, &(0..10).map(|i| format!("{p}-{i}")).collect::<Vec<_>>(), p);
    }
    let opts = [("partition.assignment.strategy", "cooperative-sticky")];
    let a = reader(&g, &t, &opts);
    // A alone: one fetched, uncommitted message of each partition (kafka-go's FetchMessage).
    let mut first: BTreeMap<i32, kafka_rs::conn::Message> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while first.len() < 2 {
        assert!(Instant::now() < deadline, "A never read both partitions");
        for m in a.fetch_batch(100, Some(Duration::from_millis(200)), None).unwrap_or_default() {
            first.entry(m.partition).or_insert(m);
        }
    }
    let g1 = first[&0].generation;
    // B joins: A keeps one partition and hands the other over, in two generations.
    let b = reader(&g, &t, &opts);
    let (_, events) =
        pump(&[&a, &b], 60, |_, e| assigned_of(&e[1]).len() == 1 && assigned_of(&e[0]).len() == 1);
    let kept = assigned_of(&events[0]).iter().next().expect("A keeps a partition").1;
    let moved = 1 - kept;
    // A's own first assignment (both) came in this pump too; after it, only `moved` is revoked.
    let revoked: Vec<BTreeSet<Key>> = events[0]
        .iter()
        .filter_map(|e| match e {
            Rebalance::Revoked(p) => Some(set(p)),
            Rebalance::Assigned(_) => None,
        })
        .collect();
    assert_eq!(revoked, vec![BTreeSet::from([(t.clone(), moved)])], "A: {:?}", events[0]);
    // New messages of the kept partition come in a later generation.
    write(&w, &(10..15).map(|i| format!("{kept}-{i}")).collect::<Vec<_>>(), kept);
    let deadline = Instant::now() + Duration::from_secs(60);
    let later = loop {
        assert!(Instant::now() < deadline, "A read nothing new of partition {kept}");
        let batch = a.fetch_batch(100, Some(Duration::from_millis(200)), None).unwrap_or_default();
        if let Some(m) = batch.into_iter().filter(|m| m.partition == kept && m.generation > g1).last() {
            break m;
        }
        let _ = b.fetch_batch(100, Some(Duration::from_millis(100)), None);
    };
    // One commit with messages of both generations of the kept partition is accepted ...
    a.commit(&[&first[&kept], &later], Some(Duration::from_secs(10)), None).unwrap();
    // ... but not one of the partition that moved away.
    let e = a.commit(&[&first[&moved]], Some(Duration::from_secs(10)), None).unwrap_err();
    assert_eq!(e.code(), 22, "{e}");
    // A member after A and B resumes the kept partition right after `later`.
    a.close(Some(Duration::from_secs(10)), None).unwrap();
    b.close(Some(Duration::from_secs(10)), None).unwrap();
    write(&w, &(15..20).map(|i| format!("{kept}-{i}")).collect::<Vec<_>>(), kept);
    let c = reader(&g, &t, &[("partition.assignment.strategy", "cooperative-sticky")]);
    let (msgs, _) = pump(&[&c], 60, |m, _| m[0].iter().any(|m| m.partition == kept));
    let first_kept = msgs[0].iter().filter(|m| m.partition == kept).map(|m| m.offset).min().unwrap();
    assert_eq!(first_kept, later.offset + 1);
    c.close(Some(Duration::from_secs(10)), None).unwrap();
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
}
