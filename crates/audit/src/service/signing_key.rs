//! The Ed25519 key that signs checkpoints: generated into the data directory at first start,
//! or read from a configured file. Every node that may hold the jobs lease needs the same one.

use std::path::{Path, PathBuf};

use platform::crypto::write_private_file;
use ring::rand::{SecureRandom, SystemRandom};

use crate::model::note::SigningKey;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "audit-signing.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the audit signing key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the audit signing key {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the audit signing key {path} must hold 64 hex characters (an Ed25519 seed)")]
    Malformed { path: PathBuf },
    #[error("the system's random number generator failed")]
    Random,
}

/// The configured key file, or `<data_dir>/audit-signing.key`, created on first use; the
/// key signs for the log named `origin`. Returns whether this call generated the key.
pub fn load_or_create_signing_key(
    data_dir: &Path,
    configured: Option<&Path>,
    origin: &str,
) -> Result<(SigningKey, bool), KeyError> {
    if let Some(path) = configured {
        return Ok((read(path, origin)?, false));
    }
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return Ok((read(&path, origin)?, false));
    }
    let mut seed = [0u8; 32];
    SystemRandom::new()
        .fill(&mut seed)
        .map_err(|_| KeyError::Random)?;
    write_private_file(&path, format!("{}\n", hex::encode(seed)).as_bytes()).map_err(|source| {
        KeyError::Write {
            path: path.clone(),
            source,
        }
    })?;
    Ok((read(&path, origin)?, true))
}

fn read(path: &Path, origin: &str) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let malformed = || KeyError::Malformed {
        path: path.to_owned(),
    };
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(malformed)?;
    SigningKey::from_seed(&seed, origin).map_err(|_| malformed())
}
