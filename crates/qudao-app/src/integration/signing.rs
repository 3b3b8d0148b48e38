//! Webhook signatures in the Standard Webhooks format, so that an ERP's existing library verifies
//! what Qudao sends: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//! keyed by the bytes of a `whsec_<base64>` secret. While a secret is rotated, both the old and the
//! new one sign (signatures separated by spaces), so a receiver can switch at its own pace.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// How far a signed timestamp may be from the receiver's clock before the message is refused as
/// replayed or stale.
pub const TOLERANCE_S: i64 = 5 * 60;

/// Why a signature could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_` followed by base64.
    #[error("the webhook secret is not whsec_ followed by base64")]
    BadSecret,
    /// The timestamp is too far from now.
    #[error("the webhook timestamp is too old or too new")]
    StaleTimestamp,
    /// No signature matched.
    #[error("no webhook signature matched")]
    Mismatch,
}

/// A fresh secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

fn key_of(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).map_err(|_| SignatureError::BadSecret)?;
    if key.is_empty() {
        return Err(SignatureError::BadSecret);
    }
    Ok(key)
}

fn mac(key: &[u8], id: &str, timestamp_s: i64, body: &[u8]) -> Result<Hmac<Sha256>, SignatureError> {
    // HMAC takes a key of any length, so this refusal is only a type's formality.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| SignatureError::BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` header for a message: one `v1,` signature per secret (two while a
/// secret is being rotated), separated by spaces.
pub fn signature_header(secrets: &[&str], id: &str, timestamp_s: i64, body: &[u8]) -> Result<String, SignatureError> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let digest = mac(&key_of(secret)?, id, timestamp_s, body)?.finalize().into_bytes();
        signatures.push(format!("v1,{}", STANDARD.encode(digest)));
    }
    Ok(signatures.join(" "))
}

/// Checks a received message against any of `secrets`: the timestamp within [`TOLERANCE_S`] of
/// `now_s`, and one of the header's `v1` signatures matching (compared in constant time).
pub fn verify(
    secrets: &[&str],
    id: &str,
    timestamp_s: i64,
    body: &[u8],
    header: &str,
    now_s: i64,
) -> Result<(), SignatureError> {
    if (now_s - timestamp_s).abs() > TOLERANCE_S {
        return Err(SignatureError::StaleTimestamp);
    }
    let offered: Vec<Vec<u8>> = header
        .split_whitespace()
        .filter_map(|part| part.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .collect();
    for secret in secrets {
        let key = key_of(secret)?;
        for signature in &offered {
            if mac(&key, id, timestamp_s, body)?.verify_slice(signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published Standard Webhooks test vector: a receiver's library accepts what matches it.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signatures_match_the_published_test_vector() {
        assert_eq!(signature_header(&[SECRET], ID, TIMESTAMP, BODY), Ok(EXPECTED.to_string()));
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, EXPECTED, TIMESTAMP + 10), Ok(()));
    }

    #[test]
    fn a_changed_body_id_or_timestamp_is_refused() {
        let now = TIMESTAMP;
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, br#"{"test": 1}"#, EXPECTED, now), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[SECRET], "msg_other", TIMESTAMP, BODY, EXPECTED, now), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP + 1, BODY, EXPECTED, now), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, "v1,bm9wZQ==", now), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, "", now), Err(SignatureError::Mismatch));
    }

    #[test]
    fn stale_or_future_timestamps_are_refused() {
        let late = TIMESTAMP + TOLERANCE_S + 1;
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, EXPECTED, late), Err(SignatureError::StaleTimestamp));
        let early = TIMESTAMP - TOLERANCE_S - 1;
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, EXPECTED, early), Err(SignatureError::StaleTimestamp));
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_either_verifies() {
        let new = new_secret().expect("randomness");
        assert!(new.starts_with("whsec_") && new != SECRET);
        let header = signature_header(&[SECRET, &new], ID, TIMESTAMP, BODY).expect("sign");
        assert!(header.starts_with(&format!("{EXPECTED} v1,")), "{header}");
        assert_eq!(verify(&[SECRET], ID, TIMESTAMP, BODY, &header, TIMESTAMP), Ok(()));
        assert_eq!(verify(&[&new], ID, TIMESTAMP, BODY, &header, TIMESTAMP), Ok(()));
        let other = new_secret().expect("randomness");
        assert_eq!(verify(&[&other], ID, TIMESTAMP, BODY, &header, TIMESTAMP), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_malformed_secret_is_refused() {
        assert_eq!(signature_header(&["whsec_!!!"], ID, TIMESTAMP, BODY), Err(SignatureError::BadSecret));
        assert_eq!(signature_header(&["whsec_"], ID, TIMESTAMP, BODY), Err(SignatureError::BadSecret));
    }
}
