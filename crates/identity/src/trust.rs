//! Identity's sections of the trust page, with the figures this server is configured with.

use platform::config::IdentityConfig;
use platform::web::TrustSection;

pub fn trust_sections(config: &IdentityConfig) -> Vec<TrustSection> {
    vec![
        TrustSection {
            id: "accounts-and-passwords",
            title: "Accounts and passwords",
            summary: "Your password is never stored. Only a slow, salted fingerprint of it is kept, which is built to make guessing expensive even for someone who steals the database.",
            points: vec![
                format!(
                    "Passwords are hashed with Argon2id, the winner of the Password Hashing Competition, using {} MiB of memory and {} passes per guess; stronger settings are applied to your password the next time you log in.",
                    config.hash_memory_kib / 1024,
                    config.hash_iterations
                ),
                format!(
                    "A new password needs at least {} characters, and passwords that appear among the most common ones in known breaches, or that are easy to guess from your name or email, are refused with an explanation.",
                    config.password_min_chars
                ),
                "Repeated wrong passwords slow further attempts down, up to a 15-minute wait, and the account's owner is told by email. The slowdown ends by itself: nobody can lock you out for good.".into(),
                "The log-in page answers the same way, in the same time, whether or not an account exists, so it cannot be used to find out who has one.".into(),
                "Links sent by email (to confirm your address, to reset a password, to join a team) work once and expire: a password-reset link after 30 minutes, an invitation after 7 days.".into(),
            ],
        },
        TrustSection {
            id: "two-factor-and-sessions",
            title: "Two-factor authentication and sessions",
            summary: "A second factor makes a stolen password useless on its own, and sessions end by themselves.",
            points: vec![
                "Two-factor authentication works with any authenticator app. Its secret is encrypted in the database, the QR code is drawn by this server itself, and each code is accepted only once.".into(),
                "Ten single-use recovery codes are shown once when you turn it on; only their fingerprints are kept.".into(),
                "An organisation's owner can require two-factor authentication of everyone, and every member of staff must use it.".into(),
                format!(
                    "A session ends after {} minutes without activity and {} hours after log-in in any case. Its id is random, changes at each log-in, and is kept only as a fingerprint.",
                    config.session_idle_minutes, config.session_absolute_hours
                ),
                format!(
                    "You can see every session of your account and end any of them. Changing your password, your two-factor settings or creating a token asks for your password again after {} minutes.",
                    config.reauth_minutes
                ),
                "Every form is protected against cross-site request forgery, and session cookies are sent only over HTTPS and never to scripts.".into(),
            ],
        },
        TrustSection {
            id: "api-tokens",
            title: "API tokens",
            summary: "Programs use the API with tokens that are limited in what they can do and how long they live.",
            points: vec![
                format!(
                    "Every token has only the permissions chosen for it and always expires: after {} days unless you choose otherwise, and after {} days at most.",
                    config.token_default_days, config.token_max_days
                ),
                "A token is shown once and stored only as a fingerprint. It starts with rmp_ and carries a checksum, so secret scanners can recognise a leaked one and a mistyped one is refused at once.".into(),
                "A token works only inside its own organisation, cannot create other tokens, shows when and from where it was last used, and can be revoked at any time. Removing a person revokes their tokens.".into(),
                "The API accepts tokens only, never the cookies of a browser session, so a web page cannot make your browser call it.".into(),
            ],
        },
        TrustSection {
            id: "staff-access",
            title: "Staff accounts",
            summary: "The people who operate this service sign in separately from customers, on an internal address, and always with two-factor authentication.",
            points: vec![
                "Staff accounts are created only by an operator on the server itself, with a one-time set-up link.".into(),
                "Staff sign-in pages do not exist on the public address at all, and a customer session is never accepted by the staff console.".into(),
            ],
        },
    ]
}
