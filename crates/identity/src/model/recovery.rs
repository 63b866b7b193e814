//! Recovery codes: ten single-use codes shown once when 2FA is enrolled, stored as hashes.
//! Each is 12 characters of Crockford base32 (60 bits), shown as `xxxx-xxxx-xxxx`.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::SecretText;

pub const COUNT: usize = 10;
/// Crockford's base32: no I, L, O or U, so codes read aloud or copied by hand survive.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new set of codes, as shown to the person.
pub fn generate() -> Vec<SecretText> {
    (0..COUNT).map(|_| generate_one()).collect()
}

fn generate_one() -> SecretText {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 0x1f)]))
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    SecretText::new(groups.join("-"))
}

/// The stored form of a code as typed: case, spaces and hyphens do not matter, and the
/// letters people confuse with digits are read as those digits.
pub fn hash(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect();
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_in_groups_of_four() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        let mut texts: Vec<&str> = codes.iter().map(SecretText::expose).collect();
        for code in &texts {
            assert_eq!(code.len(), 14);
            assert_eq!(code.matches('-').count(), 2);
        }
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), 10);
    }

    #[test]
    fn a_code_typed_loosely_hashes_like_the_code_shown() {
        let shown = "ab1c-0def-ghjk";
        assert_eq!(hash(shown), hash("AB1C 0DEF GHJK"));
        assert_eq!(hash(shown), hash("abIc-Odef-ghjk"));
        assert_ne!(hash(shown), hash("ab1c-0def-ghjm"));
    }
}
