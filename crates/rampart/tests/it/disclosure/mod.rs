//! The vulnerability disclosure program from the outside: security.txt (checked by the
//! `sectxt` validator), the policy page, reports sent by form and API, the researcher's
//! private tracking link, the security team's console on the staff listener, the Hall of
//! Fame, advisories published when their date comes, and the audit entries of it all.

mod advisories;
mod attachments;
mod audit;
mod clocks;
mod fuzz;
mod hall_of_fame;
mod intake_api;
mod intake_files;
mod intake_form;
mod metrics;
mod policy;
mod researchers;
mod security_txt;
pub mod support;
mod tracking;
mod triage;
