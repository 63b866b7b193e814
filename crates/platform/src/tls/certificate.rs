//! The certificate being served, swapped in place when its files change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no usable PEM private key")]
    BadKey { path: PathBuf },
    #[error("the private key in {key} does not match the certificate in {cert}")]
    Mismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate a certificate: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Rustls(rustls::Error),
}

/// The certificate and key served by every HTTPS listener.
#[derive(Debug)]
pub struct CertificateStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Loaded>,
}

#[derive(Debug, Clone)]
struct Loaded {
    key: Arc<CertifiedKey>,
    /// Digest of both files as last loaded, to notice replacements.
    files_digest: [u8; 32],
}

impl CertificateStore {
    /// Loads the certificate chain and private key from PEM files.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Arc<Self>, TlsError> {
        let loaded = load_pair(cert_path, key_path)?;
        Ok(Arc::new(Self {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            current: RwLock::new(loaded),
        }))
    }

    /// SHA-256 of the leaf certificate, as colon-separated hex (what browsers show).
    pub fn fingerprint(&self) -> String {
        let key = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .key
            .clone();
        key.cert
            .first()
            .map(|leaf| fingerprint(leaf))
            .unwrap_or_default()
    }

    /// Reloads when either file changed; true when a new certificate is now served. A pair
    /// that does not load (say, the key written but not yet the certificate) keeps the old one.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let digest = files_digest(&self.cert_path, &self.key_path)?;
        if digest
            == self
                .current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .files_digest
        {
            return Ok(false);
        }
        let loaded = load_pair(&self.cert_path, &self.key_path)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(true)
    }

    /// Checks the files every `interval` until `shutdown` resolves.
    pub async fn watch(
        self: Arc<Self>,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
            match self.reload_if_changed() {
                Ok(true) => {
                    tracing::info!(fingerprint = %self.fingerprint(), "TLS certificate reloaded")
                }
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "TLS certificate files changed but cannot be loaded; serving the previous one")
                }
            }
        }
    }
}

impl ResolvesServerCert for CertificateStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .key
                .clone(),
        )
    }
}

pub(crate) fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn files_digest(cert_path: &Path, key_path: &Path) -> Result<[u8; 32], TlsError> {
    let mut hasher = Sha256::new();
    hasher.update(read(cert_path)?);
    hasher.update(read(key_path)?);
    Ok(hasher.finalize().into())
}

fn load_pair(cert_path: &Path, key_path: &Path) -> Result<Loaded, TlsError> {
    let cert_pem = read(cert_path)?;
    let key_pem = read(key_path)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::NoCertificate {
            path: cert_path.to_owned(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_path.to_owned(),
        });
    }
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::BadKey {
        path: key_path.to_owned(),
    })?;
    let provider = super::provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|_| TlsError::BadKey {
            path: key_path.to_owned(),
        })?;
    let key = CertifiedKey::new(chain, signing_key);
    if key.keys_match().is_err() {
        return Err(TlsError::Mismatch {
            cert: cert_path.to_owned(),
            key: key_path.to_owned(),
        });
    }
    let mut hasher = Sha256::new();
    hasher.update(&cert_pem);
    hasher.update(&key_pem);
    Ok(Loaded {
        key: Arc::new(key),
        files_digest: hasher.finalize().into(),
    })
}
