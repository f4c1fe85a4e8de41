//! How records sit in a ledger segment: `[length: u32 LE][CRC-32 of the payload: u32 LE]
//! [payload]`. A kill in the middle of a write leaves a last frame that is cut short or whose
//! checksum fails — a torn tail — which the reader reports instead of returning it.
use std::io::Write;

pub const HEADER: usize = 8;

/// Appends one frame holding `payload`.
pub fn write(out: &mut impl Write, payload: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| {
        std::io::Error::other(format!("a ledger record of {} bytes is over 4 GiB", payload.len()))
    })?;
    let mut header = [0u8; HEADER];
    header[..4].copy_from_slice(&len.to_le_bytes());
    header[4..].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.write_all(&header)?;
    out.write_all(payload)
}

/// What reading a segment's bytes found.
pub struct Frames<'a> {
    /// The payloads of the complete frames, in order.
    pub payloads: Vec<&'a [u8]>,
    /// Where the complete frames end: the length the segment should have.
    pub complete: usize,
    /// Why the bytes after `complete` are not a frame, when there are any.
    pub torn: Option<String>,
}

/// Splits `bytes` into frames, stopping at the first one that is cut short or fails its
/// checksum.
pub fn read(bytes: &[u8]) -> Frames<'_> {
    let mut payloads = Vec::new();
    let mut at = 0usize;
    let torn = loop {
        let rest = &bytes[at..];
        if rest.is_empty() {
            break None;
        }
        let Some((header, body)) = rest.split_first_chunk::<HEADER>() else {
            break Some(format!("{} bytes, shorter than a record header", rest.len()));
        };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let Some(payload) = body.get(..len) else {
            break Some(format!("a record of {len} bytes with {} present", body.len()));
        };
        if crc32fast::hash(payload) != crc {
            break Some(format!("a record of {len} bytes whose checksum fails"));
        }
        payloads.push(payload);
        at += HEADER + len;
    };
    Frames { payloads, complete: at, torn }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(records: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in records {
            write(&mut out, r).unwrap();
        }
        out
    }

    #[test]
    fn complete_frames_read_back() {
        let bytes = segment(&[b"one", b"", b"three"]);
        let frames = read(&bytes);
        assert_eq!(frames.payloads, vec![&b"one"[..], b"", b"three"]);
        assert_eq!(frames.complete, bytes.len());
        assert!(frames.torn.is_none());
    }

    /// Every way a kill can cut the last frame short leaves the frames before it.
    #[test]
    fn a_frame_cut_anywhere_is_a_torn_tail() {
        let whole = segment(&[b"first record", b"second record"]);
        let first_end = HEADER + b"first record".len();
        for cut in first_end + 1..whole.len() {
            let frames = read(&whole[..cut]);
            assert_eq!(frames.payloads, vec![&b"first record"[..]], "cut at {cut}");
            assert_eq!(frames.complete, first_end);
            assert!(frames.torn.is_some());
        }
    }

    #[test]
    fn a_frame_whose_checksum_fails_is_a_torn_tail() {
        let mut bytes = segment(&[b"kept", b"flipped"]);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let frames = read(&bytes);
        assert_eq!(frames.payloads, vec![&b"kept"[..]]);
        assert!(frames.torn.unwrap().contains("checksum"));
    }
}
