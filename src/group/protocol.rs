//! The "consumer" protocol payloads: the bytes a member puts in JoinGroup's protocol metadata
//! (its [`Subscription`]) and the bytes the leader puts in SyncGroup for each member (its
//! [`Assignment`]).
//!
//! Both are an int16 version followed by Kafka's `ConsumerProtocolSubscription` /
//! `ConsumerProtocolAssignment` struct at that version (classic encoding, no tagged fields).
//! As in the Java client, a payload written at a version newer than this code knows is read as
//! the newest known version: newer versions only append fields, so the bytes this code does not
//! understand are ignored.
//!
//! One leniency beyond the Java client: kafka-go writes its subscriptions with version 1 but only
//! the v0 fields (no owned partitions). A payload that fails to decode at its own version is read
//! as v0 if that consumes it exactly, so kafka-go members can share a group with this library.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::protocol::messages::{
    consumer_protocol_assignment, consumer_protocol_subscription, ConsumerProtocolAssignment,
    ConsumerProtocolSubscription,
};
use crate::protocol::{Decodable, Decoder, Encodable};

/// The JoinGroup protocol type of Kafka consumer groups.
pub const PROTOCOL_TYPE: &str = "consumer";
/// The newest subscription version this code writes and reads.
pub const SUBSCRIPTION_VERSION: i16 = 3;
/// The newest assignment version this code writes and reads.
pub const ASSIGNMENT_VERSION: i16 = 3;

/// Partitions by topic.
pub type TopicPartitions = BTreeMap<String, Vec<i32>>;

/// What a member sends in JoinGroup: the topics it wants, and (v1+) what it owns now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The topics the member wants to consume.
    pub topics: Vec<String>,
    /// Assignor-specific data passed to the leader (null when None).
    pub user_data: Option<Bytes>,
    /// The partitions the member owns (v1+; the cooperative protocol relies on it).
    pub owned_partitions: TopicPartitions,
    /// The generation in which the member got `owned_partitions` (v2+); -1 when unknown.
    pub generation_id: i32,
    /// The member's rack (v3+).
    pub rack_id: Option<String>,
}

impl Default for Subscription {
    fn default() -> Self {
        Subscription {
            topics: Vec::new(),
            user_data: None,
            owned_partitions: TopicPartitions::new(),
            generation_id: -1,
            rack_id: None,
        }
    }
}

/// What the leader sends each member in SyncGroup: the partitions it is to consume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// The assigned partitions by topic.
    pub partitions: TopicPartitions,
    /// Assignor-specific data for the member (null when None).
    pub user_data: Option<Bytes>,
}

/// A version to write at: negative is an error, newer than known writes the newest known (as Java
/// does).
fn write_version(version: i16, max: i16, what: &str) -> Result<i16> {
    if version < 0 {
        return Err(Error::invalid_arg(format!("{what} version {version} is negative")));
    }
    Ok(version.min(max))
}

fn to_wire<T>(map: &TopicPartitions, make: impl Fn(String, Vec<i32>) -> T) -> Vec<T> {
    map.iter().map(|(t, p)| make(t.clone(), p.clone())).collect()
}

/// Topic lists from the wire, merging a topic listed twice.
fn from_wire(list: impl IntoIterator<Item = (String, Vec<i32>)>) -> TopicPartitions {
    let mut map = TopicPartitions::new();
    for (topic, partitions) in list {
        map.entry(topic).or_default().extend(partitions);
    }
    map
}

fn encode_versioned(body: &impl Encodable, version: i16) -> Result<Bytes> {
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    body.encode(&mut buf, version)?;
    Ok(buf.freeze())
}

/// Reads the version prefix, then the body at min(version, max), falling back to v0 when that
/// consumes the payload exactly (see the module docs).
fn decode_versioned<T: Decodable>(payload: &[u8], max: i16, what: &str) -> Result<T> {
    let mut d = Decoder::new(Bytes::copy_from_slice(payload));
    let version = d.i16().map_err(|e| Error::from(e).context(format!("{what} version")))?;
    if version < 0 {
        return Err(Error::malformed(format!("{what} version {version} is negative")));
    }
    let version = version.min(max);
    let first = match T::decode(&mut d.clone(), version) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if version > 0 {
        let mut rest = d.clone();
        if let Ok(v) = T::decode(&mut rest, 0) {
            if rest.remaining() == 0 {
                return Ok(v);
            }
        }
    }
    Err(Error::from(first).context(format!("{what} v{version}")))
}

/// The version a consumer protocol payload (subscription or assignment) says it was written at.
pub fn payload_version(payload: &[u8]) -> Result<i16> {
    match payload {
        [a, b, ..] => Ok(i16::from_be_bytes([*a, *b])),
        _ => Err(Error::malformed("consumer protocol payload shorter than its version")),
    }
}

/// Encodes `sub` as JoinGroup protocol metadata at `version` (fields the version lacks are left
/// out; a version above [`SUBSCRIPTION_VERSION`] writes that one).
pub fn encode_subscription(sub: &Subscription, version: i16) -> Result<Bytes> {
    let version = write_version(version, SUBSCRIPTION_VERSION, "subscription")?;
    let body = ConsumerProtocolSubscription {
        topics: sub.topics.clone(),
        user_data: sub.user_data.clone(),
        owned_partitions: to_wire(&sub.owned_partitions, |topic, partitions| {
            consumer_protocol_subscription::TopicPartition { topic, partitions, ..Default::default() }
        }),
        generation_id: sub.generation_id,
        rack_id: sub.rack_id.clone(),
        ..Default::default()
    };
    encode_versioned(&body, version)
}

/// Decodes a member's JoinGroup protocol metadata, whatever version it was written at.
pub fn decode_subscription(payload: &[u8]) -> Result<Subscription> {
    let s: ConsumerProtocolSubscription = decode_versioned(payload, SUBSCRIPTION_VERSION, "subscription")?;
    Ok(Subscription {
        topics: s.topics,
        user_data: s.user_data,
        owned_partitions: from_wire(s.owned_partitions.into_iter().map(|t| (t.topic, t.partitions))),
        generation_id: s.generation_id,
        rack_id: s.rack_id,
    })
}

/// Encodes `assignment` as a SyncGroup member assignment at `version` (a version above
/// [`ASSIGNMENT_VERSION`] writes that one).
pub fn encode_assignment(assignment: &Assignment, version: i16) -> Result<Bytes> {
    let version = write_version(version, ASSIGNMENT_VERSION, "assignment")?;
    let body = ConsumerProtocolAssignment {
        assigned_partitions: to_wire(&assignment.partitions, |topic, partitions| {
            consumer_protocol_assignment::TopicPartition { topic, partitions, ..Default::default() }
        }),
        user_data: assignment.user_data.clone(),
        ..Default::default()
    };
    encode_versioned(&body, version)
}

/// Decodes the assignment SyncGroup returned, whatever version it was written at. An empty payload
/// is an empty assignment (brokers send one to a member the leader gave nothing).
pub fn decode_assignment(payload: &[u8]) -> Result<Assignment> {
    if payload.is_empty() {
        return Ok(Assignment::default());
    }
    let a: ConsumerProtocolAssignment = decode_versioned(payload, ASSIGNMENT_VERSION, "assignment")?;
    Ok(Assignment {
        partitions: from_wire(a.assigned_partitions.into_iter().map(|t| (t.topic, t.partitions))),
        user_data: a.user_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    fn tp(list: &[(&str, &[i32])]) -> TopicPartitions {
        list.iter().map(|(t, p)| (t.to_string(), p.to_vec())).collect()
    }

    fn full_subscription() -> Subscription {
        Subscription {
            topics: vec!["a".into(), "b".into()],
            user_data: Some(Bytes::from_static(b"ud")),
            owned_partitions: tp(&[("a", &[0, 2]), ("b", &[1])]),
            generation_id: 7,
            rack_id: Some("r1".into()),
        }
    }

    #[test]
    fn subscription_round_trips_at_every_version() {
        let full = full_subscription();
        for v in 0..=SUBSCRIPTION_VERSION {
            let bytes = encode_subscription(&full, v).unwrap();
            assert_eq!(payload_version(&bytes).unwrap(), v);
            let back = decode_subscription(&bytes).unwrap();
            // What a version cannot carry comes back as the default.
            let mut want = full.clone();
            if v < 1 {
                want.owned_partitions.clear();
            }
            if v < 2 {
                want.generation_id = -1;
            }
            if v < 3 {
                want.rack_id = None;
            }
            assert_eq!(back, want, "v{v}");
            assert_eq!(encode_subscription(&back, v).unwrap(), bytes, "v{v} re-encodes");
        }
    }

    #[test]
    fn assignment_round_trips_at_every_version() {
        let a = Assignment {
            partitions: tp(&[("a", &[0, 1]), ("b", &[3])]),
            user_data: Some(Bytes::from_static(b"x")),
        };
        for v in 0..=ASSIGNMENT_VERSION {
            let bytes = encode_assignment(&a, v).unwrap();
            assert_eq!(payload_version(&bytes).unwrap(), v);
            assert_eq!(decode_assignment(&bytes).unwrap(), a, "v{v}");
        }
        let empty = Assignment::default();
        assert_eq!(decode_assignment(&encode_assignment(&empty, 0).unwrap()).unwrap(), empty);
    }

    // Known bytes, built by hand from ConsumerProtocolSubscription.json / ...Assignment.json: what
    // the Java client's ConsumerProtocol.serializeSubscription / serializeAssignment write.

    #[test]
    fn subscription_v0_bytes_as_java_writes_them() {
        let sub = Subscription { topics: vec!["t".into()], ..Default::default() };
        #[rustfmt::skip]
        let want = [
            0x00, 0x00,             // version 0
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't',       // "t"
            0xff, 0xff, 0xff, 0xff, // user_data: null
        ];
        assert_eq!(&encode_subscription(&sub, 0).unwrap()[..], &want);
        assert_eq!(decode_subscription(&want).unwrap(), sub);
    }

    #[test]
    fn subscription_v3_bytes() {
        let sub = Subscription {
            topics: vec!["t".into()],
            user_data: Some(Bytes::from_static(&[0xab])),
            owned_partitions: tp(&[("t", &[1])]),
            generation_id: 5,
            rack_id: Some("r".into()),
        };
        #[rustfmt::skip]
        let want = [
            0x00, 0x03,                                 // version 3
            0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b't',   // topics ["t"]
            0x00, 0x00, 0x00, 0x01, 0xab,               // user_data [0xab]
            0x00, 0x00, 0x00, 0x01,                     // owned_partitions: 1 topic
            0x00, 0x01, b't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, // "t" [1]
            0x00, 0x00, 0x00, 0x05,                     // generation_id 5
            0x00, 0x01, b'r',                           // rack_id "r"
        ];
        assert_eq!(&encode_subscription(&sub, 3).unwrap()[..], &want);
        assert_eq!(decode_subscription(&want).unwrap(), sub);
    }

    #[test]
    fn assignment_v0_bytes_as_java_writes_them() {
        let a = Assignment { partitions: tp(&[("t", &[0, 1])]), user_data: None };
        #[rustfmt::skip]
        let want = [
            0x00, 0x00,                                   // version 0
            0x00, 0x00, 0x00, 0x01,                       // assigned_partitions: 1 topic
            0x00, 0x01, b't',                             // "t"
            0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, // [0, 1]
            0xff, 0xff, 0xff, 0xff,                       // user_data: null
        ];
        assert_eq!(&encode_assignment(&a, 0).unwrap()[..], &want);
        assert_eq!(decode_assignment(&want).unwrap(), a);
    }

    #[test]
    fn a_newer_version_is_read_as_the_newest_known_ignoring_the_rest() {
        let sub = full_subscription();
        let mut bytes = encode_subscription(&sub, 3).unwrap().to_vec();
        bytes[1] = 4; // "v4": the v3 fields, then a field this code does not know
        bytes.extend_from_slice(&[0x00, 0x00, 0x00, 0x2a, 0xde, 0xad]);
        assert_eq!(decode_subscription(&bytes).unwrap(), sub);

        let a = Assignment { partitions: tp(&[("x", &[9])]), user_data: None };
        let mut bytes = encode_assignment(&a, 3).unwrap().to_vec();
        bytes[0] = 0x7f; // version 32512
        bytes.extend_from_slice(b"future");
        assert_eq!(decode_assignment(&bytes).unwrap(), a);
    }

    #[test]
    fn writing_above_the_newest_version_writes_the_newest() {
        let bytes = encode_subscription(&full_subscription(), 9).unwrap();
        assert_eq!(payload_version(&bytes).unwrap(), 3);
        assert_eq!(decode_subscription(&bytes).unwrap(), full_subscription());
        let e = encode_subscription(&full_subscription(), -1).unwrap_err();
        assert_eq!(e.code(), code::INVALID_ARG);
        let e = encode_assignment(&Assignment::default(), -2).unwrap_err();
        assert_eq!(e.code(), code::INVALID_ARG);
    }

    #[test]
    fn kafka_go_v1_subscription_without_owned_partitions_decodes() {
        // kafka-go writes version 1 followed by only the v0 fields.
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x01,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b't',
            0x00, 0x00, 0x00, 0x02, b'r', b'1', // user_data "r1" (kafka-go's rack affinity)
        ];
        let sub = decode_subscription(&bytes).unwrap();
        assert_eq!(sub.topics, vec!["t".to_string()]);
        assert_eq!(sub.user_data.as_deref(), Some(&b"r1"[..]));
        assert!(sub.owned_partitions.is_empty());
        assert_eq!(sub.generation_id, -1);
    }

    #[test]
    fn malformed_payloads_are_errors() {
        for bad in [&[][..], &[0x00], &[0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]] {
            assert_eq!(decode_subscription(bad).unwrap_err().code(), code::MALFORMED, "{bad:?}");
        }
        // Every proper prefix of a subscription fails, except the one holding exactly the v0 fields
        // (the kafka-go leniency), which reads as v0.
        let full = full_subscription();
        let bytes = encode_subscription(&full, 3).unwrap();
        let v0_len = encode_subscription(&full, 0).unwrap().len();
        for i in 0..bytes.len() {
            match decode_subscription(&bytes[..i]) {
                Ok(sub) if i == v0_len => {
                    assert_eq!(sub.topics, full.topics);
                    assert!(sub.owned_partitions.is_empty());
                }
                Ok(sub) => panic!("prefix of {i} bytes decoded: {sub:?}"),
                Err(_) => assert_ne!(i, v0_len),
            }
        }
        // An assignment cut short, and one claiming a null topic list.
        let bytes =
            encode_assignment(&Assignment { partitions: tp(&[("t", &[1])]), user_data: None }, 1).unwrap();
        assert!(decode_assignment(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_assignment(&[0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        // A negative version.
        assert_eq!(decode_assignment(&[0x80, 0x00]).unwrap_err().code(), code::MALFORMED);
    }

    #[test]
    fn a_topic_listed_twice_is_merged() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00,
            0x00, 0x00, 0x00, 0x02,
            0x00, 0x01, b't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03,
            0x00, 0x01, b't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
            0xff, 0xff, 0xff, 0xff,
        ];
        assert_eq!(decode_assignment(&bytes).unwrap().partitions, tp(&[("t", &[3, 4])]));
    }
}
