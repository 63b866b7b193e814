//! The disclosure program's section of the trust page.

use platform::config::DisclosureConfig;
use platform::web::TrustSection;

pub fn trust_section(config: &DisclosureConfig) -> TrustSection {
    TrustSection {
        id: "vulnerability-disclosure",
        title: "Finding a weakness: our vulnerability disclosure program",
        summary: "Anyone who finds a security weakness can report it to us, with an account or anonymously, under a published policy that protects good-faith research.",
        points: vec![
            "The policy at /security/policy says what is in scope, which kinds of weakness we accept, the rules for testing safely, and the safe harbour we give to research that follows them; /.well-known/security.txt points to it.".into(),
            format!(
                "A person answers every report within {} business day(s) and triages it within {}; once accepted, fixes are due within {} days for critical, {} for high, {} for medium and {} for low severity.",
                config.first_response_business_days,
                config.triage_business_days,
                config.fix_days_critical,
                config.fix_days_high,
                config.fix_days_medium,
                config.fix_days_low
            ),
            "The researcher follows the report through a private link and is told of every change; a disclosure date is agreed with them, and the advisory publishes itself on that date.".into(),
            "Researchers who help us are thanked in the Security Hall of Fame, showing only what each of them agrees to show.".into(),
        ],
    }
}
