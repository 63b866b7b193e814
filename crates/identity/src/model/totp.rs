//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of
//! drift either way. A code is never accepted twice: the caller stores the step of the last
//! accepted code and passes it back.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use totp_rs::{Algorithm, Secret, TOTP};

use super::SecretText;

const DIGITS: usize = 6;
const STEP_SECS: u64 = 30;
/// Steps of clock drift tolerated either way.
const DRIFT_STEPS: u64 = 1;

/// A TOTP shared secret (160 bits, as RFC 4226 recommends). Encrypt it before storing it.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a TOTP secret must be at least 128 bits")]
pub struct SecretTooShort;

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, SecretTooShort> {
        if bytes.len() < 16 {
            Err(SecretTooShort)
        } else {
            Ok(Self(bytes))
        }
    }

    /// A secret as shown for manual entry (base32, spaces and case ignored), as an
    /// authenticator app reads it.
    pub fn from_base32(text: &str) -> Result<Self, SecretTooShort> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = Secret::Encoded(cleaned)
            .to_bytes()
            .map_err(|_| SecretTooShort)?;
        Self::from_bytes(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in base32, as authenticator apps show it for manual entry.
    pub fn base32(&self) -> SecretText {
        SecretText::new(Secret::Raw(self.0.clone()).to_encoded().to_string())
    }

    fn totp(&self, digits: usize) -> Option<TOTP> {
        TOTP::new(Algorithm::SHA1, digits, 0, STEP_SECS, self.0.clone()).ok()
    }

    /// The code for the step that contains `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.totp(DIGITS)
            .map(|t| t.generate(unix_secs))
            .unwrap_or_default()
    }

    /// The `otpauth://` URI an authenticator app reads from the enrolment QR code.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> SecretText {
        let label = format!("{}:{}", encode(issuer), encode(account));
        SecretText::new(format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            self.base32().expose(),
            encode(issuer)
        ))
    }

    /// The step of the accepted code, or None. Codes of steps at or before `last_used_step`
    /// are refused, so a code cannot be replayed even within its validity window.
    pub fn verify(&self, code: &str, unix_secs: u64, last_used_step: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = unix_secs / STEP_SECS;
        let mut accepted = None;
        // Every candidate is computed and compared, so timing does not reveal which matched.
        for step in current.saturating_sub(DRIFT_STEPS)..=current + DRIFT_STEPS {
            let expected = self.code_at(step * STEP_SECS);
            if constant_time_eq(expected.as_bytes(), code.as_bytes())
                && last_used_step.is_none_or(|last| step > last)
            {
                accepted = Some(step);
            }
        }
        accepted
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encodes what is not unreserved in a URI.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 test vectors (8 digits, seed "12345678901234567890").
    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let totp = secret.totp(8).unwrap();
        let check =
            |time: u64, expected: &str| assert_eq!(totp.generate(time), expected, "T = {time}");
        check(59, "94287082");
        check(1_111_111_109, "07081804");
        check(1_111_111_111, "14050471");
        check(1_234_567_890, "89005924");
        check(2_000_000_000, "69279037");
        check(20_000_000_000, "65353130");
    }

    #[test]
    fn a_code_is_accepted_within_one_step_of_drift_and_never_twice() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_015;
        let code = secret.code_at(now);
        let step = secret.verify(&code, now, None).unwrap();
        assert_eq!(step, now / 30);
        assert_eq!(secret.verify(&code, now, Some(step)), None, "replayed");
        assert_eq!(
            secret.verify(&secret.code_at(now - 30), now, None),
            Some(step - 1)
        );
        assert_eq!(
            secret.verify(&secret.code_at(now + 30), now, None),
            Some(step + 1)
        );
        assert_eq!(
            secret.verify(&secret.code_at(now - 60), now, None),
            None,
            "two steps old"
        );
        // A later code is still accepted after an earlier one.
        assert_eq!(
            secret.verify(&secret.code_at(now + 30), now, Some(step)),
            Some(step + 1)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = TotpSecret::generate();
        for code in ["", "12345", "1234567", "abcdef", "12 345"] {
            assert_eq!(secret.verify(code, 1_700_000_000, None), None, "{code:?}");
        }
    }

    #[test]
    fn the_provisioning_uri_names_the_issuer_and_account() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let uri = secret.provisioning_uri("Rampart", "alice@example.com");
        assert_eq!(
            uri.expose(),
            "otpauth://totp/Rampart:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Rampart&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
    }
}
