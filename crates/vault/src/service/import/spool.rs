//! Where an uploaded file waits for its import: a file under the data directory, encrypted
//! with a key that only this process holds, deleted when the import is done. A crash leaves
//! ciphertext whose key is gone; the folder is emptied at the next start.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// Plaintext bytes per sealed frame.
const FRAME: usize = 64 * 1024;
const NONCE_LEN: usize = 24;

/// Why an upload could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the upload is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the upload was interrupted")]
    Interrupted,
    #[error("cannot write the upload to {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Removes every file a previous process left behind.
pub fn clear(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `body` to a new spool file in `dir`, at most `limit` bytes.
pub async fn write<S, E>(dir: &Path, body: S, limit: u64) -> Result<Spooled, SpoolError>
where
    S: Stream<Item = Result<bytes::Bytes, E>>,
{
    let path = dir.join(platform::ids::new_id("spool"));
    let io_error = |source| SpoolError::Io {
        path: path.clone(),
        source,
    };
    tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
    let cipher = XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng));
    let mut file = tokio::fs::File::create(&path).await.map_err(io_error)?;
    let mut spooled = Spooled {
        file: Arc::new(SpoolFile {
            path: path.clone(),
            cipher: cipher.clone(),
        }),
        digest: [0; 32],
    };
    let mut hasher = Sha256::new();
    let mut buffer = Vec::with_capacity(FRAME);
    let mut total = 0u64;
    futures_util::pin_mut!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| SpoolError::Interrupted)?;
        hasher.update(&chunk);
        total += chunk.len() as u64;
        if total > limit {
            return Err(SpoolError::TooLarge(limit));
        }
        let mut rest: &[u8] = &chunk;
        while !rest.is_empty() {
            let take = rest.len().min(FRAME - buffer.len());
            buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if buffer.len() == FRAME {
                file.write_all(&seal(&cipher, &buffer))
                    .await
                    .map_err(io_error)?;
                buffer.clear();
            }
        }
    }
    if !buffer.is_empty() {
        file.write_all(&seal(&cipher, &buffer))
            .await
            .map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    spooled.digest = hasher.finalize().into();
    Ok(spooled)
}

fn seal(cipher: &XChaCha20Poly1305, plaintext: &[u8]) -> Vec<u8> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    // Frames are 64 KiB, far below the cipher's limit: encryption cannot fail.
    let ciphertext = cipher.encrypt(&nonce, plaintext).unwrap_or_default();
    let mut frame = Vec::with_capacity(4 + NONCE_LEN + ciphertext.len());
    frame.extend_from_slice(&u32::try_from(ciphertext.len()).unwrap_or(0).to_be_bytes());
    frame.extend_from_slice(&nonce);
    frame.extend_from_slice(&ciphertext);
    frame
}

/// A spooled upload. The file goes when the upload and every reader of it are dropped.
pub struct Spooled {
    file: Arc<SpoolFile>,
    /// SHA-256 of the upload: what tells a retried upload from another.
    digest: [u8; 32],
}

struct SpoolFile {
    path: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl Spooled {
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// Reads the upload back, decrypting frame by frame.
    pub fn reader(self) -> io::Result<SpoolReader> {
        self.open()
    }

    /// A reader of its own from the start of the upload, which keeps the file while it
    /// lives: the header can be read for a preview, and the whole file later for the import.
    pub fn open(&self) -> io::Result<SpoolReader> {
        Ok(SpoolReader {
            reader: BufReader::new(File::open(&self.file.path)?),
            plain: Vec::new(),
            offset: 0,
            file: Arc::clone(&self.file),
        })
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub struct SpoolReader {
    reader: BufReader<File>,
    plain: Vec<u8>,
    offset: usize,
    file: Arc<SpoolFile>,
}

impl SpoolReader {
    /// The next frame's plaintext, or `false` at the end.
    fn next_frame(&mut self) -> io::Result<bool> {
        let mut length = [0u8; 4];
        match self.reader.read_exact(&mut length) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(err) => return Err(err),
        }
        let mut nonce = [0u8; NONCE_LEN];
        self.reader.read_exact(&mut nonce)?;
        let mut ciphertext = vec![0u8; u32::from_be_bytes(length) as usize];
        self.reader.read_exact(&mut ciphertext)?;
        self.plain = self
            .file
            .cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_slice())
            .map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "the spool file was altered")
            })?;
        self.offset = 0;
        Ok(true)
    }
}

impl Read for SpoolReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.offset == self.plain.len() && !self.next_frame()? {
            return Ok(0);
        }
        let take = out.len().min(self.plain.len() - self.offset);
        out[..take].copy_from_slice(&self.plain[self.offset..self.offset + take]);
        self.offset += take;
        Ok(take)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::{SpoolError, write};

    #[tokio::test]
    async fn an_upload_reads_back_whole_and_is_not_stored_in_plaintext() {
        let dir = std::env::temp_dir().join(platform::ids::new_id("spooltest"));
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("row {i}\n").into_bytes())
            .collect();
        let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = text
            .chunks(7_000)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        let spooled = write(&dir, futures_util::stream::iter(chunks), u64::MAX)
            .await
            .unwrap();
        let stored = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let raw = std::fs::read(&stored).unwrap();
        assert!(!raw.windows(7).any(|w| w == b"row 123"));
        let mut back = Vec::new();
        spooled.reader().unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, text);
        assert!(!stored.exists(), "the file goes when the reader does");
        let too_big = futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(b"0123456789"),
        )]);
        assert!(matches!(
            write(&dir, too_big, 5).await,
            Err(SpoolError::TooLarge(5))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn readers_opened_from_an_upload_are_independent_and_keep_its_file() {
        let dir = std::env::temp_dir().join(platform::ids::new_id("spooltest"));
        let text = b"name,phone\nAda,+442079460958\n".to_vec();
        let body =
            futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(text.clone()))]);
        let spooled = write(&dir, body, u64::MAX).await.unwrap();
        let mut first = [0u8; 4];
        spooled.open().unwrap().read_exact(&mut first).unwrap();
        assert_eq!(&first, b"name");
        let mut reader = spooled.open().unwrap();
        drop(spooled);
        let mut back = Vec::new();
        reader.read_to_end(&mut back).unwrap();
        assert_eq!(
            back, text,
            "a reader starts at the beginning and outlives the upload"
        );
        drop(reader);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
