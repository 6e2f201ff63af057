//! The keys the app derives from `SECRET_KEY` (and still accepts from
//! `PREVIOUS_SECRET_KEYS`), one per purpose, so that no two uses share a key:
//! token digests, the sealing of tokens awaiting their reveal, and the signatures of the
//! device and CSRF cookies. Rotating `SECRET_KEY` (the old one moved to
//! `PREVIOUS_SECRET_KEYS`) invalidates nothing: everything made with an earlier key is
//! still accepted, and token digests are rewritten under the current key on use.
//!
//! Without `SECRET_KEY`, token digests are plain SHA-256 (SPEC §3), tokens awaiting their
//! reveal are sealed with a key of this process only, and cookies are signed with a key the
//! installation keeps in its database.

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::random;
use crate::domain::token::{TokenDigester, TokenSecret};

/// What a derived key is for.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Sealing tokens awaiting their reveal (AES-256-GCM).
    Reveal,
    /// Signing device cookies (known browsers are spared the per-email throttle).
    Device,
    /// Signing the CSRF cookie of pages before sign-in.
    Csrf,
    /// Sealing people's TOTP secrets at rest (AES-256-GCM).
    TwoFactor,
    /// Digesting recovery codes (HMAC-SHA256).
    Recovery,
    /// Sealing webhook endpoints' signing secrets at rest (AES-256-GCM).
    Webhook,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Reveal => b"private-integrations token reveal v1",
            Self::Device => b"private-integrations device cookie v1",
            Self::Csrf => b"private-integrations csrf cookie v1",
            Self::TwoFactor => b"private-integrations totp secret v1",
            Self::Recovery => b"private-integrations recovery code v1",
            Self::Webhook => b"private-integrations webhook secret v1",
        }
    }
}

/// HMAC-SHA256 of `data` under `key`.
fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The app's keys.
#[derive(Clone)]
pub struct Keys {
    /// `SECRET_KEY`, then `PREVIOUS_SECRET_KEYS`, as given.
    secrets: Vec<Vec<u8>>,
    /// The token digesters, current first (see [`Self::digesters`]).
    digesters: Vec<TokenDigester>,
    /// Used for cookies when no `SECRET_KEY` is set: the installation's own.
    installation: Vec<u8>,
    /// Used for sealing when no `SECRET_KEY` is set: this process's own.
    process: [u8; 32],
}

impl Keys {
    /// The keys from the configured secrets; `installation` is the cookie key the
    /// installation keeps for itself.
    pub fn new(current: Option<&SecretString>, previous: &[SecretString], installation: Vec<u8>) -> Self {
        let given: Vec<&SecretString> = match current {
            Some(current) => std::iter::once(current).chain(previous).collect(),
            None => Vec::new(),
        };
        let mut digesters: Vec<TokenDigester> =
            given.iter().map(|secret| TokenDigester::new(Some(secret.expose_secret()))).collect();
        digesters.push(TokenDigester::new(None));
        let secrets = given.iter().map(|secret| secret.expose_secret().as_bytes().to_vec()).collect();
        Self { secrets, digesters, installation, process: random::bytes() }
    }

    /// Whether `SECRET_KEY` is set.
    pub fn has_secret(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// The keys for `purpose`, the current one first. Without `SECRET_KEY`, a reveal
    /// (which lasts minutes) is sealed with this process's key, and cookies and what is
    /// kept for good with the installation's own key (kept in the database). Once a
    /// `SECRET_KEY` is set, that key still opens two-factor secrets and recovery codes made
    /// before (so that setting one locks nobody out), and webhook secrets, and nothing else.
    fn derived(&self, purpose: Purpose) -> Vec<[u8; 32]> {
        let mut keys: Vec<[u8; 32]> =
            self.secrets.iter().map(|secret| mac(secret, purpose.label())).collect();
        match purpose {
            Purpose::Reveal if keys.is_empty() => keys.push(mac(&self.process, purpose.label())),
            // Cookies are short-lived and re-issued: once there is a `SECRET_KEY`, a key kept
            // in the database no longer signs nor verifies them.
            Purpose::Reveal | Purpose::Device | Purpose::Csrf if !keys.is_empty() => {}
            Purpose::Device | Purpose::Csrf | Purpose::TwoFactor | Purpose::Recovery | Purpose::Webhook => {
                keys.push(mac(&self.installation, purpose.label()));
            }
            Purpose::Reveal => {}
        }
        keys
    }

    /// The digester of new tokens, then those whose digests are still accepted (earlier
    /// keys, and plain SHA-256 for tokens issued before any `SECRET_KEY` was set).
    pub fn digesters(&self) -> &[TokenDigester] {
        &self.digesters
    }

    /// The digest new tokens are stored under.
    pub fn digest(&self, token: &TokenSecret) -> Vec<u8> {
        self.digesters[0].digest(token)
    }

    /// `value.signature`, signed for `purpose` with the current key.
    pub fn sign(&self, purpose: Purpose, value: &str) -> String {
        let key = self.derived(purpose).remove(0);
        format!("{value}.{}", URL_SAFE_NO_PAD.encode(mac(&key, value.as_bytes())))
    }

    /// The value of a `value.signature` made by [`Self::sign`] with any accepted key.
    pub fn verify<'a>(&self, purpose: Purpose, signed: &'a str) -> Option<&'a str> {
        let (value, signature) = signed.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.derived(purpose)
            .iter()
            .any(|key| bool::from(mac(key, value.as_bytes()).as_slice().ct_eq(&signature)))
            .then_some(value)
    }

    /// Seals `clear` for `purpose` (AES-256-GCM), bound to `context`: (nonce, sealed).
    pub fn seal_bytes(
        &self,
        purpose: Purpose,
        clear: &[u8],
        context: &[u8],
    ) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        let key = self.derived(purpose).remove(0);
        let nonce: [u8; 12] = random::bytes();
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: clear, aad: context })
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        Ok((nonce.to_vec(), sealed))
    }

    /// Opens what [`Self::seal_bytes`] sealed for `purpose` with any accepted key.
    pub fn open_bytes(
        &self,
        purpose: Purpose,
        nonce: &[u8],
        sealed: &[u8],
        context: &[u8],
    ) -> Option<Vec<u8>> {
        if nonce.len() != 12 {
            return None;
        }
        self.derived(purpose).iter().find_map(|key| {
            let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
            cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: context }).ok()
        })
    }

    /// Seals a token for its reveal, bound to `context` (the integration): (nonce, sealed).
    pub fn seal(&self, token: &TokenSecret, context: &[u8]) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        self.seal_bytes(Purpose::Reveal, token.expose().as_bytes(), context)
    }

    /// Opens what [`Self::seal`] sealed with any accepted key.
    pub fn open(&self, nonce: &[u8], sealed: &[u8], context: &[u8]) -> Option<TokenSecret> {
        let clear = self.open_bytes(Purpose::Reveal, nonce, sealed, context)?;
        TokenSecret::parse(std::str::from_utf8(&clear).ok()?).ok()
    }

    /// The keyed digests of `data` for `purpose`, one per accepted key, the current first:
    /// store the first, look up with all of them.
    pub fn digests(&self, purpose: Purpose, data: &[u8]) -> Vec<[u8; 32]> {
        self.derived(purpose).iter().map(|key| mac(key, data)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn what_an_earlier_key_signed_or_sealed_is_still_accepted_after_a_rotation() {
        let old = Keys::new(Some(&secret("the first secret key, long enough!!")), &[], vec![7; 32]);
        let rotated = Keys::new(
            Some(&secret("the second secret key, long enough!")),
            &[secret("the first secret key, long enough!!")],
            vec![7; 32],
        );
        let signed = old.sign(Purpose::Device, "user-1");
        assert_eq!(rotated.verify(Purpose::Device, &signed), Some("user-1"));
        assert_eq!(rotated.verify(Purpose::Csrf, &signed), None, "keys differ by purpose");
        let token = TokenSecret::generate(&mut super::random::OsRandom);
        let (nonce, sealed) = old.seal(&token, b"integration").expect("sealed");
        assert_eq!(rotated.open(&nonce, &sealed, b"integration"), Some(token.clone()));
        assert_eq!(rotated.open(&nonce, &sealed, b"another"), None, "bound to its integration");
        let stranger = Keys::new(Some(&secret("somebody else's key, long enough!!!")), &[], vec![7; 32]);
        assert_eq!(stranger.verify(Purpose::Device, &signed), None);
        assert_eq!(rotated.digesters().len(), 3, "current, previous, plain SHA-256");
        assert_eq!(Keys::new(None, &[], vec![7; 32]).digesters().len(), 1, "plain SHA-256 alone");
    }

    #[test]
    fn what_was_sealed_before_a_secret_key_was_set_still_opens_after() {
        let before = Keys::new(None, &[], vec![7; 32]);
        let after = Keys::new(Some(&secret("a secret key set later, long enough")), &[], vec![7; 32]);
        let (nonce, sealed) = before.seal_bytes(Purpose::TwoFactor, b"totp secret", b"user").expect("sealed");
        assert_eq!(
            after.open_bytes(Purpose::TwoFactor, &nonce, &sealed, b"user").as_deref(),
            Some(&b"totp secret"[..])
        );
        let signed = before.sign(Purpose::Device, "user-1");
        assert_eq!(after.verify(Purpose::Device, &signed), None, "cookies follow the secret key alone");
        assert_eq!(
            before.digests(Purpose::Recovery, b"code")[0],
            after.digests(Purpose::Recovery, b"code")[1]
        );
        let (nonce, sealed) = after.seal_bytes(Purpose::TwoFactor, b"totp secret", b"user").expect("sealed");
        assert_eq!(
            before.open_bytes(Purpose::TwoFactor, &nonce, &sealed, b"user"),
            None,
            "new seals use the secret key"
        );
    }

    #[test]
    fn a_tampered_signature_is_refused() {
        let keys = Keys::new(None, &[], vec![9; 32]);
        let signed = keys.sign(Purpose::Csrf, "abc");
        assert_eq!(keys.verify(Purpose::Csrf, &signed), Some("abc"));
        assert_eq!(keys.verify(Purpose::Csrf, &signed.replace("abc", "abd")), None);
        assert_eq!(keys.verify(Purpose::Csrf, "abc"), None);
    }
}
