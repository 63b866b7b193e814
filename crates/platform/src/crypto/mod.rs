//! Encryption at rest under the master key: XChaCha20-Poly1305 with a random 192-bit nonce
//! and a context (associated data) that binds each ciphertext to where it belongs, so a
//! value copied to another row or tenant does not decrypt.
//!
//! The master key is generated at first start into `<data_dir>/master.key` (mode 0600) or
//! read from the file named by `keys.master_key_file` (`RAMPART_MASTER_KEY_FILE`).

pub mod mac;
mod master_key;

pub use master_key::{KeyError, MasterKey, SealError, write_private_file};
