//! Request and response headers (KIP-482 versions: request v1/v2, response v0/v1).

use bytes::{BufMut, BytesMut};

use super::wire::{put_nullable_string, put_unsigned_varint, Decoder};
use super::Result;

/// Writes a request header. `header_version` is 1 (classic) or 2 (flexible: adds tagged fields).
pub fn encode_request_header(
    buf: &mut BytesMut,
    header_version: i16,
    api_key: i16,
    api_version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
) -> Result<()> {
    buf.put_i16(api_key);
    buf.put_i16(api_version);
    buf.put_i32(correlation_id);
    // client_id stays a classic nullable string even in header v2.
    put_nullable_string(buf, client_id)?;
    if header_version >= 2 {
        put_unsigned_varint(buf, 0);
    }
    Ok(())
}

/// Reads the correlation id at the front of a response frame.
pub fn decode_correlation_id(d: &mut Decoder) -> Result<i32> {
    d.i32()
}

/// Skips the rest of a response header (header v1 carries tagged fields).
pub fn skip_response_header_rest(d: &mut Decoder, header_version: i16) -> Result<()> {
    if header_version >= 1 {
        d.tagged_fields(|_, _| Ok(false))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn request_header_layout() {
        let mut b = BytesMut::new();
        encode_request_header(&mut b, 2, 18, 3, 7, Some("c")).unwrap();
        assert_eq!(&b[..], &[0, 18, 0, 3, 0, 0, 0, 7, 0, 1, b'c', 0]);
        let mut b = BytesMut::new();
        encode_request_header(&mut b, 1, 3, 1, -2, None).unwrap();
        assert_eq!(&b[..], &[0, 3, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff]);
    }

    #[test]
    fn response_header_v1_skips_tags() {
        let mut d = Decoder::new(Bytes::from_static(&[0, 0, 0, 9, 1, 4, 1, 0xaa, 0x55]));
        assert_eq!(decode_correlation_id(&mut d).unwrap(), 9);
        skip_response_header_rest(&mut d, 1).unwrap();
        assert_eq!(d.peek_rest(), &[0x55]);
    }
}
