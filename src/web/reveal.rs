//! The one-time reveal of a new token. Between the form that issues a token and the page
//! that shows it (post/redirect/get), the token travels in the session sealed with
//! AES-256-GCM, bound to its integration: the session table never holds it in clear,
//! and the reveal page takes it out of the session as it renders, so it shows once.

use actix_session::Session;
use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::error::{WebError, WebResult};
use crate::app::random;
use crate::domain::ids::IntegrationId;
use crate::domain::token::TokenSecret;

const REVEAL: &str = "reveal";

/// Seals and opens tokens awaiting their reveal.
#[derive(Clone)]
pub struct RevealSealer {
    cipher: Aes256Gcm,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    integration_id: IntegrationId,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl RevealSealer {
    /// Keyed from `SECRET_KEY` so that every instance can open what another sealed;
    /// without one, from a per-process random key (reveals then need the same instance).
    pub fn new(secret: Option<&str>) -> Self {
        let mut material = [0u8; 32];
        match secret {
            Some(secret) => material.copy_from_slice(&Sha256::digest(format!("token reveal\0{secret}"))),
            None => material = random::bytes(),
        }
        Self { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&material)) }
    }

    /// Puts a new token in the session for its one reveal.
    pub fn stash(
        &self,
        session: &Session,
        integration_id: IntegrationId,
        token: &TokenSecret,
    ) -> WebResult<()> {
        let nonce: [u8; 12] = random::bytes();
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload { msg: token.expose().as_bytes(), aad: integration_id.0.as_bytes() },
            )
            .map_err(|_| WebError::internal(anyhow::anyhow!("sealing a token failed")))?;
        let sealed = Sealed { integration_id, nonce: nonce.to_vec(), ciphertext };
        session
            .insert(REVEAL, sealed)
            .map_err(|error| WebError::internal(anyhow::anyhow!("writing to the session: {error}")))
    }

    /// Takes the token awaiting its reveal for this integration, if any; it is gone from
    /// the session afterwards.
    pub fn take(&self, session: &Session, integration_id: IntegrationId) -> Option<TokenSecret> {
        let sealed: Sealed = session.get(REVEAL).ok().flatten()?;
        if sealed.integration_id != integration_id {
            return None;
        }
        session.remove(REVEAL);
        let clear = self
            .cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload { msg: &sealed.ciphertext, aad: integration_id.0.as_bytes() },
            )
            .ok()?;
        TokenSecret::parse(std::str::from_utf8(&clear).ok()?).ok()
    }
}
