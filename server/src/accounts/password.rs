//! Passwords: argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes), PHC strings in the
//! database, never the password itself. Hashing runs on the blocking pool.
//!
//! A sign-in with an unknown username still verifies against a fixed hash, so the answer
//! takes as long as for a known one and does not tell an attacker which usernames exist.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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

/// The PHC string for `password`, with a fresh salt.
pub fn hash_now(password: &str) -> Result<String, ServerError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| ServerError::Internal(format!("no randomness for a salt: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ServerError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(format!("hashing failed: {e}")))
}

/// [`hash_now`] on the blocking pool.
pub async fn hash(password: String) -> Result<String, ServerError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| ServerError::Internal(format!("hashing task failed: {e}")))?
}

/// Whether `password` matches `stored` (a PHC string); with `None`, spends the same time
/// and answers `false`.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
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
        assert!(verify("mật khẩu dài".into(), Some(h.clone())).await);
        assert!(!verify("mat khau dai".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
    }

    #[test]
    fn the_decoy_is_a_well_formed_hash() {
        assert!(PasswordHash::new(DECOY).is_ok());
    }

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        let e = check_new("ngắn").unwrap_err().to_string();
        assert!(e.contains("8"), "{e}");
        assert!(check_new("đủ tám ký tự").is_ok());
    }
}
