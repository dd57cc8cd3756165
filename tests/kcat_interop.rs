//! Interop with kcat (librdkafka): for every codec, what kcat produces our Conn reads, and what
//! our Conn writes kcat reads back, byte for byte. The batches stored by the broker are checked
//! to really carry the codec.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use kafka_rs::conn::{Conn, OutMessage};
use kafka_rs::net::{BrokerConnection, ConnectOptions};
use kafka_rs::protocol::compression::Compression;
use kafka_rs::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_rs::protocol::messages::FetchRequest;
use kafka_rs::protocol::records::RecordBatches;

const CODECS: [Compression; 5] =
    [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

/// (key, value) pairs: printable bytes without tab or newline (kcat's delimiters), of lengths
/// from 0 to a few KB, some repetitive so the codecs compress them.
fn corpus(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|i| {
            let key = format!("key-{i}").into_bytes();
            let len = (next() % 3000) as usize;
            let value = if i % 3 == 0 {
                (0..len).map(|_| b' ' + (next() % 94) as u8 + 1).collect()
            } else {
                format!("value {i} ").repeat(len / 10).into_bytes()
            };
            (key, value)
        })
        .collect()
}

fn kcat_available() -> bool {
    Command::new("kcat").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// The codecs of the batches stored in partition 0 of `topic`.
fn stored_codecs(topic: &str) -> Vec<Compression> {
    run(async {
        let conn = BrokerConnection::connect(&single(), &ConnectOptions::default()).await?;
        let req = FetchRequest {
            max_wait_ms: 100,
            min_bytes: 1,
            max_bytes: 64 << 20,
            topics: vec![FetchTopic {
                topic: topic.to_string(),
                partitions: vec![FetchPartition {
                    partition: 0,
                    fetch_offset: 0,
                    partition_max_bytes: 64 << 20,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let resp = conn.send_version(&req, 12).await?;
        let records = resp.responses[0].partitions[0].records.clone().unwrap_or_default();
        Ok(RecordBatches::new(records).map(|b| b.unwrap().compression()).collect())
    })
    .unwrap()
}

fn read_all(topic: &str, n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let conn = run(Conn::dial_leader(&single(), topic, 0, settings())).unwrap();
    let mut got = Vec::new();
    while got.len() < n {
        let batch = run(conn.read_batch(1, 16 << 20, Duration::from_millis(500), false)).unwrap();
        for m in batch {
            let m = m.unwrap();
            got.push((m.key.unwrap_or_default().to_vec(), m.value.unwrap_or_default().to_vec()));
        }
    }
    got
}

/// kcat reads partition 0 of `topic` and must print exactly `data`, as "key\tvalue\n" lines.
fn assert_kcat_reads(topic: &str, data: &[(Vec<u8>, Vec<u8>)], codec: Compression) {
    let out = Command::new("kcat")
        .args(["-C", "-b", &single(), "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"])
        .args(["-f", "%k\t%s\n"])
        .output()
        .unwrap();
    assert!(out.status.success(), "kcat -C failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut expected = Vec::new();
    for (k, v) in data {
        expected.extend_from_slice(k);
        expected.push(b'\t');
        expected.extend_from_slice(v);
        expected.push(b'\n');
    }
    assert!(out.stdout == expected, "{}: kcat read different bytes", codec.name());
}

#[test]
fn what_kcat_produces_with_each_codec_our_conn_reads() {
    assert!(kcat_available(), "kcat is not installed (scripts/install-deps.sh installs it)");
    let data = corpus(300);
    for codec in CODECS {
        let topic = topic(&format!("kcat-in-{}", codec.name()));
        // Make the topic first so kcat's metadata lookup finds it at once.
        drop(run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap());
        let mut child = Command::new("kcat")
            .args(["-P", "-b", &single(), "-t", &topic, "-p", "0", "-K", "\t", "-z", codec.name()])
            .args(["-X", "linger.ms=50"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let stdin = child.stdin.as_mut().unwrap();
            for (k, v) in &data {
                stdin.write_all(k).unwrap();
                stdin.write_all(b"\t").unwrap();
                stdin.write_all(v).unwrap();
                stdin.write_all(b"\n").unwrap();
            }
        }
        assert!(child.wait().unwrap().success(), "kcat -P failed for {}", codec.name());
        let got = read_all(&topic, data.len());
        assert_eq!(got.len(), data.len(), "{}", codec.name());
        // kcat treats an empty value after the delimiter as an empty value.
        assert!(got == data, "{}: records differ", codec.name());
        let codecs = stored_codecs(&topic);
        assert!(!codecs.is_empty());
        assert!(codecs.iter().all(|c| *c == codec), "{}: stored {codecs:?}", codec.name());
    }
}

#[test]
fn what_our_conn_writes_with_each_codec_kcat_reads_byte_for_byte() {
    assert!(kcat_available(), "kcat is not installed (scripts/install-deps.sh installs it)");
    let data = corpus(300);
    for codec in CODECS {
        let topic = topic(&format!("kcat-out-{}", codec.name()));
        let conn = run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap();
        for chunk in data.chunks(100) {
            let msgs: Vec<OutMessage> = chunk
                .iter()
                .map(|(k, v)| OutMessage { key: Some(k), value: Some(v), ..Default::default() })
                .collect();
            run(conn.write_messages(&msgs, codec, Duration::from_secs(10))).unwrap();
        }
        assert_kcat_reads(&topic, &data, codec);
        let codecs = stored_codecs(&topic);
        assert_eq!(codecs, vec![codec; 3], "{}", codec.name());
    }
}

#[test]
fn what_the_writer_writes_with_each_codec_kcat_reads_byte_for_byte() {
    use kafka_rs::config::Config;
    use kafka_rs::writer::{OutRecord, Writer};
    assert!(kcat_available(), "kcat is not installed (scripts/install-deps.sh installs it)");
    let data = corpus(300);
    for codec in CODECS {
        let topic = topic(&format!("kcat-writer-{}", codec.name()));
        drop(run(Conn::dial_leader(&single(), &topic, 0, settings())).unwrap());
        let mut c = Config::new();
        c.set("bootstrap.servers", &single()).unwrap();
        c.set("writer.topic", &topic).unwrap();
        c.set("compression.type", codec.name()).unwrap();
        let w = Writer::new(&c).unwrap();
        let msgs: Vec<OutRecord> = data
            .iter()
            .map(|(k, v)| OutRecord { key: Some(k), value: Some(v), partition: 0, ..Default::default() })
            .collect();
        for r in w.write(&msgs, Some(Duration::from_secs(30)), None).unwrap() {
            r.unwrap();
        }
        w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
        assert_kcat_reads(&topic, &data, codec);
        let codecs = stored_codecs(&topic);
        assert!(
            !codecs.is_empty() && codecs.iter().all(|c| *c == codec),
            "{}: stored {codecs:?}",
            codec.name()
        );
    }
}
