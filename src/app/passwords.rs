//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1: OWASP's minimum). Hashing
//! is deliberately slow, so it runs on threads of its own, one per core, at the lowest
//! scheduling priority (nice 19), so that a burst of sign-ins neither starves other
//! requests of CPU nor holds more than one hash's memory per core: when the machine is
//! busy, pages go first and sign-ins wait.

use std::sync::{Arc, Mutex, PoisonError, mpsc};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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
    /// The hashing threads' queue; they stop once every handle is gone.
    jobs: mpsc::Sender<Job>,
    /// How many argon2 verifications ran, decoys included.
    verifications: Arc<std::sync::atomic::AtomicU64>,
    /// How many passwords were hashed.
    hashes: Arc<std::sync::atomic::AtomicU64>,
    /// Verified against when the email is unknown, so that the answer takes as long as
    /// for a known email.
    decoy: Arc<str>,
}

impl Passwords {
    /// Starts `parallelism` hashing threads.
    pub fn new(parallelism: usize) -> anyhow::Result<Self> {
        let decoy = hash_blocking(&NewPassword::parse(random::base62(24)).map_err(anyhow::Error::msg)?)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for number in 0..parallelism.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new().name(format!("argon2-{number}")).spawn(move || hash_jobs(&queue))?;
        }
        Ok(Self { jobs, verifications: Arc::default(), hashes: Arc::default(), decoy: decoy.into() })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: NewPassword) -> Result<String, AppError> {
        self.hashes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.run(move || hash_blocking(&password)).await?.map_err(AppError::Internal)
    }

    /// Verifies `password` against `phc`, or against the decoy when there is no hash
    /// (unknown email, no password set) so that both take the same time.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AppError> {
        let real = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.decoy.to_string());
        self.verifications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let matches = self.run(move || verify_blocking(&password, &phc)).await?;
        Ok(real && matches)
    }
}

impl Passwords {
    /// Runs `work` on a hashing thread, after the hashes queued before it.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The request may have gone meanwhile; nobody to tell then.
            let _ = answer.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the hashing threads stopped")))?;
        answered.await.map_err(|_| AppError::Internal(anyhow::anyhow!("a hashing thread failed")))
    }

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

/// A hash or a verification, queued.
type Job = Box<dyn FnOnce() + Send>;

/// A hashing thread: lowers its own priority, then runs jobs until the queue closes.
fn hash_jobs(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

/// Nice 19 for the calling thread (on Linux, a thread has a nice value of its own): the
/// scheduler then gives it about 1.5% of a core that other threads want, and all of one
/// that nobody wants. Where that is refused, hashing runs at normal priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let thread = rustix::thread::gettid();
        if let Err(error) = rustix::process::setpriority_process(Some(thread), 19) {
            tracing::warn!(%error, "could not lower the priority of a password-hashing thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_yield_to_everything_else() {
        let caller =
            || rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("priority");
        let before = caller();
        let passwords = Passwords::new(1).expect("passwords");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let nice = runtime
            .block_on(passwords.run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid()))))
            .expect("ran")
            .expect("read the priority");
        assert_eq!(nice, 19);
        assert_eq!(caller(), before, "only the hashing threads are lowered");
    }

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
