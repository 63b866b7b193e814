//! API access tokens: `rmp_` + 32 base62 characters of randomness (190 bits) + a 6-character
//! checksum, so secret scanners can recognise leaked tokens and a mistyped token is refused
//! before any database look-up. Only a SHA-256 of the token is stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::SecretText;

pub const PREFIX: &str = "rmp_";
const BODY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("an API token starts with `rmp_`")]
    WrongPrefix,
    #[error("an API token is {} characters long", PREFIX.len() + BODY_LEN + CHECKSUM_LEN)]
    WrongLength,
    #[error("an API token holds only letters and digits after `rmp_`")]
    NotBase62,
    #[error("the token's checksum does not match: it was mistyped or altered")]
    BadChecksum,
}

/// A token that passed the format check, and the hash to look it up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedToken {
    pub lookup_hash: String,
}

/// A new token to show once; store only [`lookup_hash`] of it.
pub fn generate() -> SecretText {
    let mut body = String::with_capacity(BODY_LEN);
    while body.len() < BODY_LEN {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        // Rejection sampling keeps every character equally likely.
        if let Some(&c) = BASE62.get(usize::from(byte[0] & 0x3f)) {
            body.push(char::from(c));
        }
    }
    let checksum = checksum(&body);
    SecretText::new(format!("{PREFIX}{body}{checksum}"))
}

/// Checks the format and checksum of a presented token.
pub fn check(token: &str) -> Result<CheckedToken, TokenFormatError> {
    let rest = token
        .strip_prefix(PREFIX)
        .ok_or(TokenFormatError::WrongPrefix)?;
    if rest.len() != BODY_LEN + CHECKSUM_LEN {
        return Err(TokenFormatError::WrongLength);
    }
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(TokenFormatError::NotBase62);
    }
    let (body, sum) = rest.split_at(BODY_LEN);
    if checksum(body) != sum {
        return Err(TokenFormatError::BadChecksum);
    }
    Ok(CheckedToken {
        lookup_hash: lookup_hash(token),
    })
}

/// What the database stores for a token: its SHA-256, hex. The token has enough entropy
/// that a slow hash adds nothing.
pub fn lookup_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Six base62 characters of the first 32 bits of SHA-256(prefix ‖ body).
fn checksum(body: &str) -> String {
    let digest = Sha256::digest(format!("{PREFIX}{body}").as_bytes());
    let mut value = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_passes_its_own_check() {
        let token = generate();
        let text = token.expose();
        assert!(text.starts_with("rmp_"));
        assert_eq!(text.len(), 42);
        assert_eq!(check(text).unwrap().lookup_hash, lookup_hash(text));
        assert_ne!(generate().expose(), text);
    }

    #[test]
    fn malformed_tokens_are_refused_with_their_reason() {
        let token = generate().expose().to_owned();
        let mut typo = token.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        let check_one = |t: &str, expected| assert_eq!(check(t), Err(expected), "{t}");
        check_one(
            &token.replacen("rmp_", "xyz_", 1),
            TokenFormatError::WrongPrefix,
        );
        check_one(&token[..41], TokenFormatError::WrongLength);
        check_one(&format!("{}!", &token[..41]), TokenFormatError::NotBase62);
        check_one(&typo, TokenFormatError::BadChecksum);
        check_one("", TokenFormatError::WrongPrefix);
    }
}
