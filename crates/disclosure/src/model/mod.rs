//! The disclosure program's rules, free of HTTP and SQL.

pub mod clock;
pub mod cvss;
pub mod lifecycle;
pub mod policy;
pub mod report;
pub mod security_txt;
