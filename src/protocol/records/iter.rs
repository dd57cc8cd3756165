//! Record iteration. One parser produces byte ranges; [`RecordIter`] turns them into `Bytes`
//! slices (owned, reference counted) and [`RecordRefIter`] into `&[u8]` borrowed from the
//! [`super::BatchView`] (no reference counting at all, for the hottest consumers).

use bytes::Bytes;

use super::legacy::LegacyCursor;
use super::reader::invalid;
use crate::protocol::wire::{read_varint, read_varlong};
use crate::protocol::{ProtocolError, Result};

pub(super) type Span = (usize, usize);

/// A parsed record, its fields as ranges of the records buffer.
pub(super) struct RawRecord {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Span>,
    pub value: Option<Span>,
    pub headers: Span,
    pub header_count: u32,
}

fn truncated(what: &'static str, needed: usize, remaining: usize) -> ProtocolError {
    ProtocolError::Truncated { what, needed, remaining }
}

/// Fast path for the one- and two-byte varints that make up almost every record field (values
/// below 2^14 before zig-zag decoding); anything longer goes to the wire helpers.
#[inline(always)]
fn short_uvarint(buf: &[u8], pos: usize) -> Option<(u32, usize)> {
    let b0 = *buf.get(pos)?;
    if b0 < 0x80 {
        return Some((u32::from(b0), 1));
    }
    let b1 = *buf.get(pos + 1)?;
    if b1 < 0x80 {
        return Some((u32::from(b0 & 0x7f) | u32::from(b1) << 7, 2));
    }
    None
}

/// A bounds-checked position in a buffer; fields come back as ranges.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline]
    fn varint(&mut self) -> Result<i32> {
        if let Some((u, n)) = short_uvarint(self.buf, self.pos) {
            self.pos += n;
            return Ok(((u >> 1) as i32) ^ -((u & 1) as i32));
        }
        let (v, n) = read_varint(&self.buf[self.pos..])?;
        self.pos += n;
        Ok(v)
    }
    #[inline]
    fn varlong(&mut self) -> Result<i64> {
        if let Some((u, n)) = short_uvarint(self.buf, self.pos) {
            self.pos += n;
            return Ok(i64::from(u >> 1) ^ -i64::from(u & 1));
        }
        let (v, n) = read_varlong(&self.buf[self.pos..])?;
        self.pos += n;
        Ok(v)
    }
    /// A varint length (-1 = null) and that many bytes.
    #[inline]
    fn bytes_field(&mut self) -> Result<Option<Span>> {
        let len = self.varint()?;
        if len < 0 {
            if len == -1 {
                return Ok(None);
            }
            return Err(invalid(format!("negative length {len} in a record")));
        }
        let len = len as usize;
        let left = self.buf.len() - self.pos;
        if len > left {
            return Err(truncated("record field", len, left));
        }
        let start = self.pos;
        self.pos += len;
        Ok(Some((start, self.pos)))
    }
}

/// Reads the next header of an already validated header section.
#[inline]
fn next_header(data: &[u8], pos: &mut usize) -> Option<(Span, Option<Span>)> {
    let mut c = Cursor { buf: data, pos: *pos };
    let key = c.bytes_field().ok()??;
    let value = c.bytes_field().ok()?;
    *pos = c.pos;
    Some((key, value))
}

/// The smallest encoded record: length, attributes, two deltas, key and value lengths, header
/// count, one byte each.
const MIN_RECORD_SIZE: usize = 7;

/// Where a v2 record iteration stands. `left` comes from the batch header: a loop bound only,
/// never an allocation size.
#[derive(Clone, Debug)]
pub(super) struct V2Cursor {
    pub pos: usize,
    pub left: u32,
    pub base_offset: i64,
    pub base_timestamp: i64,
    pub log_append_time: Option<i64>,
    pub done: bool,
}

impl V2Cursor {
    #[inline]
    fn parse(&mut self, data: &[u8]) -> Result<RawRecord> {
        let mut c = Cursor { buf: data, pos: self.pos };
        let len = c.varint()?;
        let start = c.pos;
        if len < 0 {
            return Err(invalid(format!("negative record length {len}")));
        }
        let left = data.len() - start;
        if len as usize > left {
            return Err(truncated("record", len as usize, left));
        }
        let end = start + len as usize;
        let mut c = Cursor { buf: &data[..end], pos: start };
        if c.pos == end {
            return Err(truncated("record attributes", 1, 0));
        }
        c.pos += 1; // attributes: unused
        let ts_delta = c.varlong()?;
        let offset_delta = c.varint()?;
        let key = c.bytes_field()?;
        let value = c.bytes_field()?;
        let header_count = c.varint()?;
        if header_count < 0 {
            return Err(invalid(format!("negative header count {header_count}")));
        }
        let headers_start = c.pos;
        for _ in 0..header_count {
            if c.bytes_field()?.is_none() {
                return Err(invalid("null record header key"));
            }
            c.bytes_field()?;
        }
        if c.pos != end {
            return Err(invalid(format!("record has {} bytes after its last header", end - c.pos)));
        }
        self.pos = end;
        Ok(RawRecord {
            offset: self.base_offset.wrapping_add(i64::from(offset_delta)),
            timestamp: self.log_append_time.unwrap_or_else(|| self.base_timestamp.wrapping_add(ts_delta)),
            key,
            value,
            headers: (headers_start, end),
            header_count: header_count as u32,
        })
    }

    #[inline]
    fn next_raw(&mut self, data: &[u8]) -> Option<Result<RawRecord>> {
        if self.done {
            return None;
        }
        if self.left == 0 {
            self.done = true;
            if self.pos != data.len() {
                return Some(Err(invalid(format!(
                    "{} bytes left after the batch's last record",
                    data.len() - self.pos
                ))));
            }
            return None;
        }
        match self.parse(data) {
            Ok(r) => {
                self.left -= 1;
                Some(Ok(r))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self, data_len: usize) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let fit = (data_len - self.pos) / MIN_RECORD_SIZE;
        // At most the announced records (bounded by what the bytes can hold) plus one error.
        (0, Some((self.left as usize).min(fit) + 1))
    }
}

#[derive(Clone, Debug)]
pub(super) enum State {
    V2(V2Cursor),
    Legacy(LegacyCursor),
}

impl State {
    #[inline]
    fn next_raw(&mut self, data: &[u8]) -> Option<Result<RawRecord>> {
        match self {
            State::V2(c) => c.next_raw(data),
            State::Legacy(c) => c.next_raw(data),
        }
    }
    fn size_hint(&self, data_len: usize) -> (usize, Option<usize>) {
        match self {
            State::V2(c) => c.size_hint(data_len),
            State::Legacy(c) => c.size_hint(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Owned records (`Bytes` slices).

/// One record. Key, value and headers are slices of the batch's (decompressed) buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Headers,
}

/// A record's headers, in wire order, duplicates kept; parsed lazily (validated already).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    data: Bytes,
    count: u32,
}

impl Headers {
    pub fn len(&self) -> usize {
        self.count as usize
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn iter(&self) -> HeaderIter {
        HeaderIter { data: self.data.clone(), pos: 0, left: self.count }
    }
}

impl IntoIterator for &Headers {
    type Item = (Bytes, Option<Bytes>);
    type IntoIter = HeaderIter;
    fn into_iter(self) -> HeaderIter {
        self.iter()
    }
}

/// Yields `(key, value)` for each header. Keys should be UTF-8 but are not checked.
#[derive(Clone, Debug)]
pub struct HeaderIter {
    data: Bytes,
    pos: usize,
    left: u32,
}

impl Iterator for HeaderIter {
    type Item = (Bytes, Option<Bytes>);

    fn next(&mut self) -> Option<(Bytes, Option<Bytes>)> {
        if self.left == 0 {
            return None;
        }
        // Validated when the record was read: a failure here cannot happen and would only end
        // the iteration.
        let (k, v) = next_header(&self.data, &mut self.pos)?;
        self.left -= 1;
        Some((self.data.slice(k.0..k.1), v.map(|(a, b)| self.data.slice(a..b))))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for HeaderIter {}

/// Lazily yields a batch's records as [`Record`]s. After an error it yields nothing more.
#[derive(Clone, Debug)]
pub struct RecordIter {
    data: Bytes,
    state: State,
}

impl RecordIter {
    pub(super) fn new(data: Bytes, state: State) -> Self {
        RecordIter { data, state }
    }
}

impl Iterator for RecordIter {
    type Item = Result<Record>;

    #[inline]
    fn next(&mut self) -> Option<Result<Record>> {
        let raw = match self.state.next_raw(&self.data)? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let slice = |s: Span| self.data.slice(s.0..s.1);
        Some(Ok(Record {
            offset: raw.offset,
            timestamp: raw.timestamp,
            key: raw.key.map(slice),
            value: raw.value.map(slice),
            headers: if raw.header_count == 0 {
                Headers::default()
            } else {
                Headers { data: slice(raw.headers), count: raw.header_count }
            },
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.state.size_hint(self.data.len())
    }
}

impl std::iter::FusedIterator for RecordIter {}

// ---------------------------------------------------------------------------------------------
// Borrowed records (`&[u8]` into the batch view).

/// One record borrowed from its [`super::BatchView`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: HeadersRef<'a>,
}

/// Borrowed headers, in wire order, duplicates kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadersRef<'a> {
    data: &'a [u8],
    count: u32,
}

impl<'a> HeadersRef<'a> {
    pub fn len(&self) -> usize {
        self.count as usize
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn iter(&self) -> HeaderRefIter<'a> {
        HeaderRefIter { data: self.data, pos: 0, left: self.count }
    }
}

impl<'a> IntoIterator for HeadersRef<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);
    type IntoIter = HeaderRefIter<'a>;
    fn into_iter(self) -> HeaderRefIter<'a> {
        self.iter()
    }
}

#[derive(Clone, Debug)]
pub struct HeaderRefIter<'a> {
    data: &'a [u8],
    pos: usize,
    left: u32,
}

impl<'a> Iterator for HeaderRefIter<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<(&'a [u8], Option<&'a [u8]>)> {
        if self.left == 0 {
            return None;
        }
        let (k, v) = next_header(self.data, &mut self.pos)?;
        self.left -= 1;
        Some((&self.data[k.0..k.1], v.map(|(a, b)| &self.data[a..b])))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for HeaderRefIter<'_> {}

/// Lazily yields a batch's records as [`RecordRef`]s. After an error it yields nothing more.
#[derive(Clone, Debug)]
pub struct RecordRefIter<'a> {
    data: &'a [u8],
    state: State,
}

impl<'a> RecordRefIter<'a> {
    pub(super) fn new(data: &'a [u8], state: State) -> Self {
        RecordRefIter { data, state }
    }
}

impl<'a> Iterator for RecordRefIter<'a> {
    type Item = Result<RecordRef<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Result<RecordRef<'a>>> {
        let data = self.data;
        let raw = match self.state.next_raw(data)? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let slice = |s: Span| &data[s.0..s.1];
        Some(Ok(RecordRef {
            offset: raw.offset,
            timestamp: raw.timestamp,
            key: raw.key.map(slice),
            value: raw.value.map(slice),
            headers: HeadersRef { data: slice(raw.headers), count: raw.header_count },
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.state.size_hint(self.data.len())
    }
}

impl std::iter::FusedIterator for RecordRefIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::wire::{put_varint, put_varlong};

    #[test]
    fn fast_varint_paths_agree_with_the_wire_helpers() {
        let mut ints: Vec<i32> = (-20_000..20_000).collect();
        ints.extend([i32::MIN, i32::MAX, 1 << 20, -(1 << 20), 8191, 8192, -8192, -8193]);
        for v in ints {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            put_varlong(&mut b, i64::from(v) * 3);
            let mut c = Cursor { buf: &b, pos: 0 };
            assert_eq!(c.varint().unwrap(), v);
            assert_eq!(c.varlong().unwrap(), i64::from(v) * 3);
            assert_eq!(c.pos, b.len());
        }
        // Truncated multi-byte varints are errors, not misreads.
        for b in [&[0x80][..], &[0xff, 0xff], &[0x80, 0x80, 0x80]] {
            assert!(Cursor { buf: b, pos: 0 }.varint().is_err());
            assert!(Cursor { buf: b, pos: 0 }.varlong().is_err());
        }
    }
}
