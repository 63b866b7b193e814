//! The vault's section of the trust page: how customers' contacts are kept.

use platform::web::TrustSection;

pub fn trust_section() -> TrustSection {
    TrustSection {
        id: "encryption-at-rest",
        title: "Your customers' data, encrypted at rest",
        summary: "The personal details of the people in your contact lists (names, phone numbers, email addresses, notes and the values of your own fields) are stored encrypted, with a key that belongs to your organisation alone.",
        points: vec![
            "Each organisation has its own data key. Each contact's personal details are sealed with it using XChaCha20-Poly1305, bound to your organisation and to that contact, so a record copied elsewhere in the database no longer opens.".into(),
            "Data keys are themselves stored only encrypted under a master key kept apart from the database. The master key can be replaced at any time without re-encrypting your contacts.".into(),
            "Searching by exact phone number, email address, tag or name word goes through keyed fingerprints (HMAC with a key of your organisation), never through readable text in the database.".into(),
            "Every request is confined to the organisation of the person or API token making it: another organisation's contact is answered exactly like one that does not exist, and the attempt is recorded.".into(),
            "Every read, change, import and export of contacts is written to the access log, naming the contacts and the fields changed, never their contents.".into(),
            "Exports are protected against spreadsheet formula injection, and imported files wait for processing only in encrypted form.".into(),
        ],
    }
}
