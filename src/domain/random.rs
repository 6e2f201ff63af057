//! Secrets drawn from the operating system's CSPRNG, written in base62.

/// The base62 alphabet, in the order the token format fixes: `0-9A-Za-z`.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` uniformly random base62 characters from the OS CSPRNG.
///
/// Bytes ≥ 248 are rejected so that every character is equally likely (248 = 4 × 62).
pub fn base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &byte in &buf {
            if byte < 248 && out.len() < len {
                out.push(char::from(BASE62[usize::from(byte % 62)]));
            }
        }
    }
    out
}

/// Fills `buf` from the OS CSPRNG.
///
/// # Panics
/// If the operating system cannot supply randomness: no secret can be made safely then.
pub fn fill(buf: &mut [u8]) {
    #[expect(clippy::expect_used, reason = "without OS randomness no secret is safe to issue")]
    getrandom::fill(buf).expect("the operating system's random source failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_has_the_requested_length_and_alphabet() {
        let text = base62(40);
        assert_eq!(text.len(), 40);
        assert!(text.bytes().all(|byte| BASE62.contains(&byte)));
    }

    #[test]
    fn base62_values_differ() {
        assert_ne!(base62(32), base62(32));
    }
}
