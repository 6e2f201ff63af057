//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1: OWASP's minimum). Hashing
//! is deliberately slow, so it runs on the blocking pool, at most one per core at a time,
//! so that a burst of sign-ins cannot starve other requests of CPU or memory.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use super::AppError;
use super::random;
use crate::domain::people::NewPassword;

fn argon2() -> Argon2<'static> {
    #[expect(clippy::expect_used, reason = "constant parameters, checked by the tests")]
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string. CPU-heavy: call it off the async executor.
pub fn hash_blocking(password: &NewPassword) -> anyhow::Result<String> {
    let salt: [u8; 16] = random::bytes();
    let salt = SaltString::encode_b64(&salt).map_err(|error| anyhow::anyhow!("encoding salt: {error}"))?;
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing password: {error}"))
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Hashing and verification for request handlers.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// How many argon2 verifications ran, decoys included.
    verifications: Arc<std::sync::atomic::AtomicU64>,
    /// How many passwords were hashed.
    hashes: Arc<std::sync::atomic::AtomicU64>,
    /// Verified against when the email is unknown, so that the answer takes as long as
    /// for a known email.
    decoy: Arc<str>,
}

impl Passwords {
    /// Allows `parallelism` hashes at once.
    pub fn new(parallelism: usize) -> anyhow::Result<Self> {
        let decoy = hash_blocking(&NewPassword::parse(random::base62(24)).map_err(anyhow::Error::msg)?)?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(parallelism.max(1))),
            verifications: Arc::default(),
            hashes: Arc::default(),
            decoy: decoy.into(),
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: NewPassword) -> Result<String, AppError> {
        self.hashes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _permit = self.permits.acquire().await.map_err(|error| AppError::Internal(error.into()))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|error| AppError::Internal(error.into()))?
            .map_err(AppError::Internal)
    }

    /// Verifies `password` against `phc`, or against the decoy when there is no hash
    /// (unknown email, no password set) so that both take the same time.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(|error| AppError::Internal(error.into()))?;
        let real = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.decoy.to_string());
        self.verifications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let matches = tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
            .await
            .map_err(|error| AppError::Internal(error.into()))?;
        Ok(real && matches)
    }
}

impl Passwords {
    /// How many argon2 verifications this instance ran, decoys included: the same work
    /// for a known and an unknown email, which is what keeps their timing alike.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many passwords this instance hashed (a wrong set-up link must cost none).
    pub fn hashes(&self) -> u64 {
        self.hashes.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_required_cost_and_verify() {
        let password = NewPassword::parse("correct horse battery".into()).expect("valid");
        let phc = hash_blocking(&password).expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("correct horse battery", &phc));
        assert!(!verify_blocking("correct horse battery!", &phc));
        assert!(!verify_blocking("anything", "not a hash"));
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let passwords = Passwords::new(1).expect("decoy");
        assert!(passwords.decoy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", passwords.decoy);
    }
}
