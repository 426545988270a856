//! Passwords: argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes), PHC strings in the
//! database, never the password itself. Hashing runs on the blocking pool.
//!
//! A sign-in with an unknown username still verifies against a fixed hash, so the answer
//! takes as long as for a known one and does not tell an attacker which usernames exist.
//!
//! Each hash needs 19 MiB of working memory. Allocated per hash, the allocator kept what it
//! freed (measured on the debug server: resident memory grew by 19.5 MB with each of ten
//! sign-ins in a row, and 24 concurrent account creations took it to 490 MB). So at most
//! [`AT_ONCE`] hashes run at a time, each in one of [`AT_ONCE`] working buffers allocated
//! once and reused; a flood of sign-ins queues here, bounded by [`QUEUE_WAIT`], instead of
//! taking the server's memory.

use std::sync::Mutex;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::ServerError;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 8;

/// The longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_CHARS: usize = 256;

/// Refuse a password that is too short or too long, with the reason (bilingual).
pub fn check_new(password: &str) -> Result<(), ServerError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(ServerError::BadRequest(format!(
            "Mật khẩu cần ít nhất {MIN_CHARS} ký tự. / The password needs at least {MIN_CHARS} characters."
        )));
    }
    if n > MAX_CHARS {
        return Err(ServerError::BadRequest(format!(
            "Mật khẩu dài quá {MAX_CHARS} ký tự. / The password is longer than {MAX_CHARS} characters."
        )));
    }
    Ok(())
}

/// The working buffers, reused from hash to hash.
static BUFFERS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Run argon2id with `params` over a reused working buffer.
fn argon2_into(
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), ServerError> {
    let blocks = params.block_count();
    let mut memory = BUFFERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop()
        .filter(|b| b.len() >= blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]);
    let mut pool = BUFFERS.lock().unwrap_or_else(|p| p.into_inner());
    if pool.len() < AT_ONCE {
        pool.push(memory);
    }
    result.map_err(|e| ServerError::Internal(format!("hashing failed: {e}")))
}

fn internal(e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("password hash: {e}"))
}

/// The PHC string for `password`, with a fresh salt (argon2id, the crate's default
/// parameters).
pub fn hash_now(password: &str) -> Result<String, ServerError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| ServerError::Internal(format!("no randomness for a salt: {e}")))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(internal)?;
    let params = Params::DEFAULT;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(params.clone(), password.as_bytes(), &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into().map_err(internal)?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(internal)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (compared in constant time).
fn verify_now(password: &str, stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&phc), phc.salt, phc.hash)
    else {
        return false;
    };
    if phc.algorithm != Algorithm::Argon2id.ident() || params.block_count() > 1 << 20 {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if argon2_into(params, password.as_bytes(), salt, &mut out).is_err() {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

/// How many hashes may run at once (the machines have two cores).
pub const AT_ONCE: usize = 2;

/// How long a request waits for its turn before being told the server is busy.
pub const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, ServerError> {
    match tokio::time::timeout(QUEUE_WAIT, TURNS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ServerError::Busy(
            "Máy chủ đang bận kiểm tra mật khẩu; hãy thử lại sau ít phút. \
             / The server is busy checking passwords; try again in a few minutes."
                .into(),
        )),
    }
}

/// [`hash_now`] on the blocking pool, in turn.
pub async fn hash(password: String) -> Result<String, ServerError> {
    let _turn = turn().await?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| ServerError::Internal(format!("hashing task failed: {e}")))?
}

/// Whether `password` matches `stored` (a PHC string); with `None`, spends the same time
/// and answers `false`. Waits its turn (an error only if the server is too busy).
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ServerError> {
    let _turn = turn().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DECOY.to_owned());
        verify_now(&password, &phc) && known
    })
    .await
    .unwrap_or(false))
}

/// The hash of a random string nobody knows, with the same parameters as real ones.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Q+6B3VcD0mYQfKmIuB1mqH7bBJCqSkqAjzFJzL8yq1g";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_nothing_else() {
        let h = hash("mật khẩu dài".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("mật khẩu"));
        assert!(
            verify("mật khẩu dài".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("mat khau dai".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn the_decoy_is_a_well_formed_hash() {
        assert!(PasswordHash::new(DECOY).is_ok());
    }

    #[test]
    fn hashes_are_standard_argon2id_that_the_crates_own_verifier_accepts() {
        use argon2::password_hash::PasswordVerifier;
        let h = hash_now("mật khẩu chuẩn").unwrap();
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(
            Argon2::default()
                .verify_password("mật khẩu chuẩn".as_bytes(), &parsed)
                .is_ok()
        );
        assert!(verify_now("mật khẩu chuẩn", &h));
        assert!(!verify_now("mật khẩu chuẩn ", &h));
    }

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        let e = check_new("ngắn").unwrap_err().to_string();
        assert!(e.contains("8"), "{e}");
        assert!(check_new("đủ tám ký tự").is_ok());
    }
}
