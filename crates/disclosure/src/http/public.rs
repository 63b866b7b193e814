//! The public pages: security.txt, the policy, the report form, the Hall of Fame and the
//! published advisories.

use platform::web::{CsrfToken, FormState};
use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::researchers::SignedInResearcher;
use super::respond::{failure, page};
use crate::model::policy::render_markdown;
use crate::model::report::{ReportInput, VulnerabilityClass};
use crate::model::security_txt::CONTENT_TYPE;
use crate::service::{HallOfFameEntry, Holder, ReportView, Submitter};
use crate::{Disclosure, DisclosureError};

pub(super) async fn security_txt(State(disclosure): State<Disclosure>) -> Response {
    let mut response = disclosure.security_txt().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    policy_html: String,
}

pub(super) async fn policy(State(disclosure): State<Disclosure>) -> Response {
    match disclosure.policy_markdown().await {
        Ok(markdown) => page(
            StatusCode::OK,
            &PolicyPage {
                policy_html: render_markdown(&markdown),
            },
        ),
        Err(err) => failure(err),
    }
}

/// The form as typed: every field as text, so a refused form shows what was written.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReportFields {
    pub title: String,
    pub class: String,
    pub affected: String,
    pub impact: String,
    pub steps: String,
    pub proof_of_concept: String,
    pub cvss_v3: String,
    pub cvss_v4: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub accepted_rules: Option<String>,
    /// The honeypot: hidden from people.
    pub website: String,
}

impl ReportFields {
    fn input(&self) -> ReportInput {
        let optional = |text: &str| Some(text.to_owned()).filter(|t| !t.trim().is_empty());
        ReportInput {
            title: self.title.clone(),
            class: self.class.clone(),
            affected: self.affected.clone(),
            impact: self.impact.clone(),
            steps: self.steps.clone(),
            proof_of_concept: self.proof_of_concept.clone(),
            cvss_v3: optional(&self.cvss_v3),
            cvss_v4: optional(&self.cvss_v4),
            accepted_rules: self.accepted_rules.as_deref() == Some("true"),
            honeypot: optional(&self.website),
            reporter_name: optional(&self.reporter_name),
            reporter_email: optional(&self.reporter_email),
        }
    }
}

/// What the template reads of the typed form.
struct Typed {
    title: String,
    class: String,
    affected: String,
    cvss_v3: String,
    cvss_v4: String,
    reporter_name: String,
    reporter_email: String,
    accepted_rules: bool,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    csrf: String,
    form: FormState,
    input: Typed,
    classes: Vec<(&'static str, &'static str)>,
    /// (field, label, rows, text) of the long fields.
    texts: Vec<(&'static str, &'static str, u8, String)>,
}

fn form_page(csrf: String, fields: ReportFields, form: FormState) -> ReportFormPage {
    ReportFormPage {
        csrf,
        form,
        classes: VulnerabilityClass::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        texts: vec![
            ("impact", "Impact: what an attacker gains", 4, fields.impact),
            ("steps", "Steps to reproduce", 6, fields.steps),
            (
                "proof_of_concept",
                "Proof of concept (optional)",
                6,
                fields.proof_of_concept,
            ),
        ],
        input: Typed {
            title: fields.title,
            class: fields.class,
            affected: fields.affected,
            cvss_v3: fields.cvss_v3,
            cvss_v4: fields.cvss_v4,
            reporter_name: fields.reporter_name,
            reporter_email: fields.reporter_email,
            accepted_rules: fields.accepted_rules.as_deref() == Some("true"),
        },
    }
}

pub(super) async fn report_form(
    CsrfToken(csrf): CsrfToken,
    researcher: Option<SignedInResearcher>,
) -> Response {
    // A signed-in researcher's name and address are filled in; they may change them.
    let fields = match researcher {
        Some(SignedInResearcher(researcher)) => ReportFields {
            reporter_name: researcher.name.unwrap_or_default(),
            reporter_email: researcher.email,
            ..ReportFields::default()
        },
        None => ReportFields::default(),
    };
    page(
        StatusCode::OK,
        &form_page(csrf, fields, FormState::default()),
    )
}

#[derive(Template)]
#[template(path = "report_sent.html")]
struct SentPage {
    report: ReportView,
    link: String,
}

/// The report form as sent: URL-encoded, or multipart when it carries files (field
/// `attachments`, any number of them).
pub(super) struct SentForm {
    fields: ReportFields,
    files: Vec<(String, Vec<u8>)>,
}

impl<S: Send + Sync> FromRequest<S> for SentForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let is_multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            let Form(fields) = Form::<ReportFields>::from_request(request, state)
                .await
                .map_err(IntoResponse::into_response)?;
            return Ok(Self {
                fields,
                files: Vec::new(),
            });
        }
        let unreadable = |status: StatusCode| {
            (
                status,
                "the form could not be read whole; the files may be larger than this server accepts",
            )
                .into_response()
        };
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut texts = serde_json::Map::new();
        let mut files = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|err| unreadable(err.status()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "attachments" {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|err| unreadable(err.status()))?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !(filename.is_empty() && bytes.is_empty()) {
                    files.push((filename, bytes.to_vec()));
                }
            } else {
                let text = field.text().await.map_err(|err| unreadable(err.status()))?;
                texts.insert(name, serde_json::Value::String(text));
            }
        }
        let fields = serde_json::from_value(serde_json::Value::Object(texts))
            .map_err(|_| unreadable(StatusCode::BAD_REQUEST))?;
        Ok(Self { fields, files })
    }
}

pub(super) async fn submit(
    State(disclosure): State<Disclosure>,
    CsrfToken(csrf): CsrfToken,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    researcher: Option<SignedInResearcher>,
    SentForm { fields, files }: SentForm,
) -> Response {
    let submitter = match researcher {
        Some(SignedInResearcher(researcher)) => Submitter::Researcher(researcher),
        None => Submitter::Anonymous {
            ip: Some(peer.ip()),
        },
    };
    if let Err(DisclosureError::Invalid(errors)) = disclosure.check_files(&files) {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(csrf, fields, FormState::refused(errors.into_inner())),
        );
    }
    match disclosure.submit(fields.input(), submitter).await {
        Ok(sent) => {
            for (name, bytes) in &files {
                let holder = Holder::Researcher {
                    secret: &sent.tracking_secret,
                };
                if let Err(err) = disclosure.attach(holder, name, bytes).await {
                    return failure(err);
                }
            }
            let link = disclosure.tracking_url(&sent.tracking_secret);
            let mut response = page(
                StatusCode::CREATED,
                &SentPage {
                    report: sent.report,
                    link,
                },
            );
            // The page holds the only copy of the tracking link.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(DisclosureError::Invalid(errors)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(csrf, fields, FormState::refused(errors.into_inner())),
        ),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "hall_of_fame.html")]
struct HallOfFamePage {
    entries: Vec<HallOfFameEntry>,
}

pub(super) async fn hall_of_fame(State(disclosure): State<Disclosure>) -> Response {
    match disclosure.hall_of_fame().await {
        Ok(entries) => page(StatusCode::OK, &HallOfFamePage { entries }),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "advisories.html")]
struct AdvisoriesPage {
    advisories: Vec<ReportView>,
}

pub(super) async fn advisories(State(disclosure): State<Disclosure>) -> Response {
    match disclosure.advisories().await {
        Ok(advisories) => page(StatusCode::OK, &AdvisoriesPage { advisories }),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    report: ReportView,
}

pub(super) async fn advisory(
    State(disclosure): State<Disclosure>,
    Path(id): Path<String>,
) -> Response {
    match disclosure.advisory(&id).await {
        Ok(report) => page(StatusCode::OK, &AdvisoryPage { report }),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "metrics.html")]
struct MetricsPage {
    metrics: crate::service::Metrics,
}

pub(super) async fn metrics(State(disclosure): State<Disclosure>) -> Response {
    match disclosure.metrics().await {
        Ok(metrics) => page(StatusCode::OK, &MetricsPage { metrics }),
        Err(err) => failure(err),
    }
}
