//! Two-factor authentication (SPEC §8): time-based one-time passwords per RFC 6238 (SHA-1,
//! 6 digits, 30-second steps, one step of drift either way), each accepted once, and
//! single-use recovery codes. Pure: the caller supplies the time and the randomness.

use std::fmt;

use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, Builder, Totp};

use super::random::Randomness;

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// How many recovery codes a person gets.
pub const RECOVERY_CODES: usize = 10;
/// What the authenticator app shows as the account's issuer.
pub const ISSUER: &str = "Private Integrations";

/// A TOTP secret: 20 random bytes (160 bits, RFC 4226's recommendation).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// A fresh secret from `random`.
    pub fn generate(random: &mut (impl Randomness + ?Sized)) -> Self {
        let mut bytes = vec![0u8; 20];
        random.fill(&mut bytes);
        Self(bytes)
    }

    /// A secret as stored; `None` if it is not 20 bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == 20).then_some(Self(bytes))
    }

    /// The bytes, for sealing.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, account: &str) -> Option<Totp> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_issuer(Some(ISSUER))
            .with_account_name(account.replace(':', ""))
            .build()
            .ok()
    }

    /// A secret typed in base32 (as authenticator apps show it), spaces ignored.
    pub fn from_base32(text: &str) -> Option<Self> {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        totp_rs::Secret::try_from_base32(clean).ok().and_then(|secret| Self::from_bytes(secret.to_vec()))
    }

    /// The secret in base32, for typing into an authenticator by hand.
    pub fn base32(&self) -> String {
        totp_rs::Secret::from(self.0.clone()).to_base32()
    }

    /// The `otpauth://` URI an authenticator app scans (the QR code's content).
    pub fn otpauth_url(&self, account: &str) -> String {
        self.totp(account).and_then(|totp| totp.to_url().ok()).unwrap_or_default()
    }

    /// The code of the time step holding `unix` seconds.
    pub fn code_at(&self, unix: u64) -> String {
        self.totp("code").map(|totp| totp.generate(unix).to_string()).unwrap_or_default()
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    /// Not six digits, or not the code of this moment (give or take one step).
    #[error("That code is not right. Check your authenticator app and try again.")]
    Wrong,
    /// The code of a step already used: a code works once.
    #[error("That code was used already. Wait for the next one.")]
    Replayed,
}

/// Checks `code` against `secret` at `unix` seconds: the step it belongs to (the current
/// one, the one before or the one after), refused if that step was used already
/// (`last_step`). Keep the returned step as the new `last_step`.
pub fn accept(secret: &Secret, code: &str, unix: u64, last_step: Option<u64>) -> Result<u64, CodeRefusal> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(CodeRefusal::Wrong);
    }
    let now = unix / STEP_SECONDS;
    let matching = [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter(|step| bool::from(secret.code_at(step * STEP_SECONDS).as_bytes().ct_eq(code.as_bytes())))
        .max();
    match matching {
        None => Err(CodeRefusal::Wrong),
        Some(step) if last_step.is_some_and(|last| step <= last) => Err(CodeRefusal::Replayed),
        Some(step) => Ok(step),
    }
}

/// The alphabet of recovery codes: lower-case letters and digits without look-alikes.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A recovery code: `xxxxx-xxxxx`, about 49 bits of randomness.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(***)")
    }
}

impl RecoveryCode {
    /// A fresh code from `random`.
    pub fn generate(random: &mut (impl Randomness + ?Sized)) -> Self {
        let mut chars = String::with_capacity(11);
        let mut buf = [0u8; 32];
        while chars.len() < 10 {
            random.fill(&mut buf);
            for &byte in &buf {
                // 31 letters: reject bytes that would bias the choice (248 = 8 × 31).
                if byte < 248 && chars.len() < 10 {
                    chars.push(char::from(RECOVERY_ALPHABET[usize::from(byte) % RECOVERY_ALPHABET.len()]));
                }
            }
        }
        chars.insert(5, '-');
        Self(chars)
    }

    /// What a person typed, as a code: case, spaces and dashes do not matter.
    pub fn parse(typed: &str) -> Option<Self> {
        let clean: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        (clean.len() == 10 && clean.bytes().all(|byte| RECOVERY_ALPHABET.contains(&byte)))
            .then(|| Self(format!("{}-{}", &clean[..5], &clean[5..])))
    }

    /// The code, to show once and to digest.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Whether `typed` looks like a recovery code rather than a six-digit code.
pub fn looks_like_recovery_code(typed: &str) -> bool {
    RecoveryCode::parse(typed).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::random::testing::Counter;

    /// RFC 6238's SHA-1 test secret ("12345678901234567890").
    fn rfc_secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes")
    }

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238, appendix B: T = 59 s gives 94287082 with 8 digits; its last six digits.
        assert_eq!(rfc_secret().code_at(59), "287082");
        assert_eq!(rfc_secret().code_at(1_111_111_109), "081804");
        assert_eq!(rfc_secret().code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_works_one_step_either_way_and_only_once() {
        let secret = rfc_secret();
        let now = 1_111_111_109;
        let code = secret.code_at(now);
        let step = accept(&secret, &code, now, None).expect("accepted");
        assert_eq!(step, now / 30);
        assert_eq!(accept(&secret, &code, now, Some(step)), Err(CodeRefusal::Replayed));
        assert_eq!(accept(&secret, &secret.code_at(now - 30), now, None), Ok(now / 30 - 1));
        assert_eq!(accept(&secret, &secret.code_at(now + 30), now, None), Ok(now / 30 + 1));
        assert_eq!(accept(&secret, &secret.code_at(now - 60), now, None), Err(CodeRefusal::Wrong));
        assert_eq!(accept(&secret, "12345", now, None), Err(CodeRefusal::Wrong));
        assert_eq!(accept(&secret, "abcdef", now, None), Err(CodeRefusal::Wrong));
        assert_eq!(accept(&secret, &format!(" {} ", &code), now, None), Ok(step), "spaces are forgiven");
    }

    #[test]
    fn the_otpauth_url_names_the_issuer_and_the_account() {
        let url = rfc_secret().otpauth_url("ann@example.com");
        assert!(url.starts_with("otpauth://totp/Private%20Integrations:ann%40example.com?"), "{url}");
        assert!(url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{url}");
        assert_eq!(rfc_secret().base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(Secret::from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"), Some(rfc_secret()));
        assert_eq!(format!("{:?}", rfc_secret()), "Secret(***)");
    }

    #[test]
    fn recovery_codes_have_their_shape_and_are_read_forgivingly() {
        let code = RecoveryCode::generate(&mut Counter(3));
        assert_eq!(code.expose().len(), 11);
        assert_eq!(code.expose().as_bytes()[5], b'-');
        let typed = code.expose().to_uppercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&typed), Some(code));
        assert_eq!(RecoveryCode::parse("123456"), None);
        assert!(!looks_like_recovery_code("123456"));
        assert_eq!(RecoveryCode::parse("aaaaa-aaaa1"), None, "1 is not in the alphabet");
    }
}
