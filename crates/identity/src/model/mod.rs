//! The rules of identity, with time and randomness passed in or drawn from the OS here.

pub mod api_token;
pub mod enrolment_qr;
pub mod hashing;
pub mod password;
pub mod recovery;
mod secret_text;
pub mod throttle;
pub mod totp;

pub use secret_text::SecretText;
