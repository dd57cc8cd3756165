//! On the 3-node cluster, with acks=all and idempotence, the leader of a partition is killed
//! (SIGKILL) in the middle of a run: every acknowledged message must be present exactly once
//! and in order. The node is restarted afterwards so later tests find the cluster whole.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, TopicSpec};
use kafka_rs::writer::{Event, OutRecord, Writer};

fn script(args: &[&str]) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka-local.sh");
    let st = Command::new(path).args(args).status().expect("run kafka-local.sh");
    assert!(st.success(), "kafka-local.sh {args:?} failed");
}

/// Restarts the killed node even when the test fails.
struct Revive(Option<i32>);
impl Drop for Revive {
    fn drop(&mut self) {
        if let Some(n) = self.0 {
            script(&["restart-node", &n.to_string()]);
        }
    }
}

fn any_conn() -> Conn {
    cluster().iter().find_map(|a| run(Conn::dial(a, settings())).ok()).expect("no cluster broker answers")
}

#[test]
fn acknowledged_messages_survive_a_leader_kill_exactly_once_and_in_order() {
    let t = topic("failover");
    let partitions = 3;
    let admin = any_conn();
    let spec = TopicSpec {
        name: t.clone(),
        num_partitions: partitions,
        replication_factor: 3,
        configs: vec![("min.insync.replicas".into(), "2".into())],
        ..Default::default()
    };
    run(admin.create_topics(&[spec], Duration::from_secs(30))).unwrap();

    let mut c = Config::new();
    c.set("bootstrap.servers", &cluster().join(",")).unwrap();
    c.set("writer.topic", &t).unwrap();
    c.set("acks", "all").unwrap();
    c.set("retry.backoff.max.ms", "500").unwrap();
    let w = Writer::new(&c).unwrap();

    let n = 30_000usize;
    let values: Vec<Vec<u8>> = (0..n).map(|i| format!("{i:07}").into_bytes()).collect();
    let mut acked: HashMap<usize, (i32, i64)> = HashMap::new();
    let mut failed = 0usize;
    let mut sink = |e: Event| {
        if let Event::Delivery(reports) = e {
            for r in reports {
                match r.result {
                    Ok(off) => {
                        acked.insert(r.opaque, (r.partition, off));
                    }
                    Err(_) => failed += 1,
                }
            }
        }
    };
    let mut revive = Revive(None);
    let started = Instant::now();
    for (chunk_no, chunk) in (0..n).collect::<Vec<_>>().chunks(200).enumerate() {
        let msgs: Vec<OutRecord> = chunk
            .iter()
            .map(|&i| OutRecord {
                value: Some(&values[i]),
                partition: (i % partitions as usize) as i32,
                ..Default::default()
            })
            .collect();
        w.produce(&msgs, chunk).unwrap();
        let _ = w.poll(Some(Duration::from_millis(2)), None, &mut sink);
        if chunk_no == 50 {
            // Kill the leader of partition 0 mid-run.
            let md = run(any_conn().read_partitions(std::slice::from_ref(&t))).unwrap();
            let leader = md.iter().find(|p| p.id == 0).unwrap().leader;
            script(&["kill-node", &leader.to_string()]);
            revive.0 = Some(leader);
            eprintln!("killed node {leader} after {} messages were handed over", (chunk_no + 1) * 200);
        }
    }
    w.flush(Some(Duration::from_secs(120)), None, &mut sink).unwrap();
    w.close(Some(Duration::from_secs(10)), None, &mut sink).unwrap();
    let stats = w.stats();
    eprintln!(
        "produced {n} in {:?}: acknowledged {}, failed {failed}, retries {}",
        started.elapsed(),
        acked.len(),
        stats.retries
    );
    assert!(revive.0.is_some());
    assert_eq!(acked.len() + failed, n);

    // Read every partition back from its (new) leader.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut at: HashMap<usize, (i32, i64)> = HashMap::new();
    for p in 0..partitions {
        let conn = cluster().iter().find_map(|a| run(Conn::dial_leader(a, &t, p, settings())).ok()).unwrap();
        let last = run(conn.read_last_offset()).unwrap();
        let mut prev: Option<usize> = None;
        let mut read = 0;
        while read < last {
            for m in run(conn.read_batch(1, 8 << 20, Duration::from_millis(200), false)).unwrap() {
                let m = m.unwrap();
                read = m.offset + 1;
                let i: usize = std::str::from_utf8(m.value.as_ref().unwrap()).unwrap().parse().unwrap();
                assert_eq!(i % partitions as usize, p as usize, "message {i} in the wrong partition");
                if let Some(prev) = prev {
                    assert!(i > prev, "partition {p}: {i} after {prev}: out of order or duplicated");
                }
                prev = Some(i);
                *seen.entry(i).or_default() += 1;
                at.insert(i, (p, m.offset));
            }
        }
    }
    let duplicates: usize = seen.values().filter(|c| **c > 1).count();
    let missing: Vec<usize> = acked.keys().filter(|i| !seen.contains_key(i)).copied().collect();
    let unacked_present = seen.keys().filter(|i| !acked.contains_key(i)).count();
    eprintln!(
        "present {} distinct, duplicates {duplicates}, acknowledged but missing {}, present but not acknowledged {unacked_present}",
        seen.len(),
        missing.len()
    );
    assert_eq!(duplicates, 0);
    assert!(missing.is_empty(), "acknowledged but missing: {:?}", &missing[..missing.len().min(10)]);
    for (i, pos) in &acked {
        if pos.1 >= 0 {
            assert_eq!(at.get(i), Some(pos), "message {i} is not where its report said");
        }
    }
    let distinct: HashSet<usize> = seen.keys().copied().collect();
    assert!(distinct.len() >= acked.len());
}
