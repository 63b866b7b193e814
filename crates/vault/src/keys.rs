//! The vault's cryptography: each tenant's data key, the sealing of a contact's personal
//! fields with it, and the keyed blind-index terms that let exact searches work without
//! plaintext in the database.
//!
//! A tenant's 256-bit data key is stored only wrapped by the master key (so rotating the
//! master key re-wraps keys, never re-encrypts contacts). Its blind-index key is derived
//! from it, so both travel together. A contact's personal fields are one
//! XChaCha20-Poly1305 record whose associated data is the tenant and contact ids: a record
//! moved to another row or tenant no longer opens.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use platform::crypto::MasterKey;
use sha2::Sha256;

use crate::model::Personal;
use crate::model::terms::TermKind;

/// The first byte of a sealed contact: the format, so it can change without ambiguity.
const RECORD_V1: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "a tenant's data key does not open with this master key: the database and the \
         master key do not belong together"
    )]
    WrongMasterKey,
    #[error("a stored contact does not decrypt: it was altered or moved")]
    Undecryptable,
}

/// A tenant's data key, unwrapped: seals contacts and computes blind-index terms.
#[derive(Clone)]
pub struct DataKey {
    cipher: XChaCha20Poly1305,
    index: Hmac<Sha256>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    /// A new random key, and its bytes to wrap.
    pub fn generate() -> (Self, [u8; 32]) {
        let bytes: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
        (Self::from_bytes(&bytes), bytes)
    }

    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let index_key = platform::crypto::mac::hmac_sha256(bytes, b"rampart vault blind index v1");
        // HMAC pads a short key with zeros to the hash's block: this is the same key, given
        // as a block so construction cannot fail. Keyed once here and cloned per term, which
        // saves hashing the key for each of an import's millions of terms.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&index_key);
        Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(bytes)),
            index: <Hmac<Sha256> as hmac::digest::KeyInit>::new(&block.into()),
        }
    }

    /// Seals `personal` for the contact `contact_id` of `tenant_id`.
    pub fn seal(&self, tenant_id: &str, contact_id: &str, personal: &Personal) -> Vec<u8> {
        // Serialising plain strings, numbers and maps cannot fail.
        let plaintext = serde_json::to_vec(personal).unwrap_or_default();
        // A random 192-bit nonce from the thread's CSPRNG (ChaCha, seeded and reseeded from
        // the operating system): as unpredictable as asking the kernel, without a system
        // call for each of a million imported contacts.
        let nonce = XChaCha20Poly1305::generate_nonce(&mut rand::thread_rng());
        let aad = associated_data(tenant_id, contact_id);
        let payload = Payload {
            msg: &plaintext,
            aad: &aad,
        };
        // Encryption fails only beyond 256 GiB; an empty result then fails to open.
        let ciphertext = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(RECORD_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens what [`DataKey::seal`] sealed for the same tenant and contact.
    pub fn open(
        &self,
        tenant_id: &str,
        contact_id: &str,
        sealed: &[u8],
    ) -> Result<Personal, KeyError> {
        let (&format, rest) = sealed.split_first().ok_or(KeyError::Undecryptable)?;
        if format != RECORD_V1 || rest.len() < NONCE_LEN + 16 {
            return Err(KeyError::Undecryptable);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = associated_data(tenant_id, contact_id);
        let plaintext = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| KeyError::Undecryptable)?;
        serde_json::from_slice(&plaintext).map_err(|_| KeyError::Undecryptable)
    }

    /// The blind-index term of a value: 64 bits of HMAC-SHA256 under the tenant's index
    /// key. Collisions are harmless: every match is checked against the opened contact.
    pub fn term(&self, kind: TermKind, value: &str) -> i64 {
        let mut mac = self.index.clone();
        mac.update(kind.label());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

fn associated_data(tenant_id: &str, contact_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(24 + tenant_id.len() + contact_id.len());
    aad.extend_from_slice(b"rampart contact v1\0");
    aad.extend_from_slice(tenant_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(contact_id.as_bytes());
    aad
}

fn wrap_context(tenant_id: &str) -> Vec<u8> {
    format!("vault data key:{tenant_id}").into_bytes()
}

/// The data key's bytes sealed by the master key, bound to its tenant.
pub fn wrap(master: &MasterKey, tenant_id: &str, bytes: &[u8; 32]) -> Vec<u8> {
    master.seal(bytes, &wrap_context(tenant_id))
}

/// The raw bytes of a wrapped data key, for re-wrapping under a new master key.
pub fn unwrap_bytes(
    master: &MasterKey,
    tenant_id: &str,
    wrapped: &[u8],
) -> Result<[u8; 32], KeyError> {
    master
        .open(wrapped, &wrap_context(tenant_id))
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .ok_or(KeyError::WrongMasterKey)
}

/// A tenant's data key, unwrapped.
pub fn unwrap(master: &MasterKey, tenant_id: &str, wrapped: &[u8]) -> Result<DataKey, KeyError> {
    unwrap_bytes(master, tenant_id, wrapped).map(|bytes| DataKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use platform::crypto::MasterKey;

    use super::{DataKey, KeyError, unwrap, wrap};
    use crate::model::Personal;
    use crate::model::terms::TermKind;

    fn personal() -> Personal {
        Personal {
            name: "Ada Lovelace".into(),
            notes: "prefers mornings".into(),
            ..Personal::default()
        }
    }

    #[test]
    fn a_sealed_contact_opens_only_for_its_own_tenant_and_id() {
        let (key, _) = DataKey::generate();
        let sealed = key.seal("ten_a", "ctc_1", &personal());
        assert!(!String::from_utf8_lossy(&sealed).contains("Lovelace"));
        assert_eq!(key.open("ten_a", "ctc_1", &sealed), Ok(personal()));
        assert_eq!(
            key.open("ten_b", "ctc_1", &sealed),
            Err(KeyError::Undecryptable)
        );
        assert_eq!(
            key.open("ten_a", "ctc_2", &sealed),
            Err(KeyError::Undecryptable)
        );
        let (other, _) = DataKey::generate();
        assert!(other.open("ten_a", "ctc_1", &sealed).is_err());
    }

    #[test]
    fn terms_depend_on_the_key_the_kind_and_the_value() {
        let (key, bytes) = DataKey::generate();
        let master = MasterKey::from_bytes(&[7; 32]);
        let again = unwrap(&master, "ten_a", &wrap(&master, "ten_a", &bytes)).unwrap();
        let term = key.term(TermKind::Phone, "+442079460958");
        assert_eq!(again.term(TermKind::Phone, "+442079460958"), term);
        assert_ne!(key.term(TermKind::Tag, "+442079460958"), term);
        assert_ne!(key.term(TermKind::Phone, "+442079460959"), term);
        let (other, _) = DataKey::generate();
        assert_ne!(other.term(TermKind::Phone, "+442079460958"), term);
    }

    #[test]
    fn a_data_key_unwraps_only_with_its_master_key_and_tenant() {
        let (_, bytes) = DataKey::generate();
        let master = MasterKey::from_bytes(&[7; 32]);
        let wrapped = wrap(&master, "ten_a", &bytes);
        assert!(unwrap(&master, "ten_a", &wrapped).is_ok());
        assert!(unwrap(&master, "ten_b", &wrapped).is_err());
        let wrong = MasterKey::from_bytes(&[8; 32]);
        assert_eq!(
            unwrap(&wrong, "ten_a", &wrapped).map(|_| ()),
            Err(KeyError::WrongMasterKey)
        );
    }
}
