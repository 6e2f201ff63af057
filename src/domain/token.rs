//! Private-integration tokens (SPEC §3): `pit-` + 40 random base62 characters + a 6-character
//! base62 CRC32 of those 40. The checksum lets a malformed or mistyped token be refused
//! before any lookup, and makes leaked tokens easy for secret scanners to recognise.
//!
//! A token is stored only as its digest: HMAC-SHA256 keyed with the server secret, or a
//! plain SHA-256 when none is configured. [`TokenSecret`] never prints in clear.

use std::fmt;

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

use super::random::{self, BASE62, Randomness};

/// The prefix every token starts with.
pub const PREFIX: &str = "pit-";
const RANDOM_LEN: usize = 40;
const CHECKSUM_LEN: usize = 6;
/// The length of a whole token.
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;

/// A token in clear. Exists only in memory, from issue to the one reveal.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

/// Why a string is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    /// Wrong prefix, length or alphabet.
    #[error("malformed token")]
    Malformed,
    /// Well-formed, but the checksum does not match.
    #[error("token checksum mismatch")]
    BadChecksum,
}

impl TokenSecret {
    /// A fresh token from `random` (the OS CSPRNG, in the app).
    pub fn generate(random: &mut (impl Randomness + ?Sized)) -> Self {
        let body = random::base62(random, RANDOM_LEN);
        let mut text = String::with_capacity(TOKEN_LEN);
        text.push_str(PREFIX);
        text.push_str(&body);
        text.extend(checksum(&body).map(char::from));
        Self(text)
    }

    /// Checks format and checksum; no I/O.
    pub fn parse(text: &str) -> Result<Self, TokenFormatError> {
        let rest = text.strip_prefix(PREFIX).ok_or(TokenFormatError::Malformed)?;
        // Base62 is exactly the ASCII letters and digits.
        if rest.len() != RANDOM_LEN + CHECKSUM_LEN || !rest.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(TokenFormatError::Malformed);
        }
        let (body, sum) = rest.split_at(RANDOM_LEN);
        if checksum(body) != sum.as_bytes() {
            return Err(TokenFormatError::BadChecksum);
        }
        Ok(Self(text.to_owned()))
    }

    /// The token in clear, for the one reveal.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, shown as `pit-…Xy12`.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret(pit-…{})", self.last4())
    }
}

/// The hint users see for a token whose last four characters are `last4`.
pub fn hint(last4: &str) -> String {
    format!("{PREFIX}…{last4}")
}

/// The CRC32 (IEEE) of `body`, in base62, left-padded with `0` to six characters (ASCII).
fn checksum(body: &str) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits
}

/// Turns tokens into the digests they are stored and looked up by.
#[derive(Clone)]
pub struct TokenDigester {
    /// The HMAC already keyed (its key blocks hashed once, not per token).
    keyed: Option<Hmac<Sha256>>,
}

impl TokenDigester {
    /// HMAC-SHA256 keyed with `secret`, or plain SHA-256 without one.
    pub fn new(secret: Option<&str>) -> Self {
        #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
        let keyed =
            secret.map(|secret| Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length"));
        Self { keyed }
    }

    /// The 32-byte digest of a token.
    pub fn digest(&self, token: &TokenSecret) -> Vec<u8> {
        match &self.keyed {
            Some(keyed) => {
                let mut mac = keyed.clone();
                mac.update(token.expose().as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            None => Sha256::digest(token.expose().as_bytes()).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Test tokens: from the OS, as the app makes them.
    struct Os;

    impl Randomness for Os {
        fn fill(&mut self, buf: &mut [u8]) {
            getrandom::fill(buf).expect("os randomness");
        }
    }

    impl TokenSecret {
        fn generate_for_test() -> Self {
            Self::generate(&mut Os)
        }
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let token = TokenSecret::generate_for_test();
        let text = token.expose();
        assert_eq!(text.len(), TOKEN_LEN);
        assert!(text.starts_with("pit-"));
        assert_eq!(TokenSecret::parse(text), Ok(token.clone()));
        assert_ne!(TokenSecret::generate_for_test(), token);
    }

    #[test]
    fn the_checksum_is_crc32_in_base62_left_padded() {
        // CRC32("") = 0 → "000000"; CRC32 of 40 zeros, computed independently.
        assert_eq!(&checksum(""), b"000000");
        let body = "0".repeat(40);
        let mut value = crc32fast::hash(body.as_bytes()) as u64;
        let mut expected = String::new();
        for _ in 0..6 {
            expected.insert(0, BASE62[(value % 62) as usize] as char);
            value /= 62;
        }
        assert_eq!(checksum(&body), expected.as_bytes());
        assert_eq!(u64::from(u32::MAX), 4_294_967_295, "fits in six base62 digits (62^6 > 2^32)");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = TokenSecret::generate_for_test().expose().to_owned();
        for bad in [
            "".to_owned(),
            good.replacen("pit-", "pat-", 1),
            good[..good.len() - 1].to_owned(),
            format!("{good}0"),
            good.replacen(&good[10..11], "-", 1),
        ] {
            assert_eq!(TokenSecret::parse(&bad), Err(TokenFormatError::Malformed), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = TokenSecret::generate_for_test();
        let shown = format!("{token:?}");
        assert!(!shown.contains(&token.expose()[4..20]), "{shown}");
        assert!(shown.ends_with(&format!("{})", token.last4())));
    }

    #[test]
    fn keyed_digests_differ_from_plain_ones_and_by_key() {
        let token = TokenSecret::generate_for_test();
        let plain = TokenDigester::new(None).digest(&token);
        let keyed = TokenDigester::new(Some("a server secret of enough length!!")).digest(&token);
        let other = TokenDigester::new(Some("another server secret, also long!!")).digest(&token);
        assert_eq!(plain.len(), 32);
        assert_eq!(keyed.len(), 32);
        assert_ne!(plain, keyed);
        assert_ne!(keyed, other);
    }

    fn replace_char(text: &str, index: usize, with: u8) -> String {
        let mut bytes = text.as_bytes().to_vec();
        bytes[index] = with;
        String::from_utf8(bytes).expect("ascii")
    }

    proptest! {
        #[test]
        fn any_one_character_change_is_caught(index in 4usize..TOKEN_LEN, pick in 0usize..62) {
            let token = TokenSecret::generate_for_test();
            let text = token.expose();
            let replacement = BASE62[pick];
            prop_assume!(text.as_bytes()[index] != replacement);
            let changed = replace_char(text, index, replacement);
            prop_assert_eq!(TokenSecret::parse(&changed), Err(TokenFormatError::BadChecksum));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC*") {
            let _ = TokenSecret::parse(&text);
        }

        #[test]
        fn only_well_formed_text_parses(body in "[0-9A-Za-z]{40}") {
            let token = format!("pit-{body}{}", String::from_utf8_lossy(&checksum(&body)));
            prop_assert!(TokenSecret::parse(&token).is_ok());
        }
    }
}
