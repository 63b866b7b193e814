//! The sections of the trust page, gathered from each capability in the order a customer
//! reads them. A capability adds its section here when it is wired in.

use audit::AuditLog;
use platform::config::Config;
use platform::web::TrustSection;

pub(crate) fn sections(config: &Config, audit: &AuditLog) -> Vec<TrustSection> {
    let mut sections = foundation();
    // Accounts come right after encryption: the two questions customers ask first; then
    // who can see their data, and how they can check.
    let identity = identity::trust_sections(&config.identity);
    let after_identity = 1 + identity.len();
    sections.splice(1..1, identity);
    // What is kept, then who can see it and how they can check.
    sections.insert(after_identity, vault::trust_section());
    sections.insert(after_identity + 1, audit::trust_section(audit));
    // Last: what to do when something is found anyway.
    sections.push(disclosure::trust_section(&config.disclosure));
    sections
}

fn foundation() -> Vec<TrustSection> {
    vec![
        TrustSection {
            id: "encryption-in-transit",
            title: "Encryption in transit",
            summary: "Everything you send to this service and everything it sends back travels encrypted. \
                      An unencrypted connection is never used for your data: it only points your browser to the encrypted address.",
            points: vec![
                "Only TLS 1.3 and TLS 1.2 are accepted. Older, weaker versions (SSL, TLS 1.0 and 1.1) are refused outright.".into(),
                "Only modern ciphers are offered: AES-GCM and ChaCha20-Poly1305, with keys agreed afresh for every connection (forward secrecy), so a key stolen later cannot unlock traffic recorded today.".into(),
                "Your browser is told to use only the encrypted address of this site for the next two years (HTTP Strict Transport Security), which stops downgrade attacks on public networks.".into(),
                "Certificates are replaced without downtime, so renewals never leave a gap.".into(),
            ],
        },
        TrustSection {
            id: "browser-protection",
            title: "Protection in your browser",
            summary: "Every page tells your browser exactly what it may load and do, which blocks whole families of attacks before they start.",
            points: vec![
                "A strict Content Security Policy: pages run no inline scripts and load nothing from other sites, so injected code has nowhere to run.".into(),
                "Pages cannot be shown inside another site's frame, which prevents click-jacking.".into(),
                "The address of the page you came from is never passed on to other sites.".into(),
                "Features this service does not need, such as your camera, microphone, location and payment details, are switched off for every page.".into(),
            ],
        },
        TrustSection {
            id: "where-your-data-lives",
            title: "Where your data lives",
            summary: "This service runs Rampart on infrastructure its operator controls. Your data is kept in the operator's own database and is not handed to outside services to store or process.",
            points: vec![
                "Everything the pages need, down to the style sheet and icons, is served by this server itself: no third-party scripts, fonts or trackers.".into(),
                "Staff tools are served on a separate, internal address, never on the address you use.".into(),
            ],
        },
        TrustSection {
            id: "reliability",
            title: "Reliability and monitoring",
            summary: "The service checks its own health continuously and reports problems to its operators before they reach you.",
            points: vec![
                "Health and readiness checks tell the operator at once if the database becomes unreachable.".into(),
                "Performance metrics are published only on an internal address, for the operator's monitoring.".into(),
                "Every answer carries a request id. If something goes wrong, quote it to support and they can find exactly what happened, while error pages never reveal internal details to anyone.".into(),
                "Changes to the database structure are applied in a single step that either completes or leaves nothing behind, even if a server stops abruptly.".into(),
            ],
        },
    ]
}
