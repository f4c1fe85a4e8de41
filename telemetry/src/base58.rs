//! Just enough base58 (Bitcoin alphabet, as Solana spells keys and signatures) to check a
//! field's decoded length, so this crate needs no codec dependency.
const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// The number of bytes `s` decodes to, or `None` when it is not base58.
pub fn decoded_len(s: &str) -> Option<usize> {
    // Big-endian base-256 accumulator; keys are short, so quadratic is fine.
    let mut bytes: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes() {
        let mut carry = ALPHABET.iter().position(|&a| a == c)? as u32;
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    // Each leading '1' stands for a leading zero byte.
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    Some(zeros + bytes.iter().skip_while(|&&b| b == 0).count())
}

#[cfg(test)]
mod tests {
    use super::decoded_len;

    #[test]
    fn lengths() {
        // The system program (32 zero bytes) and a typical key.
        assert_eq!(decoded_len("11111111111111111111111111111111"), Some(32));
        assert_eq!(decoded_len("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"), Some(32));
        assert_eq!(decoded_len("2g"), Some(1)); // 0x61
        assert_eq!(decoded_len(""), Some(0));
        assert_eq!(decoded_len("0OIl"), None);
    }
}
