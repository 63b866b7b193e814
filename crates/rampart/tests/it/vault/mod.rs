//! The customer data vault from the outside: the contacts API, bulk import and export,
//! encryption at rest, tenant isolation, the pages in Chromium, and the command line.

mod api;
mod at_rest;
mod browser;
mod bulk;
mod fields_page;
mod fuzz;
mod isolation;
pub mod support;
