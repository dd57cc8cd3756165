//! Kafka's primitive wire types: fixed-width integers, varints, strings, bytes, arrays, UUIDs and
//! tagged fields, for both the classic and the "compact" (flexible-version) encodings.
//!
//! Decoding reads from a [`Decoder`] over a `Bytes` frame and never trusts a length: every read
//! is bounds-checked, byte strings are zero-copy slices of the frame, and collection capacities
//! are clamped to what the remaining bytes could possibly hold.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::ProtocolError;

type Result<T> = std::result::Result<T, ProtocolError>;

/// A bounds-checked cursor over one received frame.
#[derive(Clone, Debug)]
pub struct Decoder {
    buf: Bytes,
}

impl Decoder {
    pub fn new(buf: Bytes) -> Self {
        Decoder { buf }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Everything not read yet, without consuming it.
    pub fn peek_rest(&self) -> &[u8] {
        &self.buf
    }

    fn need(&self, n: usize, what: &'static str) -> Result<()> {
        if self.buf.len() < n {
            Err(ProtocolError::Truncated { what, needed: n, remaining: self.buf.len() })
        } else {
            Ok(())
        }
    }

    pub fn i8(&mut self) -> Result<i8> {
        self.need(1, "int8")?;
        Ok(self.buf.get_i8())
    }
    pub fn bool(&mut self) -> Result<bool> {
        Ok(self.i8()? != 0)
    }
    pub fn i16(&mut self) -> Result<i16> {
        self.need(2, "int16")?;
        Ok(self.buf.get_i16())
    }
    pub fn u16(&mut self) -> Result<u16> {
        self.need(2, "uint16")?;
        Ok(self.buf.get_u16())
    }
    pub fn i32(&mut self) -> Result<i32> {
        self.need(4, "int32")?;
        Ok(self.buf.get_i32())
    }
    pub fn u32(&mut self) -> Result<u32> {
        self.need(4, "uint32")?;
        Ok(self.buf.get_u32())
    }
    pub fn i64(&mut self) -> Result<i64> {
        self.need(8, "int64")?;
        Ok(self.buf.get_i64())
    }
    pub fn f64(&mut self) -> Result<f64> {
        self.need(8, "float64")?;
        Ok(self.buf.get_f64())
    }
    pub fn uuid(&mut self) -> Result<[u8; 16]> {
        self.need(16, "uuid")?;
        let mut u = [0u8; 16];
        self.buf.copy_to_slice(&mut u);
        Ok(u)
    }

    /// An unsigned LEB128 varint of at most 5 bytes.
    pub fn unsigned_varint(&mut self) -> Result<u32> {
        let (v, n) = read_unsigned_varint(&self.buf)?;
        self.buf.advance(n);
        Ok(v)
    }
    /// A zig-zag encoded signed varint (int32).
    pub fn varint(&mut self) -> Result<i32> {
        let (v, n) = read_varint(&self.buf)?;
        self.buf.advance(n);
        Ok(v)
    }
    /// A zig-zag encoded signed varlong (int64).
    pub fn varlong(&mut self) -> Result<i64> {
        let (v, n) = read_varlong(&self.buf)?;
        self.buf.advance(n);
        Ok(v)
    }

    /// Exactly `n` bytes as a zero-copy slice of the frame.
    pub fn bytes_exact(&mut self, n: usize, what: &'static str) -> Result<Bytes> {
        self.need(n, what)?;
        Ok(self.buf.split_to(n))
    }
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<()> {
        self.need(n, what)?;
        self.buf.advance(n);
        Ok(())
    }

    fn utf8(b: Bytes) -> Result<String> {
        String::from_utf8(b.to_vec()).map_err(|_| ProtocolError::Invalid("string is not valid UTF-8".into()))
    }

    /// A length that may be -1 (null) in the classic encoding.
    fn classic_len(&mut self, len: i64, what: &'static str) -> Result<Option<usize>> {
        match len {
            -1 => Ok(None),
            n if n < -1 => Err(ProtocolError::Invalid(format!("negative length {n} for {what}"))),
            n => Ok(Some(n as usize)),
        }
    }

    /// A length in the compact encoding: the unsigned varint holds length + 1, 0 means null.
    fn compact_len(&mut self) -> Result<Option<usize>> {
        let n = self.unsigned_varint()?;
        Ok(if n == 0 { None } else { Some((n - 1) as usize) })
    }

    pub fn string(&mut self) -> Result<String> {
        self.nullable_string()?.ok_or_else(|| ProtocolError::Invalid("null for a non-nullable string".into()))
    }
    pub fn nullable_string(&mut self) -> Result<Option<String>> {
        let len = i64::from(self.i16()?);
        match self.classic_len(len, "string")? {
            None => Ok(None),
            Some(n) => Ok(Some(Self::utf8(self.bytes_exact(n, "string")?)?)),
        }
    }
    pub fn compact_string(&mut self) -> Result<String> {
        self.compact_nullable_string()?
            .ok_or_else(|| ProtocolError::Invalid("null for a non-nullable string".into()))
    }
    pub fn compact_nullable_string(&mut self) -> Result<Option<String>> {
        match self.compact_len()? {
            None => Ok(None),
            Some(n) => Ok(Some(Self::utf8(self.bytes_exact(n, "string")?)?)),
        }
    }

    pub fn bytes(&mut self) -> Result<Bytes> {
        self.nullable_bytes()?.ok_or_else(|| ProtocolError::Invalid("null for non-nullable bytes".into()))
    }
    pub fn nullable_bytes(&mut self) -> Result<Option<Bytes>> {
        let len = i64::from(self.i32()?);
        match self.classic_len(len, "bytes")? {
            None => Ok(None),
            Some(n) => Ok(Some(self.bytes_exact(n, "bytes")?)),
        }
    }
    pub fn compact_bytes(&mut self) -> Result<Bytes> {
        self.compact_nullable_bytes()?
            .ok_or_else(|| ProtocolError::Invalid("null for non-nullable bytes".into()))
    }
    pub fn compact_nullable_bytes(&mut self) -> Result<Option<Bytes>> {
        match self.compact_len()? {
            None => Ok(None),
            Some(n) => Ok(Some(self.bytes_exact(n, "bytes")?)),
        }
    }

    /// An array length (classic: int32, -1 = null). The caller should size its Vec with
    /// [`Decoder::capacity_for`], never with the raw count.
    pub fn array_len(&mut self) -> Result<Option<usize>> {
        let len = i64::from(self.i32()?);
        let n = self.classic_len(len, "array")?;
        self.check_count(n)
    }
    /// An array length in the compact encoding (unsigned varint of length + 1, 0 = null).
    pub fn compact_array_len(&mut self) -> Result<Option<usize>> {
        let n = self.compact_len()?;
        self.check_count(n)
    }
    /// Every element takes at least one byte, so a count above the bytes left is a lie.
    fn check_count(&self, n: Option<usize>) -> Result<Option<usize>> {
        match n {
            Some(n) if n > self.buf.len() => Err(ProtocolError::Invalid(format!(
                "array of {n} elements but only {} bytes left",
                self.buf.len()
            ))),
            n => Ok(n),
        }
    }
    /// A safe initial capacity for `count` elements of at least `min_elem_size` bytes each.
    pub fn capacity_for(&self, count: usize, min_elem_size: usize) -> usize {
        count.min(self.buf.len() / min_elem_size.max(1))
    }

    /// Reads a tagged-field section, handing each (tag, data) to `f`; `f` returns false for
    /// tags it does not know, which are kept in the returned list so they survive a re-encode.
    pub fn tagged_fields(
        &mut self,
        mut f: impl FnMut(u32, &mut Decoder) -> Result<bool>,
    ) -> Result<Vec<(u32, Bytes)>> {
        let count = self.unsigned_varint()? as usize;
        if count > self.buf.len() {
            return Err(ProtocolError::Invalid(format!(
                "{count} tagged fields but {} bytes left",
                self.buf.len()
            )));
        }
        let mut unknown = Vec::new();
        let mut last: Option<u32> = None;
        for _ in 0..count {
            let tag = self.unsigned_varint()?;
            if last.is_some_and(|l| tag <= l) {
                return Err(ProtocolError::Invalid(format!("tagged field {tag} out of order")));
            }
            last = Some(tag);
            let size = self.unsigned_varint()? as usize;
            let data = self.bytes_exact(size, "tagged field")?;
            let mut sub = Decoder::new(data.clone());
            if !f(tag, &mut sub)? {
                unknown.push((tag, data));
            }
        }
        Ok(unknown)
    }
}

/// Decodes an unsigned varint from the front of `b`: (value, bytes used).
pub fn read_unsigned_varint(b: &[u8]) -> Result<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, &byte) in b.iter().enumerate().take(5) {
        if i == 4 && byte > 0x0f {
            return Err(ProtocolError::Invalid("varint overflows 32 bits".into()));
        }
        v |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    if b.len() < 5 {
        Err(ProtocolError::Truncated { what: "varint", needed: b.len() + 1, remaining: b.len() })
    } else {
        Err(ProtocolError::Invalid("varint longer than 5 bytes".into()))
    }
}

/// Decodes an unsigned 64-bit varint from the front of `b`: (value, bytes used).
pub fn read_unsigned_varlong(b: &[u8]) -> Result<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        if i == 9 && byte > 0x01 {
            return Err(ProtocolError::Invalid("varlong overflows 64 bits".into()));
        }
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    if b.len() < 10 {
        Err(ProtocolError::Truncated { what: "varlong", needed: b.len() + 1, remaining: b.len() })
    } else {
        Err(ProtocolError::Invalid("varlong longer than 10 bytes".into()))
    }
}

/// Decodes a zig-zag varint (int32) from the front of `b`.
pub fn read_varint(b: &[u8]) -> Result<(i32, usize)> {
    let (u, n) = read_unsigned_varint(b)?;
    Ok((((u >> 1) as i32) ^ -((u & 1) as i32), n))
}

/// Decodes a zig-zag varlong (int64) from the front of `b`.
pub fn read_varlong(b: &[u8]) -> Result<(i64, usize)> {
    let (u, n) = read_unsigned_varlong(b)?;
    Ok((((u >> 1) as i64) ^ -((u & 1) as i64), n))
}

// ---------------------------------------------------------------------------------------------
// Encoding. Writers append to a `BytesMut`; they cannot fail except for lengths the wire cannot
// express, which the `put_*` functions for strings report.

pub fn put_unsigned_varint(buf: &mut impl BufMut, mut v: u32) {
    while v >= 0x80 {
        buf.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

pub fn put_unsigned_varlong(buf: &mut impl BufMut, mut v: u64) {
    while v >= 0x80 {
        buf.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

pub fn put_varint(buf: &mut impl BufMut, v: i32) {
    put_unsigned_varint(buf, ((v << 1) ^ (v >> 31)) as u32);
}

pub fn put_varlong(buf: &mut impl BufMut, v: i64) {
    put_unsigned_varlong(buf, ((v << 1) ^ (v >> 63)) as u64);
}

/// How many bytes `put_varint(v)` writes.
pub fn varint_len(v: i32) -> usize {
    unsigned_varint_len(((v << 1) ^ (v >> 31)) as u32)
}

/// How many bytes `put_varlong(v)` writes.
pub fn varlong_len(v: i64) -> usize {
    let u = ((v << 1) ^ (v >> 63)) as u64;
    (64 - (u | 1).leading_zeros() as usize).div_ceil(7)
}

pub fn unsigned_varint_len(u: u32) -> usize {
    (32 - (u | 1).leading_zeros() as usize).div_ceil(7)
}

pub fn put_bool(buf: &mut BytesMut, v: bool) {
    buf.put_i8(v as i8);
}

pub fn put_uuid(buf: &mut BytesMut, v: &[u8; 16]) {
    buf.put_slice(v);
}

fn classic_string_len(len: usize) -> Result<i16> {
    i16::try_from(len).map_err(|_| ProtocolError::Encode(format!("string of {len} bytes is too long")))
}

pub fn put_string(buf: &mut BytesMut, s: &str) -> Result<()> {
    buf.put_i16(classic_string_len(s.len())?);
    buf.put_slice(s.as_bytes());
    Ok(())
}

pub fn put_nullable_string(buf: &mut BytesMut, s: Option<&str>) -> Result<()> {
    match s {
        None => {
            buf.put_i16(-1);
            Ok(())
        }
        Some(s) => put_string(buf, s),
    }
}

pub fn put_compact_string(buf: &mut BytesMut, s: &str) -> Result<()> {
    classic_string_len(s.len())?;
    put_unsigned_varint(buf, s.len() as u32 + 1);
    buf.put_slice(s.as_bytes());
    Ok(())
}

pub fn put_compact_nullable_string(buf: &mut BytesMut, s: Option<&str>) -> Result<()> {
    match s {
        None => {
            put_unsigned_varint(buf, 0);
            Ok(())
        }
        Some(s) => put_compact_string(buf, s),
    }
}

fn bytes_len(len: usize) -> Result<u32> {
    i32::try_from(len)
        .map(|n| n as u32)
        .map_err(|_| ProtocolError::Encode(format!("byte string of {len} bytes is too long")))
}

pub fn put_bytes(buf: &mut BytesMut, b: &[u8]) -> Result<()> {
    buf.put_i32(bytes_len(b.len())? as i32);
    buf.put_slice(b);
    Ok(())
}

pub fn put_nullable_bytes(buf: &mut BytesMut, b: Option<&[u8]>) -> Result<()> {
    match b {
        None => {
            buf.put_i32(-1);
            Ok(())
        }
        Some(b) => put_bytes(buf, b),
    }
}

pub fn put_compact_bytes(buf: &mut BytesMut, b: &[u8]) -> Result<()> {
    put_unsigned_varint(buf, bytes_len(b.len())? + 1);
    buf.put_slice(b);
    Ok(())
}

pub fn put_compact_nullable_bytes(buf: &mut BytesMut, b: Option<&[u8]>) -> Result<()> {
    match b {
        None => {
            put_unsigned_varint(buf, 0);
            Ok(())
        }
        Some(b) => put_compact_bytes(buf, b),
    }
}

/// Classic array length (int32, -1 = null).
pub fn put_array_len(buf: &mut BytesMut, len: Option<usize>) -> Result<()> {
    match len {
        None => buf.put_i32(-1),
        Some(n) => buf.put_i32(bytes_len(n)? as i32),
    }
    Ok(())
}

/// Compact array length (unsigned varint of length + 1, 0 = null).
pub fn put_compact_array_len(buf: &mut BytesMut, len: Option<usize>) -> Result<()> {
    match len {
        None => put_unsigned_varint(buf, 0),
        Some(n) => put_unsigned_varint(buf, bytes_len(n)? + 1),
    }
    Ok(())
}

/// Writes a tagged-field section: `fields` must be sorted by tag; each value is already encoded.
pub fn put_tagged_fields(buf: &mut BytesMut, fields: &[(u32, &[u8])]) {
    put_unsigned_varint(buf, fields.len() as u32);
    for (tag, data) in fields {
        put_unsigned_varint(buf, *tag);
        put_unsigned_varint(buf, data.len() as u32);
        buf.put_slice(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8]) -> Decoder {
        Decoder::new(Bytes::copy_from_slice(b))
    }

    #[test]
    fn varints_round_trip_and_match_known_encodings() {
        let cases: &[(i32, &[u8])] = &[
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (300, &[0xd8, 0x04]),
            (i32::MAX, &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
            (i32::MIN, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ];
        for (v, enc) in cases {
            let mut b = BytesMut::new();
            put_varint(&mut b, *v);
            assert_eq!(&b[..], *enc, "encode {v}");
            assert_eq!(varint_len(*v), enc.len());
            assert_eq!(dec(enc).varint().unwrap(), *v);
        }
        for v in [0i64, 1, -1, i64::MAX, i64::MIN, 1 << 40, -(1 << 50)] {
            let mut b = BytesMut::new();
            put_varlong(&mut b, v);
            assert_eq!(b.len(), varlong_len(v));
            assert_eq!(dec(&b).varlong().unwrap(), v);
        }
    }

    #[test]
    fn overlong_and_truncated_varints_are_errors() {
        assert!(dec(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varint().is_err());
        assert!(dec(&[0xff, 0xff, 0xff, 0xff, 0x1f]).unsigned_varint().is_err());
        assert!(matches!(dec(&[0x80]).varint(), Err(ProtocolError::Truncated { .. })));
        assert!(dec(&[0xff; 11]).varlong().is_err());
        assert!(dec(&[]).varint().is_err());
    }

    #[test]
    fn strings_and_bytes_in_both_encodings() {
        let mut b = BytesMut::new();
        put_string(&mut b, "héllo").unwrap();
        put_nullable_string(&mut b, None).unwrap();
        put_compact_string(&mut b, "x").unwrap();
        put_compact_nullable_string(&mut b, None).unwrap();
        put_bytes(&mut b, b"\x00\x01").unwrap();
        put_compact_nullable_bytes(&mut b, Some(b"")).unwrap();
        put_nullable_bytes(&mut b, None).unwrap();
        let mut d = Decoder::new(b.freeze());
        assert_eq!(d.string().unwrap(), "héllo");
        assert_eq!(d.nullable_string().unwrap(), None);
        assert_eq!(d.compact_string().unwrap(), "x");
        assert_eq!(d.compact_nullable_string().unwrap(), None);
        assert_eq!(&d.bytes().unwrap()[..], b"\x00\x01");
        assert_eq!(d.compact_nullable_bytes().unwrap().as_deref(), Some(&b""[..]));
        assert_eq!(d.nullable_bytes().unwrap(), None);
        assert_eq!(d.remaining(), 0);
    }

    #[test]
    fn lying_lengths_are_errors_not_allocations() {
        // A string claiming 30000 bytes with 2 present.
        assert!(dec(&[0x75, 0x30, b'a', b'b']).string().is_err());
        // An array claiming 2^31-1 elements.
        assert!(dec(&[0x7f, 0xff, 0xff, 0xff, 0]).array_len().is_err());
        // Negative lengths other than -1.
        assert!(dec(&[0xff, 0xfe]).nullable_string().is_err());
        assert!(dec(&[0xff, 0xff, 0xff, 0xfe]).nullable_bytes().is_err());
        // Invalid UTF-8.
        assert!(dec(&[0x00, 0x01, 0xff]).string().is_err());
        // A huge compact array count.
        assert!(dec(&[0xff, 0xff, 0xff, 0xff, 0x0f]).compact_array_len().is_err());
    }

    #[test]
    fn tagged_fields_keep_unknown_tags_and_reject_disorder() {
        let mut b = BytesMut::new();
        put_tagged_fields(&mut b, &[(0, b"\x05"), (7, b"ab")]);
        let mut d = Decoder::new(b.freeze());
        let mut seen = 0;
        let unknown = d
            .tagged_fields(|tag, sub| {
                if tag == 0 {
                    seen = sub.i8()?;
                    Ok(true)
                } else {
                    Ok(false)
                }
            })
            .unwrap();
        assert_eq!(seen, 5);
        assert_eq!(unknown, vec![(7, Bytes::from_static(b"ab"))]);

        let mut b = BytesMut::new();
        put_tagged_fields(&mut b, &[(3, b""), (1, b"")]);
        assert!(Decoder::new(b.freeze()).tagged_fields(|_, _| Ok(false)).is_err());
    }
}
