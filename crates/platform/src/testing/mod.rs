//! Helpers for tests of Rampart's crates, compiled for this crate's own tests and, with the
//! `test-support` feature, for other crates' tests: never part of a release build.

mod received;
mod smtp_sink;

pub use received::ReceivedMail;
pub use smtp_sink::SmtpSink;
