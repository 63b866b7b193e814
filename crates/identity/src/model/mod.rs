//! The rules of identity, with time and randomness passed in or drawn from the OS here.

pub mod api_token;
pub mod email;
pub mod enrolment_qr;
pub mod hashing;
pub mod password;
pub mod recovery;
pub mod role;
pub mod scope;
mod secret_text;
pub mod session;
pub mod throttle;
pub mod totp;

pub use secret_text::SecretText;
