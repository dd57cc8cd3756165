//! The net and conn layers against the real local brokers (scripts/kafka-local.sh start and
//! start --cluster3).

mod common;

use std::time::{Duration, Instant};

use common::*;
use kafka_rs::conn::{Conn, OutMessage, TopicSpec};
use kafka_rs::error::code;
use kafka_rs::net::{BrokerConnection, ConnectOptions};
use kafka_rs::protocol::compression::Compression;
use kafka_rs::protocol::messages::{FetchRequest, MetadataRequest, ProduceRequest};
use kafka_rs::protocol::Request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[test]
fn negotiates_the_highest_common_version_of_each_api() {
    let conn = run(BrokerConnection::connect(&single(), &ConnectOptions::default())).unwrap();
    let v = conn.versions();
    let (_, broker_max) = v.broker_range(ProduceRequest::API_KEY).unwrap();
    assert_eq!(v.pick::<ProduceRequest>().unwrap(), broker_max.min(ProduceRequest::MAX_VERSION));
    assert_eq!(
        v.pick::<FetchRequest>().unwrap(),
        v.broker_range(1).unwrap().1.min(FetchRequest::MAX_VERSION)
    );
    // Kafka 4.x speaks Metadata 13 and Fetch 18, which this library implements; 3.9 speaks
    // Metadata 12 and Fetch 17.
    let (_, metadata_max) = v.broker_range(MetadataRequest::API_KEY).unwrap();
    assert_eq!(v.pick::<MetadataRequest>().unwrap(), metadata_max.min(13));
    assert!(v.pick::<FetchRequest>().unwrap() >= 17);
}

#[test]
fn pipelines_hundreds_of_requests_on_one_connection() {
    let conn = run(BrokerConnection::connect(&single(), &ConnectOptions::default())).unwrap();
    let results = run(async {
        let mut tasks = Vec::new();
        for _ in 0..300 {
            let c = conn.clone();
            tasks.push(tokio::spawn(async move {
                c.send(&MetadataRequest { topics: Some(vec![]), ..Default::default() }).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            let r = t.await.map_err(|e| kafka_rs::Error::internal(e.to_string()))?;
            assert!(!r?.brokers.is_empty());
            ok += 1;
        }
        Ok(ok)
    })
    .unwrap();
    assert_eq!(results, 300);
}

/// A TCP relay between the client and the real broker that can cut every connection.
async fn start_relay(target: String) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (cut_tx, cut_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let target = target.clone();
            let mut cut = cut_rx.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&target).await else { return };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                tokio::select! {
                    _ = tokio::io::copy(&mut cr, &mut sw) => {}
                    _ = tokio::io::copy(&mut sr, &mut cw) => {}
                    _ = cut.wait_for(|c| *c) => {}
                }
            });
        }
    });
    (addr, cut_tx)
}

/// A Fetch of partition 0 from offset 0 that waits up to 20 s for data.
fn long_poll(topic: &str) -> FetchRequest {
    use kafka_rs::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
    FetchRequest {
        max_wait_ms: 20_000,
        min_bytes: 1,
        max_bytes: 1 << 20,
        topics: vec![FetchTopic {
            topic: topic.to_string(),
            partitions: vec![FetchPartition {
                partition: 0,
                fetch_offset: 0,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn a_broken_socket_fails_every_request_in_flight_promptly() {
    let topic = topic("cut");
    // Create the topic so fetches long-poll on it.
    let c = run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap();
    drop(c);
    let outcome = run(async {
        let (relay, cut) = start_relay(single()).await;
        let conn = BrokerConnection::connect(&relay, &ConnectOptions::default()).await?;
        let mut waiting = Vec::new();
        for _ in 0..5 {
            let c = conn.clone();
            let req = long_poll(&topic);
            // v12 names topics (v13+ uses topic ids), which keeps this request self-contained.
            waiting.push(tokio::spawn(async move { c.send_version(&req, 12).await }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let start = Instant::now();
        cut.send(true).unwrap();
        let mut codes = Vec::new();
        for w in waiting {
            let r = w.await.unwrap();
            codes.push(r.err().map(|e| e.code()));
        }
        // Later requests fail at once with the same error.
        let later = conn.send(&MetadataRequest::default()).await.err().map(|e| e.code());
        codes.push(later);
        Ok((codes, start.elapsed()))
    })
    .unwrap();
    let (codes, elapsed) = outcome;
    assert!(codes.iter().all(|c| *c == Some(code::TRANSPORT)), "{codes:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn a_port_that_is_not_kafka_fails_with_an_error_not_a_hang() {
    let r = run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 64];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let opts = ConnectOptions { request_timeout: Duration::from_secs(5), ..Default::default() };
        Ok(BrokerConnection::connect(&addr, &opts).await.map(|_| ()))
    })
    .unwrap();
    let e = r.unwrap_err();
    assert!(matches!(e.code(), code::MALFORMED | code::TRANSPORT), "{e}");
}

#[test]
fn a_cancelled_request_leaves_the_connection_usable() {
    let topic = topic("cancel");
    let conn = run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap();
    // Give up on a long poll after 200 ms; its late response must not confuse the next request.
    let r = kafka_rs::runtime::block_on(
        conn.read_batch(1, 1 << 20, Duration::from_secs(3), false),
        Some(Duration::from_millis(200)),
        None,
    );
    assert_eq!(r.err().map(|e| e.code()), Some(code::TIMED_OUT));
    assert_eq!(run(conn.read_last_offset()).unwrap(), 0);
    let w = run(conn.write_messages(
        &[OutMessage { value: Some(b"after"), ..Default::default() }],
        Compression::None,
        Duration::from_secs(10),
    ))
    .unwrap();
    assert_eq!(w.base_offset, 0);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(run(conn.read_last_offset()).unwrap(), 1);
}

#[test]
fn many_batches_are_read_back_in_order_across_fetches() {
    let topic = topic("order");
    let conn = run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap();
    let values: Vec<Vec<u8>> = (0..1000).map(|i| format!("message-{i:04}").into_bytes()).collect();
    for (n, chunk) in values.chunks(100).enumerate() {
        let msgs: Vec<OutMessage> =
            chunk.iter().map(|v| OutMessage { value: Some(v), ..Default::default() }).collect();
        let codec = [Compression::None, Compression::Zstd][n % 2];
        let w = run(conn.write_messages(&msgs, codec, Duration::from_secs(10))).unwrap();
        assert_eq!(w.base_offset, (n * 100) as i64);
    }
    let mut got = Vec::new();
    while got.len() < 1000 {
        // Small fetches so the reads span several requests.
        let batch = run(conn.read_batch(1, 4096, Duration::from_millis(500), false)).unwrap();
        for m in batch {
            let m = m.unwrap();
            assert_eq!(m.offset, got.len() as i64);
            got.push(m.value.unwrap().to_vec());
        }
    }
    assert_eq!(got, values);
    assert_eq!(conn.offset(), (1000, kafka_rs::conn::SEEK_ABSOLUTE));
}

#[test]
fn acks_zero_writes_without_waiting_and_the_data_arrives() {
    let topic = topic("acks0");
    let conn = run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap();
    conn.set_required_acks(0).unwrap();
    let w = run(conn.write_messages(
        &[OutMessage { value: Some(b"fire and forget"), ..Default::default() }],
        Compression::None,
        Duration::from_secs(10),
    ))
    .unwrap();
    assert_eq!(w.base_offset, -1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while run(conn.read_last_offset()).unwrap() < 1 {
        assert!(Instant::now() < deadline, "acks=0 message never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(conn.set_required_acks(2).is_err());
}

#[test]
fn unknown_topic_without_auto_create_is_unknown_topic_or_partition() {
    let s = settings_with(&[("allow.auto.create.topics", "false")]);
    let e = run(Conn::dial_leader(&single(), &topic("absent"), 0, s)).err().unwrap();
    assert_eq!(e.code(), 3, "{e}");
    let conn = run(Conn::dial(&single(), settings())).unwrap();
    let e = run(conn.read_partitions(&[topic("absent2")])).err().unwrap();
    assert_eq!(e.code(), 3, "{e}");
}

#[test]
fn create_list_and_delete_topics_on_the_cluster_without_auto_create() {
    let brokers = cluster();
    let name = topic("admin");
    let conn = run(Conn::dial(&brokers[0], settings())).unwrap();
    assert_eq!(run(conn.brokers()).unwrap().len(), 3);
    let controller = run(conn.controller()).unwrap();
    let cc = run(Conn::dial(&controller.addr(), settings())).unwrap();
    let spec = TopicSpec {
        name: name.clone(),
        num_partitions: 3,
        replication_factor: 3,
        configs: vec![("retention.ms".into(), "3600000".into())],
        ..Default::default()
    };
    run(cc.create_topics(std::slice::from_ref(&spec), Duration::from_secs(30))).unwrap();
    // Creating it again is not an error (kafka-go's behaviour).
    run(cc.create_topics(&[spec], Duration::from_secs(30))).unwrap();
    // The topic was created through the controller; the broker `conn` talks to learns of it a
    // moment later (metadata propagation), so wait for it to be visible there.
    let deadline = Instant::now() + Duration::from_secs(10);
    let parts = loop {
        match run(conn.read_partitions(std::slice::from_ref(&name))) {
            Err(e) if e.code() == 3 && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100))
            }
            r => break r.unwrap(),
        }
    };
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| p.replicas.len() == 3));

    // The leader of every partition is reachable through any broker, leader or not.
    for p in &parts {
        for b in &brokers {
            let lc = run(Conn::dial_leader(b, &name, p.id, settings())).unwrap();
            let leader = run(conn.brokers()).unwrap().into_iter().find(|x| x.id == p.leader).unwrap();
            assert_eq!(lc.broker_addr(), leader.addr());
            let w = run(lc.write_messages(
                &[OutMessage { value: Some(b"x"), ..Default::default() }],
                Compression::Lz4,
                Duration::from_secs(10),
            ))
            .unwrap();
            assert!(w.base_offset >= 0);
        }
    }
    // Auto-creation is off on the cluster: an unknown topic stays unknown.
    let e = run(Conn::dial_leader(&brokers[1], &topic("nope"), 0, settings())).err().unwrap();
    assert_eq!(e.code(), 3, "{e}");

    run(cc.delete_topics(std::slice::from_ref(&name), Duration::from_secs(30))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match run(conn.read_partitions(std::slice::from_ref(&name))) {
            Err(e) if e.code() == 3 => break,
            _ if Instant::now() > deadline => panic!("topic still listed after delete"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
