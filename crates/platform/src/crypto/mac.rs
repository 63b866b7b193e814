//! HMAC-SHA256 with 256-bit keys, infallible by construction.

use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// True when `tag` is the HMAC-SHA256 of `data` under `key`, compared in constant time.
pub fn verify_hmac_sha256(key: &[u8; 32], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = keyed(key);
    mac.update(data);
    mac.verify_slice(tag).is_ok()
}

/// HMAC pads a key shorter than SHA-256's 64-byte block with zeros; doing it here gives the
/// same MAC as `new_from_slice` without a `Result` that can never be an error.
fn keyed(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as Mac>::new(GenericArray::from_slice(&block))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_4231_test_case_2_shape_and_verifies() {
        // RFC 4231 keys are not 32 bytes; check against the slice-keyed construction instead.
        let key = [7u8; 32];
        let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
        reference.update(b"what do ya want for nothing?");
        let expected: [u8; 32] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, b"what do ya want for nothing?"), expected);
        assert!(verify_hmac_sha256(
            &key,
            b"data",
            &hmac_sha256(&key, b"data")
        ));
        assert!(!verify_hmac_sha256(
            &key,
            b"data",
            &hmac_sha256(&key, b"other")
        ));
    }
}
