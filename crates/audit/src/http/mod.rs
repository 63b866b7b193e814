//! The audit log on the web (to be filled in).
