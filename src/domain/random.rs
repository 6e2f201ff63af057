//! Secrets written in base62, from randomness the caller supplies: the domain has no
//! randomness source of its own (the app passes the OS CSPRNG; tests may pass their own).

/// The base62 alphabet, in the order the token format fixes: `0-9A-Za-z`.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A source of unpredictable bytes.
pub trait Randomness {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// `len` uniformly random base62 characters.
///
/// Bytes ≥ 248 are rejected so that every character is equally likely (248 = 4 × 62).
pub fn base62(random: &mut (impl Randomness + ?Sized), len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        random.fill(&mut buf);
        for &byte in &buf {
            if byte < 248 && out.len() < len {
                out.push(char::from(BASE62[usize::from(byte % 62)]));
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    /// A deterministic source for unit tests: a counter, never for secrets.
    pub struct Counter(pub u8);

    impl super::Randomness for Counter {
        fn fill(&mut self, buf: &mut [u8]) {
            for byte in buf {
                self.0 = self.0.wrapping_add(37);
                *byte = self.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Counter;
    use super::*;

    #[test]
    fn base62_has_the_requested_length_and_alphabet() {
        let text = base62(&mut Counter(0), 40);
        assert_eq!(text.len(), 40);
        assert!(text.bytes().all(|byte| BASE62.contains(&byte)));
    }

    #[test]
    fn bytes_that_would_bias_the_alphabet_are_skipped() {
        struct High;
        impl Randomness for High {
            fn fill(&mut self, buf: &mut [u8]) {
                for (index, byte) in buf.iter_mut().enumerate() {
                    *byte = if index % 2 == 0 { 255 } else { 1 };
                }
            }
        }
        assert_eq!(base62(&mut High, 5), "11111");
    }
}
