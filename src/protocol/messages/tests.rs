//! Tests of the generated messages (hand-written; `samples.rs` is generated).
//!
//! * every request and response type at every supported version round-trips a value that holds
//!   non-default data in every field valid at that version (tagged and unknown tagged fields too);
//! * every proper prefix of those encodings fails to decode, and corrupted encodings never panic;
//! * a few encodings are checked byte by byte against the protocol spec.

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};

use super::samples::{visit_all, Sample, Visitor};
use super::*;
use crate::protocol::{Encodable, Request};

fn encode<T: Encodable>(value: &T, version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    value.encode(&mut buf, version).unwrap();
    buf.freeze()
}

/// Decodes `bytes` completely: any bytes left over are an error.
fn decode<T: Decodable>(bytes: &[u8], version: i16) -> crate::protocol::Result<T> {
    let mut d = Decoder::new(Bytes::copy_from_slice(bytes));
    let v = T::decode(&mut d, version)?;
    assert_eq!(d.remaining(), 0, "{} bytes left over", d.remaining());
    Ok(v)
}

/// Runs `f(name, version, sample, encoding)` for every type and version.
struct ForEach<F>(F, usize);

impl<F: FnMut(&str, i16, Bytes, &dyn Fn(&[u8]) -> bool)> Visitor for ForEach<F> {
    fn visit<T: Sample + Encodable + Decodable + Default + PartialEq + Debug>(
        &mut self,
        name: &str,
        min: i16,
        max: i16,
    ) {
        for v in min..=max {
            let value = T::sample(v);
            let mut buf = BytesMut::new();
            value.encode(&mut buf, v).unwrap_or_else(|e| panic!("{name} v{v}: encode: {e}"));
            let bytes = buf.freeze();
            // `decodes_equal(b)`: b decodes, completely, to the sample.
            let decodes_equal = |b: &[u8]| {
                let mut d = Decoder::new(Bytes::copy_from_slice(b));
                matches!(T::decode(&mut d, v), Ok(back) if back == value && d.remaining() == 0)
            };
            (self.0)(name, v, bytes, &decodes_equal);
            self.1 += 1;
        }
    }
}

fn for_each(f: impl FnMut(&str, i16, Bytes, &dyn Fn(&[u8]) -> bool)) -> usize {
    let mut visitor = ForEach(f, 0);
    visit_all(&mut visitor);
    visitor.1
}

#[test]
fn every_message_round_trips_at_every_version() {
    struct Check;
    impl Visitor for Check {
        fn visit<T: Sample + Encodable + Decodable + Default + PartialEq + Debug>(
            &mut self,
            name: &str,
            min: i16,
            max: i16,
        ) {
            for v in min..=max {
                let value = T::sample(v);
                let bytes = encode(&value, v);
                if !bytes.is_empty() {
                    assert_ne!(value, T::default(), "{name} v{v}: the sample holds only defaults");
                }
                let back: T = decode(&bytes, v).unwrap_or_else(|e| panic!("{name} v{v}: decode: {e}"));
                assert_eq!(back, value, "{name} v{v}");
                assert_eq!(encode(&back, v), bytes, "{name} v{v}: re-encoding differs");
            }
        }
    }
    visit_all(&mut Check);
    // 33 APIs, requests and responses, and the data structs: make sure the visitor saw them all.
    assert_eq!(
        for_each(|_, _, _, _| {}),
        2 * VERSION_RANGES.iter().map(|(_, a, b)| (b - a + 1) as usize).sum::<usize>()
            + DATA_VERSION_RANGES.iter().map(|(_, a, b)| (b - a + 1) as usize).sum::<usize>()
    );
}

#[test]
fn every_proper_prefix_of_every_encoding_is_an_error() {
    struct Check;
    impl Visitor for Check {
        fn visit<T: Sample + Encodable + Decodable + Default + PartialEq + Debug>(
            &mut self,
            name: &str,
            min: i16,
            max: i16,
        ) {
            for v in min..=max {
                let bytes = encode(&T::sample(v), v);
                for i in 0..bytes.len() {
                    let mut d = Decoder::new(bytes.slice(..i));
                    assert!(T::decode(&mut d, v).is_err(), "{name} v{v}: prefix of {i} bytes");
                }
            }
        }
    }
    visit_all(&mut Check);
}

#[test]
fn corrupted_encodings_never_panic() {
    for_each(|_, _, bytes, decodes_equal| {
        let mut b = bytes.to_vec();
        for i in 0..b.len() {
            for x in [0xff, 0x80, 0x01] {
                b[i] ^= x;
                let _ = decodes_equal(&b);
                b[i] ^= x;
            }
        }
    });
}

#[test]
fn random_bytes_never_panic_any_response_decoder() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for &(key, min, max) in VERSION_RANGES {
        for v in min..=max {
            for _ in 0..200 {
                let len = (next() % 64) as usize;
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let _ = decode_response_body(key, v, &mut Decoder::new(Bytes::from(bytes)));
            }
        }
    }
}

#[test]
fn versions_outside_the_range_are_unsupported() {
    struct Check;
    impl Visitor for Check {
        fn visit<T: Sample + Encodable + Decodable + Default + PartialEq + Debug>(
            &mut self,
            name: &str,
            min: i16,
            max: i16,
        ) {
            for v in [min - 1, max + 1] {
                let mut buf = BytesMut::new();
                let e = T::default().encode(&mut buf, v).unwrap_err();
                assert!(
                    matches!(e, ProtocolError::UnsupportedVersion { version, .. } if version == v),
                    "{name}"
                );
                let e = T::decode(&mut Decoder::new(Bytes::new()), v).unwrap_err();
                assert!(
                    matches!(e, ProtocolError::UnsupportedVersion { version, .. } if version == v),
                    "{name}"
                );
            }
        }
    }
    visit_all(&mut Check);
    assert!(matches!(
        decode_response_body(-7, 0, &mut Decoder::new(Bytes::new())),
        Err(ProtocolError::UnsupportedVersion { api_key: -7, .. })
    ));
}

#[test]
fn request_constants_follow_the_specs() {
    assert_eq!(MetadataRequest::API_KEY, api_key::METADATA);
    assert_eq!(MetadataRequest::NAME, "Metadata");
    assert_eq!((MetadataRequest::MIN_VERSION, MetadataRequest::MAX_VERSION), (0, 13));
    assert_eq!(MetadataRequest::FLEXIBLE_MIN_VERSION, 9);
    assert_eq!(SaslHandshakeRequest::FLEXIBLE_MIN_VERSION, i16::MAX);
    assert_eq!(ApiVersionsRequest::API_KEY, API_VERSIONS_KEY);
    assert_eq!(ApiVersionsRequest::response_header_version(3), 0);
    assert_eq!(MetadataRequest::response_header_version(9), 1);
    // latestVersionUnstable: InitProducerId v6 is not offered.
    assert_eq!(InitProducerIdRequest::MAX_VERSION, 5);
    assert_eq!(FetchRequest::MIN_VERSION, 4);
}

#[test]
fn defaults_come_from_the_specs() {
    let m = MetadataRequest::default();
    assert_eq!(m.topics, None);
    assert!(m.allow_auto_topic_creation);
    let f = fetch_request::FetchRequest::default();
    assert_eq!((f.replica_id, f.max_bytes, f.session_epoch), (-1, i32::MAX, -1));
    assert_eq!(f.cluster_id, None);
    assert_eq!(fetch_request::FetchPartition::default().high_watermark, i64::MAX);
    let t = metadata_response::MetadataResponseTopic::default();
    assert_eq!(t.topic_authorized_operations, i32::MIN);
    assert_eq!(CreateTopicsRequest::default().timeout_ms, 60000);
    assert_eq!(ProduceRequest::default().transactional_id, None);
    assert_eq!(fetch_request::FetchRequest::default().rack_id, "");
}

// ---------------------------------------------------------------------------------------------
// Known bytes, built by hand from the protocol spec.

#[test]
fn api_versions_request_v3_bytes() {
    let req = ApiVersionsRequest {
        client_software_name: "a".into(),
        client_software_version: "1".into(),
        ..Default::default()
    };
    // Compact strings (length + 1 as an unsigned varint), then an empty tag section.
    let want = [0x02, b'a', 0x02, b'1', 0x00];
    assert_eq!(&encode(&req, 3)[..], &want);
    assert_eq!(decode::<ApiVersionsRequest>(&want, 3).unwrap(), req);
    // v0-v2 have no fields at all.
    assert!(encode(&req, 2).is_empty());
}

#[test]
fn metadata_request_v1_bytes() {
    let req = MetadataRequest {
        topics: Some(vec![metadata_request::MetadataRequestTopic {
            name: Some("t".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    // int32 array length, then an int16-length string; AllowAutoTopicCreation is v4+.
    let want = [0, 0, 0, 1, 0, 1, b't'];
    assert_eq!(&encode(&req, 1)[..], &want);
    assert_eq!(decode::<MetadataRequest>(&want, 1).unwrap(), req);
    // A null topic list means "all topics" from v1 on; v0 cannot say it.
    let all = MetadataRequest::default();
    assert_eq!(&encode(&all, 1)[..], &[0xff, 0xff, 0xff, 0xff]);
    let mut buf = BytesMut::new();
    assert!(matches!(all.encode(&mut buf, 0), Err(ProtocolError::Encode(_))));
    assert!(matches!(
        decode::<MetadataRequest>(&[0xff, 0xff, 0xff, 0xff], 0),
        Err(ProtocolError::Invalid(_))
    ));
    // v4 adds AllowAutoTopicCreation (default true).
    assert_eq!(&encode(&all, 4)[..], &[0xff, 0xff, 0xff, 0xff, 1]);
}

#[test]
fn metadata_response_v12_keeps_unknown_tagged_fields() {
    #[rustfmt::skip]
    let bytes: Vec<u8> = [
        &[0, 0, 0, 5][..],                  // throttle_time_ms
        &[0x02],                            // brokers: compact array of 1
        &[0, 0, 0, 1, 0x02, b'h', 0, 0, 0x23, 0x84, 0x00], // node 1, "h", port 9092, rack null
        &[0x01, 0x07, 0x01, 0x7f],          // broker tags: one unknown, tag 7 = [0x7f]
        &[0x02, b'c'],                      // cluster_id "c"
        &[0, 0, 0, 1],                      // controller_id
        &[0x02],                            // topics: compact array of 1
        &[0, 0, 0x02, b't'],                // error_code 0, name "t"
        &[0x11; 16],                        // topic_id
        &[0x00, 0x01, 0x80, 0, 0, 0, 0x00], // not internal, no partitions, ops i32::MIN, no tags
        &[0x01, 0x05, 0x02, 0xaa, 0xbb],    // response tags: one unknown, tag 5 = [0xaa, 0xbb]
    ]
    .concat();
    let resp: MetadataResponse = decode(&bytes, 12).unwrap();
    assert_eq!(resp.throttle_time_ms, 5);
    assert_eq!(resp.brokers[0].host, "h");
    assert_eq!(resp.brokers[0].port, 9092);
    assert_eq!(resp.brokers[0].rack, None);
    assert_eq!(resp.brokers[0].unknown_tagged_fields, vec![(7, Bytes::from_static(&[0x7f]))]);
    assert_eq!(resp.cluster_id.as_deref(), Some("c"));
    assert_eq!(resp.topics[0].name.as_deref(), Some("t"));
    assert_eq!(resp.topics[0].topic_id, [0x11; 16]);
    assert_eq!(resp.topics[0].topic_authorized_operations, i32::MIN);
    assert_eq!(resp.unknown_tagged_fields, vec![(5, Bytes::from_static(&[0xaa, 0xbb]))]);
    assert_eq!(&encode(&resp, 12)[..], &bytes[..], "unknown tags are written back in place");
}

#[test]
fn api_versions_response_v3_supported_features_tag() {
    #[rustfmt::skip]
    let bytes: Vec<u8> = [
        &[0, 0][..],                               // error_code
        &[0x02, 0, 18, 0, 0, 0, 4, 0x00],          // api_keys: [{18, 0..=4, no tags}]
        &[0, 0, 0, 0],                             // throttle_time_ms
        &[0x01, 0x00, 0x08],                       // one tagged field: tag 0, 8 bytes
        &[0x02, 0x02, b'f', 0, 1, 0, 2, 0x00],     // [{"f", 1..=2, no tags}]
    ]
    .concat();
    let want = ApiVersionsResponse {
        api_keys: vec![api_versions_response::ApiVersion {
            api_key: 18,
            min_version: 0,
            max_version: 4,
            ..Default::default()
        }],
        supported_features: vec![api_versions_response::SupportedFeatureKey {
            name: "f".into(),
            min_version: 1,
            max_version: 2,
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(want.finalized_features_epoch, -1, "defaults are not written as tags");
    assert_eq!(&encode(&want, 3)[..], &bytes[..]);
    assert_eq!(decode::<ApiVersionsResponse>(&bytes, 3).unwrap(), want);
    // v0-v2 have no tag section at all: the feature list is not sent.
    assert_eq!(&encode(&want, 2)[..], &[0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 4, 0, 0, 0, 0]);
}

#[test]
fn known_tag_with_trailing_bytes_is_invalid() {
    // ApiVersionsResponse v3, tag 1 (FinalizedFeaturesEpoch, int64) given 9 bytes.
    let bytes = [0, 0, 0x01, 0, 0, 0, 0, 0x01, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 7, 0];
    assert!(matches!(decode::<ApiVersionsResponse>(&bytes, 3), Err(ProtocolError::Invalid(_))));
    let ok = [0, 0, 0x01, 0, 0, 0, 0, 0x01, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 7];
    assert_eq!(decode::<ApiVersionsResponse>(&ok, 3).unwrap().finalized_features_epoch, 7);
}

#[test]
fn unknown_tag_equal_to_a_known_one_is_an_encode_error() {
    let resp = ApiVersionsResponse {
        zk_migration_ready: true,
        unknown_tagged_fields: vec![(3, Bytes::from_static(&[1]))],
        ..Default::default()
    };
    let mut buf = BytesMut::new();
    assert!(matches!(resp.encode(&mut buf, 3), Err(ProtocolError::Encode(_))));
}

#[test]
fn nullable_struct_has_a_presence_byte() {
    use consumer_group_heartbeat_response::{Assignment, ConsumerGroupHeartbeatResponse as Resp};
    let none = Resp { member_epoch: 1, heartbeat_interval_ms: 2, ..Default::default() };
    #[rustfmt::skip]
    let want = [
        0, 0, 0, 0, 0, 0, // throttle_time_ms, error_code
        0x00, 0x00,       // error_message null, member_id null
        0, 0, 0, 1, 0, 0, 0, 2,
        0xff,             // assignment: null
        0x00,
    ];
    assert_eq!(&encode(&none, 0)[..], &want);
    assert_eq!(decode::<Resp>(&want, 0).unwrap(), none);

    let some = Resp { assignment: Some(Assignment::default()), ..none };
    let mut want = want;
    want[16] = 0x01; // present, followed by an empty topic list and no tags
    let want = [&want[..17], &[0x01, 0x00, 0x00]].concat();
    assert_eq!(&encode(&some, 0)[..], &want[..]);
    assert_eq!(decode::<Resp>(&want, 0).unwrap(), some);

    let mut bad = want.clone();
    bad[16] = 0x02;
    assert!(matches!(decode::<Resp>(&bad, 0), Err(ProtocolError::Invalid(_))));
}

#[test]
fn produce_request_records_are_zero_copy_nullable_bytes() {
    use produce_request::{PartitionProduceData, TopicProduceData};
    let records = Bytes::from_static(b"RECORDS");
    let req = ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![TopicProduceData {
            name: "t".into(),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(records.clone()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    #[rustfmt::skip]
    let want: Vec<u8> = [
        &[0xff, 0xff][..],                 // transactional_id: null
        &[0xff, 0xff, 0, 0, 0x75, 0x30],   // acks -1, timeout 30000
        &[0, 0, 0, 1, 0, 1, b't'],         // one topic "t"
        &[0, 0, 0, 1, 0, 0, 0, 0],         // one partition, index 0
        &[0, 0, 0, 7], b"RECORDS",          // records: int32-length bytes
    ]
    .concat();
    assert_eq!(&encode(&req, 3)[..], &want[..]);
    let frame = Bytes::from(want);
    let back = ProduceRequest::decode(&mut Decoder::new(frame.clone()), 3).unwrap();
    assert_eq!(back, req);
    let got = back.topic_data[0].partition_data[0].records.clone().unwrap();
    // The decoded records point into the received frame.
    assert_eq!(got.as_ptr(), frame[frame.len() - 7..].as_ptr());
}

#[test]
fn lying_array_count_is_an_error() {
    // MetadataResponse v0: throttle absent; brokers claims 2^31-1 elements.
    let bytes = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1];
    assert!(decode::<MetadataResponse>(&bytes, 0).is_err());
}
