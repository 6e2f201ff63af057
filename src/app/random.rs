//! The operating system's CSPRNG, the randomness every secret of the app comes from.

use crate::domain::random::{self, Randomness};

/// The OS CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Randomness for OsRandom {
    /// # Panics
    /// If the operating system cannot supply randomness: no secret can be made safely then.
    fn fill(&mut self, buf: &mut [u8]) {
        #[expect(clippy::expect_used, reason = "without OS randomness no secret is safe to issue")]
        getrandom::fill(buf).expect("the operating system's random source failed");
    }
}

/// `len` random base62 characters from the OS CSPRNG.
pub fn base62(len: usize) -> String {
    random::base62(&mut OsRandom, len)
}

/// Random bytes from the OS CSPRNG.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    OsRandom.fill(&mut buf);
    buf
}
