//! Signed checkpoints in the signed-note form of transparency logs (C2SP `signed-note` and
//! `tlog-checkpoint`): the text
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//!
//! — <key name> <base64(key id ‖ Ed25519 signature)>
//! ```
//!
//! where the signature covers the first three lines and the key id is the first four bytes
//! of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// The signature-algorithm byte of Ed25519 in signed notes.
const ALG_ED25519: u8 = 0x01;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the key's 32 bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// What a checkpoint states: the log's name, its size, and its root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The signed body: three lines, each ending in a newline.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            B64.encode(self.root)
        )
    }
}

/// A public key that checks checkpoints, named by the log's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub public_key: [u8; 32],
}

impl VerifierKey {
    /// The four-byte key id of signed notes.
    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, &self.public_key)
    }

    /// The one-line form `<name>+<hex key id>+<base64(0x01 ‖ key)>` used by note verifiers.
    pub fn to_line(&self) -> String {
        let mut typed = vec![ALG_ED25519];
        typed.extend_from_slice(&self.public_key);
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(typed)
        )
    }

    /// Reads the one-line form.
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let mut parts = line.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::MalformedKey);
        };
        let typed = B64.decode(key).map_err(|_| NoteError::MalformedKey)?;
        let (&alg, public_key) = typed.split_first().ok_or(NoteError::MalformedKey)?;
        let public_key: [u8; 32] = public_key.try_into().map_err(|_| NoteError::MalformedKey)?;
        if alg != ALG_ED25519 {
            return Err(NoteError::MalformedKey);
        }
        let verifier = Self {
            name: name.to_owned(),
            public_key,
        };
        if hex::encode(verifier.key_id()) != id {
            return Err(NoteError::MalformedKey);
        }
        Ok(verifier)
    }

    /// The key as a PEM SubjectPublicKeyInfo, for OpenSSL and other tools.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.public_key);
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            B64.encode(der)
        )
    }

    /// Checks a signed checkpoint and returns what it states.
    pub fn open(&self, note: &str) -> Result<Checkpoint, NoteError> {
        let (body, signatures) = note.split_once("\n\n").ok_or(NoteError::Malformed)?;
        let body = format!("{body}\n");
        let checkpoint = parse_body(&body)?;
        let wanted = self.key_id();
        let verifier = UnparsedPublicKey::new(&ED25519, self.public_key);
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err(NoteError::Malformed);
            };
            let Some((name, signature)) = rest.split_once(' ') else {
                return Err(NoteError::Malformed);
            };
            let Ok(raw) = B64.decode(signature) else {
                return Err(NoteError::Malformed);
            };
            if name != self.name || raw.len() != 4 + 64 || raw[..4] != wanted {
                continue;
            }
            return verifier
                .verify(body.as_bytes(), &raw[4..])
                .map(|()| checkpoint)
                .map_err(|_| NoteError::BadSignature);
        }
        Err(NoteError::NoSignatureByKey)
    }
}

/// The log's signing key.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    verifier: VerifierKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("verifier", &self.verifier.to_line())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key from its 32-byte seed, signing for the log named `name`.
    pub fn from_seed(seed: &[u8; 32], name: &str) -> Result<Self, NoteError> {
        let pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| NoteError::MalformedKey)?;
        let public_key: [u8; 32] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| NoteError::MalformedKey)?;
        Ok(Self {
            pair,
            verifier: VerifierKey {
                name: name.to_owned(),
                public_key,
            },
        })
    }

    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The signed note of `checkpoint`.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let body = checkpoint.body();
        let signature = self.pair.sign(body.as_bytes());
        let mut raw = self.verifier.key_id().to_vec();
        raw.extend_from_slice(signature.as_ref());
        format!(
            "{body}\n\u{2014} {} {}\n",
            self.verifier.name,
            B64.encode(raw)
        )
    }
}

fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update([ALG_ED25519])
        .chain_update(public_key)
        .finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
    let mut lines = body.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(NoteError::Malformed);
    };
    let tree_size = size.parse().map_err(|_| NoteError::Malformed)?;
    let root: Hash = B64
        .decode(root)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(NoteError::Malformed)?;
    Ok(Checkpoint {
        origin: origin.to_owned(),
        tree_size,
        root,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the checkpoint is not a signed note (origin, size, root, a blank line, signatures)")]
    Malformed,
    #[error("the key is not an Ed25519 verifier key of the form name+keyid+base64")]
    MalformedKey,
    #[error("the checkpoint carries no signature by this key")]
    NoSignatureByKey,
    #[error("the checkpoint's signature does not verify: it was altered or signed by another key")]
    BadSignature,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[7; 32], "rampart.test/audit").unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "rampart.test/audit".into(),
            tree_size: 42,
            root: [9; 32],
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_verifier_key() {
        let note = key().sign(&checkpoint());
        assert!(note.starts_with("rampart.test/audit\n42\nCQkJ"));
        assert_eq!(key().verifier().open(&note), Ok(checkpoint()));
        let line = key().verifier().to_line();
        assert_eq!(
            VerifierKey::parse_line(&line).as_ref(),
            Ok(key().verifier())
        );
    }

    #[test]
    fn verifier_keys_round_trip_whatever_characters_their_base64_holds() {
        for seed in 0..64u8 {
            let key = SigningKey::from_seed(&[seed; 32], "rampart.test/audit").unwrap();
            let line = key.verifier().to_line();
            assert_eq!(
                VerifierKey::parse_line(&line).as_ref(),
                Ok(key.verifier()),
                "{line}"
            );
        }
        assert_eq!(
            VerifierKey::parse_line("no-plus-signs"),
            Err(NoteError::MalformedKey)
        );
    }

    #[test]
    fn an_altered_checkpoint_or_another_key_is_refused() {
        let note = key().sign(&checkpoint());
        let altered = note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(
            key().verifier().open(&altered),
            Err(NoteError::BadSignature)
        );
        let other = SigningKey::from_seed(&[8; 32], "rampart.test/audit").unwrap();
        assert_eq!(
            other.verifier().open(&note),
            Err(NoteError::NoSignatureByKey)
        );
        assert_eq!(key().verifier().open("junk"), Err(NoteError::Malformed));
    }
}
