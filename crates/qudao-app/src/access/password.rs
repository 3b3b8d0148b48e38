//! Password hashing with Argon2id.
//!
//! Parameters are OWASP's minimum for Argon2id (19 MiB of memory, 2 passes, 1 lane). Hashing is
//! deliberately slow, so it runs on the blocking pool, never on the request threads.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, Version};

use crate::{AppError, AppResult};

/// Memory cost in KiB.
const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
const PASSES: u32 = 2;
/// Lanes.
const LANES: u32 = 1;

fn hasher() -> AppResult<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let hash = hasher()?.hash_password(password.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Whether `password` matches `hash`. With no hash (an unknown login, a user who never set a
/// password) a dummy hash is checked anyway, so the answer takes as long either way and does not
/// reveal which logins exist.
pub async fn verify_password(password: &str, hash: Option<&str>) -> AppResult<bool> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let password = password.to_string();
    let known = hash.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let argon = hasher()?;
        let ok = match &known {
            Some(hash) => argon.verify_password(password.as_bytes(), hash.as_str()).is_ok(),
            None => {
                let dummy = match DUMMY.get() {
                    Some(dummy) => dummy.clone(),
                    None => {
                        let made = argon
                            .hash_password(b"qudao-dummy-password")
                            .map_err(|e| AppError::Internal(e.to_string()))?
                            .to_string();
                        DUMMY.get_or_init(|| made).clone()
                    }
                };
                let _ = argon.verify_password(password.as_bytes(), dummy.as_str());
                false
            }
        };
        Ok(ok)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_the_required_parameters() {
        let hash = hash_password("Lanzhou-Noodles-42").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("Lanzhou-Noodles-42", Some(&hash)).await.unwrap());
        assert!(!verify_password("lanzhou-noodles-42", Some(&hash)).await.unwrap());
        assert!(!verify_password("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash_password("Lanzhou-Noodles-42").await.unwrap();
        let b = hash_password("Lanzhou-Noodles-42").await.unwrap();
        assert_ne!(a, b);
    }
}
