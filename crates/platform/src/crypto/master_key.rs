//! The master key: loading, generating, and sealing small secrets with it.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

/// The first byte of every sealed value: the format, so it can change without ambiguity.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the master key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the master key file {path} must hold 64 hexadecimal characters (32 bytes)")]
    Malformed { path: PathBuf },
    #[error("cannot write the master key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value does not decrypt: wrong key or wrong context, or it was altered")]
    Undecryptable,
}

/// The key that wraps every other key and reversible secret.
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    /// The root of keys derived for other purposes (CSRF tokens), never used to encrypt.
    derivation: [u8; 32],
    id: String,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::new_with_prefix(b"rampart master key id\0")
            .chain_update(bytes)
            .finalize();
        let derivation = Sha256::new_with_prefix(b"rampart key derivation\0")
            .chain_update(bytes)
            .finalize();
        Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(bytes)),
            derivation: derivation.into(),
            id: format!("mk_{}", hex::encode(&digest[..8])),
        }
    }

    /// A 256-bit key for one `purpose`, the same on every node sharing this master key.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        super::mac::hmac_sha256(&self.derivation, purpose.as_bytes())
    }

    /// 32 random bytes for a new master key (the contents of a key file, before hex).
    pub fn generate_bytes() -> [u8; 32] {
        XChaCha20Poly1305::generate_key(&mut OsRng).into()
    }

    /// A public fingerprint of the key, safe to log and store, to tell keys apart.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reads a key file: 64 hex characters, surrounding whitespace ignored.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| KeyError::Malformed {
                path: path.to_owned(),
            })?;
        Ok(Self::from_bytes(&bytes))
    }

    /// The configured key file, or `<data_dir>/master.key`, created on first use. Returns
    /// whether this call generated the key.
    pub fn load_or_create(
        data_dir: &Path,
        configured: Option<&Path>,
    ) -> Result<(Self, bool), KeyError> {
        if let Some(path) = configured {
            return Ok((Self::from_file(path)?, false));
        }
        let path = data_dir.join("master.key");
        if path.exists() {
            return Ok((Self::from_file(&path)?, false));
        }
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        write_private(&path, format!("{}\n", hex::encode(key)).as_bytes())?;
        Ok((Self::from_file(&path)?, true))
    }

    /// Encrypts `plaintext`, bound to `context` (say, `b"totp:usr_…"`).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        // Encryption fails only for inputs beyond 256 GiB; an empty result then fails to open.
        let ciphertext = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`MasterKey::seal`] produced with the same context.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        let (&format, rest) = sealed.split_first().ok_or(SealError::Malformed)?;
        if format != FORMAT_V1 || rest.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Undecryptable)
    }
}

/// Writes a file only its owner can read (0600 on Unix), refusing to overwrite one.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    write_private_file(path, contents).map_err(|source| KeyError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Creates `path` (and its folder) readable by its owner only, with `contents` synced to disk;
/// fails if it exists, so a key is never overwritten.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents).and_then(|()| file.sync_all())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn a_generated_key_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, generated) = MasterKey::load_or_create(dir.path(), None).unwrap();
        assert!(generated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, generated) = MasterKey::load_or_create(dir.path(), None).unwrap();
        assert!(!generated);
        assert_eq!(first.id(), again.id());
        assert!(
            !format!("{first:?}").contains(
                &std::fs::read_to_string(dir.path().join("master.key"))
                    .unwrap()
                    .trim()
                    .to_owned()
            )
        );
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = MasterKey::load_or_create(&dir.path().join("a"), None).unwrap();
        let (other, _) = MasterKey::load_or_create(&dir.path().join("b"), None).unwrap();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", b"totp:usr_1");
        assert_eq!(
            key.open(&sealed, b"totp:usr_1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_ne!(
            key.seal(b"JBSWY3DPEHPK3PXP", b"totp:usr_1"),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(
            key.open(&sealed, b"totp:usr_2"),
            Err(SealError::Undecryptable)
        );
        assert_eq!(
            other.open(&sealed, b"totp:usr_1"),
            Err(SealError::Undecryptable)
        );
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(
            key.open(&altered, b"totp:usr_1"),
            Err(SealError::Undecryptable)
        );
        assert_eq!(
            key.open(&sealed[..10], b"totp:usr_1"),
            Err(SealError::Malformed)
        );
        assert_eq!(key.open(&[], b""), Err(SealError::Malformed));
    }

    #[test]
    fn a_malformed_key_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        for content in ["", "abc", &"zz".repeat(32), &"ab".repeat(31)] {
            std::fs::write(&path, content).unwrap();
            let message = MasterKey::from_file(&path).unwrap_err().to_string();
            assert!(
                message.contains("64 hexadecimal characters") && message.contains("key"),
                "{message}"
            );
        }
        std::fs::write(&path, format!("  {}\n", "ab".repeat(32))).unwrap();
        assert!(MasterKey::from_file(&path).is_ok());
    }
}
