//! The admin client (kafka-go's Client) against the real single node (KAFKA_BOOTSTRAP): each
//! call's results are checked, including errors that concern one item while the others succeed.

mod common;

use std::time::Duration;

use common::*;
use kafka_rs::admin::{
    AlterConfigOp, Client, ClientSettings, ConfigResource, Deadline, NewPartitions, OffsetQuery, EARLIEST,
    LATEST, MAX_TIMESTAMP, RESOURCE_BROKER, RESOURCE_TOPIC, SOURCE_DEFAULT,
};
use kafka_rs::config::Config;
use kafka_rs::conn::TopicSpec;
use kafka_rs::reader::Reader;
use kafka_rs::writer::{OutRecord, Writer};

fn client() -> Client {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("client.id", "admin-test").unwrap();
    Client::new(ClientSettings::from_config(&c).unwrap()).unwrap()
}

fn soon() -> Deadline {
    Deadline::after(Some(Duration::from_secs(30)))
}

fn spec(name: &str, partitions: i32) -> TopicSpec {
    TopicSpec { name: name.into(), num_partitions: partitions, replication_factor: 1, ..Default::default() }
}

/// The partition count metadata reports, once it is `want` (metadata reaches every broker a
/// moment after the controller answered) or after 5 s.
fn partitions_of(c: &Client, topic: &str, want: usize) -> usize {
    let start = std::time::Instant::now();
    loop {
        let md = run(c.metadata(Some(&[topic.to_string()]))).unwrap();
        let n = md.topic(topic).filter(|t| t.error_code == 0).map_or(0, |t| t.partitions.len());
        if n == want || start.elapsed() > Duration::from_secs(5) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn code_of<T>(r: &kafka_rs::Result<T>) -> i32 {
    r.as_ref().err().map_or(0, |e| e.code())
}

#[test]
fn create_topics_reports_each_topic_and_validate_only_creates_nothing() {
    let c = client();
    let (a, b, d) = (topic("adm-a"), topic("adm-b"), topic("adm-d"));
    let r = run(c.create_topics(&[spec(&a, 3), spec(&b, 1)], false, soon())).unwrap();
    assert_eq!(r.iter().map(code_of).collect::<Vec<_>>(), vec![0, 0]);
    assert_eq!(partitions_of(&c, &a, 3), 3);
    // One exists, one is new: TOPIC_ALREADY_EXISTS for that item only.
    let r = run(c.create_topics(&[spec(&a, 3), spec(&d, 2)], false, soon())).unwrap();
    assert_eq!(code_of(&r[0]), 36, "{:?}", r[0]);
    assert!(r[0].as_ref().unwrap_err().message().contains(&a));
    assert!(r[1].is_ok(), "{:?}", r[1]);
    assert_eq!(partitions_of(&c, &d, 2), 2);
    // validate_only: accepted, not created.
    let e = topic("adm-e");
    let r = run(c.create_topics(&[spec(&e, 1)], true, soon())).unwrap();
    assert!(r[0].is_ok(), "{:?}", r[0]);
    assert_eq!(partitions_of(&c, &e, 0), 0);
    // An invalid item (0 partitions... -5 is rejected by the broker) fails alone.
    let r = run(c.create_topics(&[spec(&e, -5), spec(&topic("adm-f"), 1)], false, soon())).unwrap();
    assert_eq!(code_of(&r[0]), 37, "{:?}", r[0]); // INVALID_PARTITIONS
    assert!(r[1].is_ok());
    // A name given twice is the caller's mistake.
    assert_eq!(
        run(c.create_topics(&[spec(&e, 1), spec(&e, 1)], false, soon())).unwrap_err().code(),
        kafka_rs::error::code::INVALID_ARG
    );
}

#[test]
fn create_partitions_and_delete_topics_per_item() {
    let c = client();
    let (a, b, missing) = (topic("adm-cp"), topic("adm-cp2"), topic("adm-missing"));
    run(c.create_topics(&[spec(&a, 1), spec(&b, 2)], false, soon())).unwrap();
    let grow = |t: &str, n| NewPartitions { topic: t.into(), total_count: n };
    let r = run(c.create_partitions(&[grow(&a, 4), grow(&b, 1), grow(&missing, 3)], false, soon())).unwrap();
    assert!(r[0].is_ok(), "{:?}", r[0]);
    assert_eq!(code_of(&r[1]), 37, "{:?}", r[1]); // cannot shrink: INVALID_PARTITIONS
    assert_eq!(code_of(&r[2]), 3, "{:?}", r[2]);
    assert_eq!(partitions_of(&c, &a, 4), 4);
    // validate_only changes nothing.
    assert!(run(c.create_partitions(&[grow(&b, 5)], true, soon())).unwrap()[0].is_ok());
    assert_eq!(partitions_of(&c, &b, 2), 2);

    let r = run(c.delete_topics(&[a.clone(), missing.clone(), b.clone()], soon())).unwrap();
    assert_eq!(r.iter().map(code_of).collect::<Vec<_>>(), vec![0, 3, 0]);
    assert_eq!(partitions_of(&c, &a, 0), 0);
}

#[test]
fn describe_and_alter_configs_of_topics_and_brokers() {
    let c = client();
    let t = topic("adm-cfg");
    let mut s = spec(&t, 1);
    s.configs.push(("retention.ms".into(), "12345".into()));
    run(c.create_topics(&[s], false, soon())).unwrap();
    // DescribeConfigs of a topic the broker's metadata does not have yet is UNKNOWN_TOPIC (not
    // retried, as in the Java client): wait until the topic is visible.
    assert_eq!(partitions_of(&c, &t, 1), 1);
    let broker = run(c.metadata(Some(&[]))).unwrap().brokers[0].id.to_string();
    let res = |ty, n: &str| ConfigResource { resource_type: ty, name: n.into() };
    let missing = topic("adm-nocfg");
    let r = run(c.describe_configs(
        &[res(RESOURCE_TOPIC, &t), res(RESOURCE_BROKER, &broker), res(RESOURCE_TOPIC, &missing)],
        &[],
        soon(),
    ))
    .unwrap();
    let topic_cfg = r[0].as_ref().unwrap();
    let retention = topic_cfg.entries.iter().find(|e| e.name == "retention.ms").unwrap();
    assert_eq!(retention.value.as_deref(), Some("12345"));
    assert_eq!(retention.source, 1); // TOPIC_CONFIG
    let cleanup = topic_cfg.entries.iter().find(|e| e.name == "cleanup.policy").unwrap();
    assert_eq!(cleanup.value.as_deref(), Some("delete"));
    let broker_cfg = r[1].as_ref().unwrap();
    assert_eq!(broker_cfg.resource.name, broker);
    assert!(broker_cfg.entries.iter().any(|e| e.name == "num.partitions" && e.value.is_some()));
    assert_eq!(code_of(&r[2]), 3, "{:?}", r[2]);

    // Only the names asked for.
    let r = run(c.describe_configs(&[res(RESOURCE_TOPIC, &t)], &["retention.ms".into()], soon())).unwrap();
    assert_eq!(r[0].as_ref().unwrap().entries.len(), 1);

    let op = |name: &str, value: Option<&str>, op| AlterConfigOp {
        resource: res(RESOURCE_TOPIC, &t),
        name: name.into(),
        value: value.map(str::to_string),
        op,
    };
    let bad = AlterConfigOp { resource: res(RESOURCE_TOPIC, &missing), ..op("retention.ms", Some("1"), 0) };
    let r = run(c.incremental_alter_configs(
        &[op("retention.ms", None, 1), op("max.message.bytes", Some("200000"), 0), bad],
        false,
        soon(),
    ))
    .unwrap();
    assert_eq!(r.len(), 2);
    assert!(r[0].1.is_ok(), "{:?}", r[0]);
    assert_eq!(r[1].0.name, missing);
    assert_eq!(code_of(&r[1].1), 3, "{:?}", r[1]);
    let r = run(c.describe_configs(&[res(RESOURCE_TOPIC, &t)], &[], soon())).unwrap();
    let entries = &r[0].as_ref().unwrap().entries;
    let get = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
    assert_eq!(get("max.message.bytes").value.as_deref(), Some("200000"));
    assert_ne!(get("retention.ms").value.as_deref(), Some("12345"));
    assert_ne!(get("retention.ms").source, 1);
    // An unknown config name fails that resource.
    let r = run(c.incremental_alter_configs(&[op("no.such.config", Some("1"), 0)], false, soon())).unwrap();
    assert!(r[0].1.is_err());
    assert_eq!(SOURCE_DEFAULT, 5);
}

fn produce(topic: &str, n: usize) {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("writer.topic", topic).unwrap();
    let w = Writer::new(&c).unwrap();
    let values: Vec<Vec<u8>> = (0..n).map(|i| i.to_string().into_bytes()).collect();
    let msgs: Vec<OutRecord> =
        values.iter().map(|v| OutRecord { value: Some(v), partition: 0, ..Default::default() }).collect();
    for r in w.write(&msgs, Some(Duration::from_secs(30)), None).unwrap() {
        r.unwrap();
    }
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
}

#[test]
fn list_offsets_by_leader_earliest_latest_and_by_time() {
    let c = client();
    let t = topic("adm-lo");
    run(c.create_topics(&[spec(&t, 2)], false, soon())).unwrap();
    let before = kafka_rs::runtime::now_ms();
    produce(&t, 10);
    let q = |p, ts| OffsetQuery { topic: t.clone(), partition: p, timestamp: ts };
    let r = run(c.list_offsets(
        &[
            q(0, EARLIEST),
            q(0, LATEST),
            q(1, LATEST),
            q(0, before - 60_000),
            q(0, MAX_TIMESTAMP),
            q(7, LATEST),
        ],
        soon(),
    ))
    .unwrap();
    assert_eq!(r[0].as_ref().unwrap().offset, 0);
    assert_eq!(r[1].as_ref().unwrap().offset, 10);
    assert_eq!(r[2].as_ref().unwrap().offset, 0);
    assert_eq!(r[3].as_ref().unwrap().offset, 0);
    let max = r[4].as_ref().unwrap();
    assert!((0..10).contains(&max.offset) && max.timestamp >= before, "{max:?}");
    assert_eq!(code_of(&r[5]), 3, "{:?}", r[5]);
    // A missing topic fails at once, not after the whole timeout.
    let start = std::time::Instant::now();
    let r = run(
        c.list_offsets(&[OffsetQuery { topic: topic("adm-nolo"), partition: 0, timestamp: LATEST }], soon())
    )
    .unwrap();
    assert_eq!(code_of(&r[0]), 3);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn groups_listed_described_fetched_lagging_and_deleted() {
    let c = client();
    let t = topic("adm-g");
    let group = topic("adm-group");
    run(c.create_topics(&[spec(&t, 1)], false, soon())).unwrap();
    produce(&t, 10);
    let mut rc = Config::new();
    rc.set("bootstrap.servers", &single()).unwrap();
    rc.set("reader.topic", &t).unwrap();
    rc.set("group.id", &group).unwrap();
    rc.set("client.id", "lag-reader").unwrap();
    rc.set("auto.offset.reset", "earliest").unwrap();
    rc.set("fetch.wait.max.ms", "200").unwrap();
    let reader = Reader::new(&rc).unwrap();
    let mut last = None;
    for _ in 0..4 {
        last = Some(reader.fetch(Some(Duration::from_secs(30)), None).unwrap());
    }
    let last = last.unwrap();
    reader.commit(&[&last], Some(Duration::from_secs(10)), None).unwrap();

    let listed = run(c.list_groups(soon())).unwrap();
    let g = listed.iter().find(|g| g.group_id == group).expect("group listed");
    assert_eq!(g.protocol_type, "consumer");

    let missing = topic("adm-nogroup");
    let r = run(c.describe_groups(&[group.clone(), missing.clone()], soon())).unwrap();
    let d = r[0].as_ref().unwrap();
    assert_eq!(d.state, "Stable");
    assert_eq!(d.protocol_type, "consumer");
    assert_eq!(d.members.len(), 1);
    let m = &d.members[0];
    assert_eq!(m.client_id, "lag-reader");
    assert!(!m.client_host.is_empty() && !m.member_id.is_empty());
    assert_eq!(m.subscribed_topics, vec![t.clone()]);
    assert_eq!(m.assignment, vec![(t.clone(), 0)]);
    assert_eq!(code_of(&r[1]), 69, "{:?}", r[1]); // GROUP_ID_NOT_FOUND

    let offsets = run(c.offset_fetch(&group, &[], soon())).unwrap();
    assert_eq!(offsets.len(), 1);
    assert_eq!((offsets[0].topic.as_str(), offsets[0].partition, offsets[0].offset), (t.as_str(), 0, 4));
    let named = run(c.offset_fetch(&group, &[t.clone(), missing.clone()], soon())).unwrap();
    assert_eq!(named.len(), 2);
    let m_entry = named.iter().find(|o| o.topic == missing).unwrap();
    assert_eq!((m_entry.partition, m_entry.error.as_ref().map(|e| e.code())), (-1, Some(3)));

    let lag = run(c.group_lag(&group, soon())).unwrap();
    assert_eq!(lag.len(), 1);
    assert_eq!((lag[0].committed, lag[0].end_offset, lag[0].lag), (4, 10, 6));
    assert!(lag[0].error.is_none());

    // A group with members cannot be deleted; once empty it can.
    let r = run(c.delete_groups(std::slice::from_ref(&group), soon())).unwrap();
    assert_eq!(code_of(&r[0]), 68, "{:?}", r[0]); // NON_EMPTY_GROUP
    reader.close(Some(Duration::from_secs(10)), None).unwrap();
    let r = run(c.delete_groups(&[group.clone(), missing.clone()], soon())).unwrap();
    assert!(r[0].is_ok(), "{:?}", r[0]);
    assert_eq!(code_of(&r[1]), 69, "{:?}", r[1]);
    assert!(run(c.offset_fetch(&group, &[], soon())).unwrap().is_empty());
}
