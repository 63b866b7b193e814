//! The Rampart binary as a library: the command line, and the wiring of every capability
//! into the four listeners. Tests start the same server through [`app::start`].

pub mod app;
mod audit_cli;
pub mod cli;
mod hashing_cli;
mod keys;
mod routes;
pub mod shutdown;
mod trust;
mod vault_cli;
