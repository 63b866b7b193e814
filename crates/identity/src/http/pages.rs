//! Pages shared by several flows and by both realms.

use askama::Template;

use super::respond::FormState;
use crate::model::SecretText;

/// A short page that says what happened and what to do next.
#[derive(Template)]
#[template(path = "notice.html")]
pub(super) struct Notice {
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

/// The code step of a log-in, for customers (who may use a recovery code) and staff.
#[derive(Template)]
#[template(path = "login_code.html")]
pub(super) struct CodePage {
    pub csrf: String,
    pub form: FormState,
    pub action: &'static str,
    pub recovery_allowed: bool,
}

/// TOTP enrolment: the QR code, the key for typing by hand, and the first code.
#[derive(Template)]
#[template(path = "enrol.html")]
pub(super) struct EnrolPage {
    pub csrf: String,
    pub form: FormState,
    pub action: &'static str,
    pub qr_svg: String,
    pub secret: String,
    pub required: bool,
}

impl EnrolPage {
    pub fn new(
        csrf: String,
        form: FormState,
        action: &'static str,
        enrolment: Option<crate::service::Enrolment>,
        required: bool,
    ) -> Self {
        let (qr_svg, secret) = enrolment.map_or((String::new(), String::new()), |e| {
            (expose(&e.qr_svg), expose(&e.secret_base32))
        });
        Self {
            csrf,
            form,
            action,
            qr_svg,
            secret,
            required,
        }
    }
}

fn expose(text: &SecretText) -> String {
    text.expose().to_owned()
}
