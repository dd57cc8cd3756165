//! Codecs for record batch payloads: gzip, snappy, lz4, zstd.
//!
//! Writers produce what every Kafka implementation can read:
//! * gzip: one gzip member at the default level.
//! * snappy: a raw snappy block (as librdkafka and franz-go write); Java's snappy-java reader
//!   falls back to raw snappy when the xerial magic is absent.
//! * lz4: the LZ4 frame format with independent 64 KiB blocks and no block or content checksums
//!   (Java rejects linked blocks).
//! * zstd: one frame at zstd's default level, with the content size in the frame header.
//!
//! Readers accept what other producers write: snappy is xerial-framed (Java, kafka-go) or raw;
//! lz4 frames may use linked blocks and checksums; gzip may hold several members; zstd may hold
//! several frames. Every reader is bounded: output larger than `max_output` is an error that is
//! raised while decompressing, never after inflating everything.

use std::cell::RefCell;
use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use zstd::zstd_safe;

use super::{ProtocolError, Result};

/// A compression codec, numbered as in the low three bits of a batch's attributes.
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    #[default]
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl Compression {
    /// Every codec, in attribute order.
    pub const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    /// The codec named by the low three bits of batch (or legacy message) attributes.
    pub fn from_attributes(attributes: i16) -> Result<Compression> {
        match attributes & 0x07 {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            n => Err(ProtocolError::Compression(format!("unknown compression codec {n}"))),
        }
    }

    /// The attribute bits for this codec.
    pub fn attribute_bits(self) -> i16 {
        self as u8 as i16
    }

    /// The configuration name ("none", "gzip", "snappy", "lz4", "zstd").
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Compression {
    type Err = ProtocolError;

    /// Parses a codec name, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Compression> {
        Compression::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ProtocolError::Invalid(format!("unknown compression codec name {s:?}")))
    }
}

fn err(codec: Compression, what: impl fmt::Display) -> ProtocolError {
    ProtocolError::Compression(format!("{codec}: {what}"))
}

fn too_large(codec: Compression, max_output: usize) -> ProtocolError {
    ProtocolError::Compression(format!("{codec}: decompressed data is larger than {max_output} bytes"))
}

/// Compresses `input` with `codec`, appending to `out` (`None` appends `input` unchanged).
pub fn compress(codec: Compression, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
    match codec {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        Compression::Gzip => {
            out.reserve(input.len() / 2 + 64);
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            enc.write_all(input).map_err(|e| err(codec, e))?;
            enc.finish().map_err(|e| err(codec, e))?;
            Ok(())
        }
        Compression::Snappy => snappy_compress_raw(input, out),
        Compression::Lz4 => {
            out.reserve(input.len() / 2 + 64);
            let info = lz4_flex::frame::FrameInfo::new()
                .block_size(lz4_flex::frame::BlockSize::Max64KB)
                .block_mode(lz4_flex::frame::BlockMode::Independent)
                .block_checksums(false)
                .content_checksum(false);
            let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, out);
            enc.write_all(input).map_err(|e| err(codec, e))?;
            enc.finish().map_err(|e| err(codec, e))?;
            Ok(())
        }
        Compression::Zstd => zstd_compress(input, out),
    }
}

/// Decompresses `input`, failing if the output would exceed `max_output` bytes.
/// `None` returns a copy of `input` (subject to the same cap).
pub fn decompress(codec: Compression, input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    match codec {
        Compression::None => {
            if input.len() > max_output {
                return Err(too_large(codec, max_output));
            }
            Ok(input.to_vec())
        }
        Compression::Gzip => {
            let dec = flate2::bufread::MultiGzDecoder::new(input);
            read_capped(codec, dec, input.len().saturating_mul(4), max_output)
        }
        Compression::Snappy => snappy_decompress(input, max_output),
        Compression::Lz4 => lz4_decompress(input, max_output, false),
        Compression::Zstd => zstd_decompress(input, max_output),
    }
}

/// Reads a decoder to its end, never holding more than `max_output + 1` bytes.
fn read_capped(codec: Compression, rdr: impl Read, hint: usize, max_output: usize) -> Result<Vec<u8>> {
    let limit = (max_output as u64).saturating_add(1);
    let mut out = Vec::with_capacity(hint.clamp(64, 1 << 20).min(max_output.saturating_add(1)));
    rdr.take(limit).read_to_end(&mut out).map_err(|e| err(codec, e))?;
    if out.len() > max_output {
        return Err(too_large(codec, max_output));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Snappy

/// The xerial (snappy-java) stream magic.
pub const XERIAL_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

thread_local! {
    static SNAPPY_ENCODER: RefCell<snap::raw::Encoder> = RefCell::new(snap::raw::Encoder::new());
}

fn snappy_compress_raw(input: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    out.resize(start + snap::raw::max_compress_len(input.len()), 0);
    let n = SNAPPY_ENCODER
        .with(|e| e.borrow_mut().compress(input, &mut out[start..]))
        .map_err(|e| err(Compression::Snappy, e));
    match n {
        Ok(n) => {
            out.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Appends the raw snappy block `block` decoded to `out`, keeping `out` within `max_output`.
fn snappy_block_into(block: &[u8], out: &mut Vec<u8>, max_output: usize) -> Result<()> {
    let codec = Compression::Snappy;
    let n = snap::raw::decompress_len(block).map_err(|e| err(codec, e))?;
    if n > max_output - out.len() {
        return Err(too_large(codec, max_output));
    }
    let start = out.len();
    out.resize(start + n, 0);
    let written =
        snap::raw::Decoder::new().decompress(block, &mut out[start..]).map_err(|e| err(codec, e))?;
    if written != n {
        return Err(err(codec, "block length does not match its header"));
    }
    Ok(())
}

fn snappy_decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    let codec = Compression::Snappy;
    let mut out = Vec::new();
    if !input.starts_with(XERIAL_MAGIC) {
        snappy_block_into(input, &mut out, max_output)?;
        return Ok(out);
    }
    // xerial: magic, version (u32 BE), minimum compatible version (u32 BE), then blocks of
    // [u32 BE compressed length][raw snappy block].
    if input.len() < XERIAL_HEADER_LEN {
        return Err(err(codec, "truncated xerial header"));
    }
    let mut rest = &input[XERIAL_HEADER_LEN..];
    while !rest.is_empty() {
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            return Err(err(codec, "truncated xerial block length"));
        };
        let len = u32::from_be_bytes(*len) as usize;
        if len > tail.len() {
            return Err(err(codec, "truncated xerial block"));
        }
        let (block, tail) = tail.split_at(len);
        snappy_block_into(block, &mut out, max_output)?;
        rest = tail;
    }
    Ok(out)
}

/// Wraps raw snappy blocks in xerial framing (used by tests and available to callers that must
/// write what Java writes).
pub fn snappy_compress_xerial(input: &[u8], block_size: usize, out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(XERIAL_MAGIC);
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    for chunk in input.chunks(block_size.max(1)) {
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        snappy_compress_raw(chunk, out)?;
        let len = (out.len() - at - 4) as u32;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// LZ4

const LZ4_FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

/// Decompresses an LZ4 frame. Kafka before 0.10 (message format v0) computed the frame header
/// checksum over the magic number as well (KAFKA-3160); `fix_v0_header_checksum` rewrites that
/// byte before decoding, as Java's reader skips the check for v0.
pub(crate) fn lz4_decompress(
    input: &[u8],
    max_output: usize,
    fix_v0_header_checksum: bool,
) -> Result<Vec<u8>> {
    let codec = Compression::Lz4;
    // Only the standard frame magic: lz4_flex would also accept legacy frames (8 MiB blocks),
    // which no Kafka client writes.
    if !input.starts_with(&LZ4_FRAME_MAGIC) {
        return Err(err(codec, "not an LZ4 frame"));
    }
    let fixed;
    let input = if fix_v0_header_checksum {
        fixed = lz4_fix_header_checksum(input)?;
        &fixed[..]
    } else {
        input
    };
    lz4_check_framing(input)?;
    let hint = input.len().saturating_mul(3);
    read_capped(codec, lz4_flex::frame::FrameDecoder::new(input), hint, max_output)
}

/// Walks the frames' block structure: every frame must end with its end mark (and content
/// checksum when flagged) and the input must end right after the last frame. lz4_flex treats
/// input ending at a block boundary as a clean end, which would turn a truncated payload into
/// silently shorter data.
fn lz4_check_framing(mut input: &[u8]) -> Result<()> {
    let bad = |what: &str| err(Compression::Lz4, what);
    while !input.is_empty() {
        if !input.starts_with(&LZ4_FRAME_MAGIC) || input.len() < 7 {
            return Err(bad("not an LZ4 frame"));
        }
        let flg = input[4];
        let mut pos = 7 + if flg & 0x08 != 0 { 8 } else { 0 } + if flg & 0x01 != 0 { 4 } else { 0 };
        let block_checksum = if flg & 0x10 != 0 { 4 } else { 0 };
        loop {
            let Some(size) = input.get(pos..pos + 4) else {
                return Err(bad("truncated frame: no end mark"));
            };
            let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
            pos += 4;
            if size == 0 {
                break;
            }
            pos = pos.saturating_add((size & 0x7fff_ffff) as usize + block_checksum);
            if pos > input.len() {
                return Err(bad("truncated block"));
            }
        }
        if flg & 0x04 != 0 {
            pos += 4;
        }
        if pos > input.len() {
            return Err(bad("truncated content checksum"));
        }
        input = &input[pos..];
    }
    Ok(())
}

fn lz4_fix_header_checksum(input: &[u8]) -> Result<Vec<u8>> {
    let flg = *input.get(4).ok_or_else(|| err(Compression::Lz4, "truncated frame header"))?;
    let mut hc_at = 6;
    if flg & 0x08 != 0 {
        hc_at += 8; // content size
    }
    if flg & 0x01 != 0 {
        hc_at += 4; // dictionary id
    }
    if input.len() <= hc_at {
        return Err(err(Compression::Lz4, "truncated frame header"));
    }
    let mut v = input.to_vec();
    v[hc_at] = (xxh32(&input[4..hc_at], 0) >> 8) as u8;
    Ok(v)
}

/// XXH32, as used by the LZ4 frame header checksum.
pub(crate) fn xxh32(data: &[u8], seed: u32) -> u32 {
    const P1: u32 = 0x9E37_79B1;
    const P2: u32 = 0x85EB_CA77;
    const P3: u32 = 0xC2B2_AE3D;
    const P4: u32 = 0x27D4_EB2F;
    const P5: u32 = 0x1656_67B1;
    fn round(acc: u32, lane: u32) -> u32 {
        acc.wrapping_add(lane.wrapping_mul(P2)).rotate_left(13).wrapping_mul(P1)
    }
    let le32 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);

    let mut rest = data;
    let mut h = if data.len() >= 16 {
        let mut v =
            [seed.wrapping_add(P1).wrapping_add(P2), seed.wrapping_add(P2), seed, seed.wrapping_sub(P1)];
        while rest.len() >= 16 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, le32(&rest[i * 4..]));
            }
            rest = &rest[16..];
        }
        v[0].rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18))
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(data.len() as u32);
    while rest.len() >= 4 {
        h = h.wrapping_add(le32(rest).wrapping_mul(P3)).rotate_left(17).wrapping_mul(P4);
        rest = &rest[4..];
    }
    for &b in rest {
        h = h.wrapping_add(u32::from(b).wrapping_mul(P5)).rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^ (h >> 16)
}

// ---------------------------------------------------------------------------------------------
// Zstd. Contexts are expensive to create, so each thread keeps one of each.

thread_local! {
    static ZSTD_CCTX: RefCell<Option<zstd_safe::CCtx<'static>>> = const { RefCell::new(None) };
    static ZSTD_DCTX: RefCell<Option<zstd_safe::DCtx<'static>>> = const { RefCell::new(None) };
}

fn zstd_err(code: usize) -> ProtocolError {
    err(Compression::Zstd, zstd_safe::get_error_name(code))
}

fn zstd_compress(input: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.reserve(zstd_safe::compress_bound(input.len()));
    ZSTD_CCTX.with(|cell| {
        let mut slot = cell.borrow_mut();
        let cctx = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(
                zstd_safe::CCtx::try_create()
                    .ok_or_else(|| err(Compression::Zstd, "cannot create a context"))?,
            ),
        };
        cctx.reset(zstd_safe::ResetDirective::SessionAndParameters).map_err(zstd_err)?;
        cctx.set_parameter(zstd_safe::CParameter::CompressionLevel(zstd::DEFAULT_COMPRESSION_LEVEL))
            .map_err(zstd_err)?;
        let pos = out.len() as u64;
        let mut cursor = std::io::Cursor::new(&mut *out);
        cursor.set_position(pos);
        cctx.compress2(&mut cursor, input).map_err(zstd_err)?;
        Ok(())
    })
}

/// Largest declared content size decoded in one shot into a buffer reserved up front.
const ZSTD_ONE_SHOT_MAX: usize = 64 << 20;

fn zstd_decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    let codec = Compression::Zstd;
    let declared = zstd_safe::get_frame_content_size(input).ok().flatten();
    ZSTD_DCTX.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dctx = match slot.as_mut() {
            Some(d) => d,
            None => slot
                .insert(zstd_safe::DCtx::try_create().ok_or_else(|| err(codec, "cannot create a context"))?),
        };
        dctx.reset(zstd_safe::ResetDirective::SessionOnly).map_err(zstd_err)?;

        // Fast path: the frame declares its size (librdkafka, this library) and it is within the
        // cap. Decode in one shot straight into a buffer of that size: no window buffer, no copy.
        // The capacity is only reserved, not touched, so a lying header costs address space, not
        // memory (and at most ONE_SHOT_MAX of it); if the data does not fit (several frames, or a
        // lie), stream instead.
        let one_shot = declared
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= max_output && n <= ZSTD_ONE_SHOT_MAX);
        if let Some(n) = one_shot {
            let mut out = Vec::new();
            if out.try_reserve_exact(n).is_ok() && dctx.decompress(&mut out, input).is_ok() {
                return Ok(out);
            }
            dctx.reset(zstd_safe::ResetDirective::SessionOnly).map_err(zstd_err)?;
        }
        zstd_stream(dctx, input, max_output)
    })
}

/// Streaming decompression into a buffer that grows up to `max_output + 1` bytes.
fn zstd_stream(dctx: &mut zstd_safe::DCtx<'static>, input: &[u8], max_output: usize) -> Result<Vec<u8>> {
    let codec = Compression::Zstd;
    let cap = max_output.saturating_add(1);
    let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).clamp(256, 1 << 20).min(cap));
    let mut inb = zstd_safe::InBuffer::around(input);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= cap {
                return Err(too_large(codec, max_output));
            }
            let grow = out.capacity().max(4096);
            out.reserve_exact(grow.min(cap - out.len()));
        }
        let pos = out.len();
        let mut outb = zstd_safe::OutBuffer::around_pos(&mut out, pos);
        let hint = dctx.decompress_stream(&mut outb, &mut inb).map_err(zstd_err)?;
        let produced = outb.pos() - pos;
        let out_full = outb.pos() == outb.capacity();
        // `outb`'s last use: the Vec's length already covers what was written.
        if out.len() > max_output {
            return Err(too_large(codec, max_output));
        }
        let input_done = inb.pos() == input.len();
        if hint == 0 && input_done {
            // A frame ended exactly at the end of the input.
            return Ok(out);
        }
        if input_done && !out_full && produced == 0 {
            return Err(err(codec, "truncated frame"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn sample(n: usize) -> Vec<u8> {
        // Compressible but not trivial: a repeating text with a counter mixed in.
        let mut v = Vec::with_capacity(n);
        let mut i: u32 = 0;
        while v.len() < n {
            v.extend_from_slice(
                format!("record-{} value {} ", i % 977, i.wrapping_mul(2654435761) % 13).as_bytes(),
            );
            i += 1;
        }
        v.truncate(n);
        v
    }

    #[test]
    fn names_and_attributes() {
        for c in Compression::ALL {
            assert_eq!(c.name().parse::<Compression>().unwrap(), c);
            assert_eq!(Compression::from_attributes(c.attribute_bits() | 0x18).unwrap(), c);
        }
        assert_eq!("LZ4".parse::<Compression>().unwrap(), Compression::Lz4);
        assert!("brotli".parse::<Compression>().is_err());
        for bits in 5..8 {
            assert!(Compression::from_attributes(bits).is_err());
        }
        assert_eq!(Compression::Zstd as u8, 4);
    }

    #[test]
    fn round_trips_for_every_codec() {
        for c in Compression::ALL {
            for input in [Vec::new(), b"x".to_vec(), b"hello kafka".to_vec(), sample(MIB)] {
                let mut out = b"prefix".to_vec();
                compress(c, &input, &mut out).unwrap();
                assert_eq!(&out[..6], b"prefix", "{c} must append");
                let back = decompress(c, &out[6..], input.len()).unwrap();
                assert_eq!(back, input, "{c} round trip of {} bytes", input.len());
                if !input.is_empty() {
                    assert!(decompress(c, &out[6..], input.len() - 1).is_err(), "{c} cap");
                }
            }
        }
    }

    #[test]
    fn incompressible_input_round_trips() {
        let mut x: u64 = 0x1234_5678_9abc_def0;
        let input: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for c in Compression::ALL {
            let mut out = Vec::new();
            compress(c, &input, &mut out).unwrap();
            assert_eq!(decompress(c, &out, usize::MAX).unwrap(), input, "{c}");
        }
    }

    #[test]
    fn snappy_raw_known_vector() {
        // Raw snappy: varint length 11, then a literal tag ((11-1) << 2) and the bytes.
        let raw = b"\x0b\x28hello world";
        assert_eq!(decompress(Compression::Snappy, raw, 100).unwrap(), b"hello world");
        // A copy: "abcd" literal then copy-1 of offset 4, length 4 -> "abcdabcd".
        let copy = [0x08, 0x0c, b'a', b'b', b'c', b'd', 0x01, 0x04];
        assert_eq!(decompress(Compression::Snappy, &copy, 100).unwrap(), b"abcdabcd");
    }

    #[test]
    fn snappy_xerial_framing_built_by_hand() {
        let mut framed = Vec::new();
        framed.extend_from_slice(b"\x82SNAPPY\x00");
        framed.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        for block in [&b"\x06\x14hello "[..], &b"\x05\x10world"[..]] {
            framed.extend_from_slice(&(block.len() as u32).to_be_bytes());
            framed.extend_from_slice(block);
        }
        assert_eq!(decompress(Compression::Snappy, &framed, 100).unwrap(), b"hello world");
        assert!(decompress(Compression::Snappy, &framed, 10).is_err());
        // A header with no blocks is an empty payload.
        assert_eq!(decompress(Compression::Snappy, &framed[..16], 100).unwrap(), b"");
        // Truncated block / block length / header.
        assert!(decompress(Compression::Snappy, &framed[..framed.len() - 1], 100).is_err());
        assert!(decompress(Compression::Snappy, &framed[..18], 100).is_err());
        assert!(decompress(Compression::Snappy, &framed[..12], 100).is_err());

        // And our own xerial writer, across several 32 KiB blocks.
        let input = sample(100_000);
        let mut out = Vec::new();
        snappy_compress_xerial(&input, 32 * 1024, &mut out).unwrap();
        assert_eq!(&out[..16], b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01");
        assert_eq!(decompress(Compression::Snappy, &out, input.len()).unwrap(), input);
    }

    #[test]
    fn snappy_writer_writes_raw() {
        let mut out = Vec::new();
        compress(Compression::Snappy, b"hello world", &mut out).unwrap();
        assert!(!out.starts_with(XERIAL_MAGIC));
        assert_eq!(out[0], 11, "raw snappy starts with the uncompressed length");
    }

    #[test]
    fn snappy_declared_length_is_checked_before_allocating() {
        // Declares 2^32-1 bytes of output.
        let bomb = [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
        assert!(matches!(decompress(Compression::Snappy, &bomb, MIB), Err(ProtocolError::Compression(_))));
    }

    #[test]
    fn lz4_frame_header_has_independent_64k_blocks_and_no_checksums() {
        let mut out = Vec::new();
        compress(Compression::Lz4, &sample(200_000), &mut out).unwrap();
        assert_eq!(&out[..4], &LZ4_FRAME_MAGIC);
        let (flg, bd) = (out[4], out[5]);
        assert_eq!(flg >> 6, 0b01, "version");
        assert_ne!(flg & 0x20, 0, "block independence");
        assert_eq!(flg & 0x10, 0, "no block checksums");
        assert_eq!(flg & 0x08, 0, "no content size");
        assert_eq!(flg & 0x04, 0, "no content checksum");
        assert_eq!(bd, 0x40, "64 KiB maximum block size");
        // The header checksum is the second byte of XXH32 over FLG and BD.
        assert_eq!(out[6], (xxh32(&out[4..6], 0) >> 8) as u8);
    }

    #[test]
    fn xxh32_known_values() {
        assert_eq!(xxh32(b"", 0), 0x02CC_5D05);
        assert_eq!(xxh32(b"a", 0), 0x550D_7456);
        assert_eq!(xxh32(b"abc", 0), 0x32D1_53FF);
        assert_eq!(xxh32(b"Nobody inspects the spammish repetition", 0), 0xE229_3B2F);
    }

    #[test]
    fn lz4_v0_broken_header_checksum_is_fixed_on_request() {
        let input = sample(10_000);
        let mut frame = Vec::new();
        compress(Compression::Lz4, &input, &mut frame).unwrap();
        // What Kafka 0.8/0.9 wrote: XXH32 over magic + descriptor.
        frame[6] = (xxh32(&frame[..6], 0) >> 8) as u8;
        assert!(decompress(Compression::Lz4, &frame, usize::MAX).is_err());
        assert_eq!(lz4_decompress(&frame, usize::MAX, true).unwrap(), input);
    }

    #[test]
    fn gzip_known_vector() {
        // `printf hello | gzip -n`: a gzip member with no name and mtime 0.
        let gz = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07,
            0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00,
        ];
        assert_eq!(decompress(Compression::Gzip, &gz, 5).unwrap(), b"hello");
        assert!(decompress(Compression::Gzip, &gz, 4).is_err());
        // Two concatenated members read as one stream, like Java's GZIPInputStream.
        let two = [&gz[..], &gz[..]].concat();
        assert_eq!(decompress(Compression::Gzip, &two, 100).unwrap(), b"hellohello");
        // A wrong CRC in the trailer is corrupt.
        let mut bad = gz;
        bad[17] ^= 1;
        assert!(decompress(Compression::Gzip, &bad, 100).is_err());
    }

    #[test]
    fn zstd_writes_a_frame_with_content_size() {
        let input = sample(5000);
        let mut out = Vec::new();
        compress(Compression::Zstd, &input, &mut out).unwrap();
        assert_eq!(&out[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(zstd_safe::get_frame_content_size(&out).unwrap(), Some(5000));
        // Two frames back to back decode as their concatenation.
        let mut two = out.clone();
        compress(Compression::Zstd, b"tail", &mut two).unwrap();
        let mut want = input.clone();
        want.extend_from_slice(b"tail");
        assert_eq!(decompress(Compression::Zstd, &two, usize::MAX).unwrap(), want);
    }

    #[test]
    fn zstd_frames_without_content_size_stream() {
        // What Java's zstd-jni stream writer produces: no content size in the frame header.
        let input = sample(3 * MIB);
        let framed = zstd::stream::encode_all(&input[..], 3).unwrap();
        assert_eq!(zstd_safe::get_frame_content_size(&framed).unwrap(), None);
        assert_eq!(decompress(Compression::Zstd, &framed, input.len()).unwrap(), input);
        assert!(decompress(Compression::Zstd, &framed, input.len() - 1).is_err());
        assert!(decompress(Compression::Zstd, &framed[..framed.len() - 1], usize::MAX).is_err());
    }

    #[test]
    fn bombs_are_stopped_at_the_cap() {
        let zeros = vec![0u8; 64 * MIB];
        for c in [Compression::Gzip, Compression::Zstd, Compression::Lz4, Compression::Snappy] {
            let mut bomb = Vec::new();
            compress(c, &zeros, &mut bomb).unwrap();
            match decompress(c, &bomb, MIB) {
                Err(ProtocolError::Compression(m)) => assert!(m.contains("larger than"), "{c}: {m}"),
                other => panic!("{c}: expected a size error, got {:?}", other.map(|v| v.len())),
            }
        }
    }

    #[test]
    fn zstd_lying_content_size_does_not_size_the_buffer() {
        // A frame header claiming 2^40 bytes (single segment, 8-byte FCS), then nothing.
        let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0xe0];
        frame.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(decompress(Compression::Zstd, &frame, usize::MAX).is_err());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let input = sample(50_000);
        for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let mut out = Vec::new();
            compress(c, &input, &mut out).unwrap();
            // Truncations.
            for cut in [0, 1, out.len() / 2, out.len() - 1] {
                assert!(decompress(c, &out[..cut], usize::MAX).is_err(), "{c} truncated at {cut}");
            }
            // Garbage.
            assert!(decompress(c, b"definitely not compressed data", usize::MAX).is_err(), "{c}");
            // Bit flips must never panic; most are errors.
            for i in (0..out.len()).step_by(97) {
                let mut bad = out.clone();
                bad[i] ^= 0x5a;
                let _ = decompress(c, &bad, 2 * input.len());
            }
        }
    }
}
