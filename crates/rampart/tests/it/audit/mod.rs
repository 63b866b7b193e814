//! The audit log through its real interfaces: the transparency API, the access-log page, the
//! `rampart audit` commands, and whole processes killed under load.

mod api;
mod browser;
mod cli;
mod durability;
mod fuzz;
pub mod support;
