//! The audit log's section of the trust page, with this log's public key.

use platform::web::TrustSection;

use crate::AuditLog;

pub fn trust_section(audit: &AuditLog) -> TrustSection {
    TrustSection {
        id: "access-log",
        title: "A log of every access you can verify",
        summary: "Every access to your organisation's data, every sign-in and every change to security settings is written to a tamper-evident log before it happens. You can read your part of it, and check for yourself that nothing was altered or removed.",
        points: vec![
            "An access is recorded in the same step as the access itself: if the record cannot be written, the data is not served.".into(),
            "Owners and admins see their organisation's log on the Access log page, and programs through the API; accesses by our staff are listed first, each with its date, its purpose and the support ticket it answered.".into(),
            "The log is a Merkle tree, the structure Certificate Transparency uses for the web's certificates. Every second, a checkpoint of it is signed; a proof for any entry shows it is in the log, and a consistency proof shows the log only ever grew.".into(),
            format!(
                "Proofs can be checked offline with nothing but this log's public key: {}",
                audit.verifier_key().to_line()
            ),
            "Entries name people and records only by opaque ids, never by their contents, so removing someone's personal data never requires rewriting the log. Entries are kept for at least a year.".into(),
        ],
    }
}
