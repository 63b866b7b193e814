//! Identity through its real interfaces: pages, the API, mail over SMTP, the CLI.

mod accounts;
mod audit_events;
mod browser;
mod csrf;
mod fuzz;
mod members;
mod sessions;
mod staff;
pub(crate) mod support;
mod throttle;
mod tokens;
mod two_factor;
