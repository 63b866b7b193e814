//! The security team's console on the staff listener. `SecurityTeam` is the one place a
//! staff session becomes a [`TeamMember`]: signed in with 2FA and holding the `security`
//! role; other staff are refused.

use askama::Template;
use axum::Form;
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use identity::Identity;
use identity::http::StaffSignedIn;
use platform::clock::Timestamp;
use platform::web::{CsrfToken, FormState};
use serde::Deserialize;

use super::respond::{failure, page};
use crate::model::lifecycle::{self, Mover, Severity, State as ReportState};
use crate::service::{Change, ReportView, TeamMember};
use crate::{Disclosure, DisclosureError};

/// The staff role that triages reports.
const SECURITY_ROLE: &str = "security";

pub(super) struct SecurityTeam(TeamMember);

impl<S> FromRequestParts<S> for SecurityTeam
where
    S: Send + Sync,
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let StaffSignedIn(principal) = StaffSignedIn::from_request_parts(parts, state).await?;
        if principal.role != SECURITY_ROLE {
            return Err((
                StatusCode::FORBIDDEN,
                "Vulnerability reports are for staff with the security role",
            )
                .into_response());
        }
        Ok(Self(TeamMember {
            staff_id: principal.subject_id,
        }))
    }
}

#[derive(Template)]
#[template(path = "staff_queue.html")]
struct QueuePage {
    reports: Vec<ReportView>,
    overdue: usize,
}

pub(super) async fn queue(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
) -> Response {
    match disclosure.queue(&member).await {
        Ok(reports) => {
            let overdue = reports.iter().filter(|r| r.overdue()).count();
            page(StatusCode::OK, &QueuePage { reports, overdue })
        }
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "staff_report.html")]
struct ReportPage {
    report: ReportView,
    base: String,
    csrf: String,
    form: FormState,
    next_states: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
}

async fn report_page(
    disclosure: &Disclosure,
    member: &TeamMember,
    id: &str,
    csrf: String,
    status: StatusCode,
    form: FormState,
) -> Response {
    match disclosure.report_for_team(member, id).await {
        Ok(report) => {
            let next_states = lifecycle::next_states(report.state, Mover::Team)
                .map(|s| (s.as_str(), s.label()))
                .collect();
            page(
                status,
                &ReportPage {
                    base: format!("/staff/security/reports/{}", report.id),
                    report,
                    csrf,
                    form,
                    next_states,
                    severities: Severity::ALL
                        .iter()
                        .map(|s| (s.as_str(), s.label()))
                        .collect(),
                },
            )
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn show(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    CsrfToken(csrf): CsrfToken,
) -> Response {
    report_page(
        &disclosure,
        &member,
        &id,
        csrf,
        StatusCode::OK,
        FormState::default(),
    )
    .await
}

/// After a change: back to the report, or the report again with what to fix.
async fn after(
    disclosure: &Disclosure,
    member: &TeamMember,
    id: &str,
    csrf: String,
    result: Result<(), DisclosureError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/staff/security/reports/{id}")).into_response(),
        Err(DisclosureError::Invalid(errors)) => {
            report_page(
                disclosure,
                member,
                id,
                csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                FormState::refused(errors.into_inner()),
            )
            .await
        }
        Err(DisclosureError::Transition(err)) => {
            let mut errors = std::collections::BTreeMap::new();
            errors.insert("to".to_owned(), err.to_string());
            report_page(
                disclosure,
                member,
                id,
                csrf,
                StatusCode::CONFLICT,
                FormState::refused(errors),
            )
            .await
        }
        Err(err) => failure(err),
    }
}

#[derive(Deserialize)]
pub(super) struct StateForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    severity: String,
    duplicate_of: Option<String>,
    fix_target: Option<String>,
    message: Option<String>,
}

pub(super) async fn change_state(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<StateForm>,
) -> Response {
    let change = Change {
        to: ReportState::parse(&form.to),
        severity: Severity::parse(&form.severity),
        duplicate_of: form.duplicate_of,
        fix_target: form.fix_target,
        message: form.message,
    };
    let result = disclosure.change(&member, &id, change).await;
    after(&disclosure, &member, &id, csrf, result).await
}

#[derive(Deserialize)]
pub(super) struct MessageForm {
    #[serde(default)]
    body: String,
    internal: Option<String>,
}

pub(super) async fn message(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<MessageForm>,
) -> Response {
    let internal = form.internal.as_deref() == Some("true");
    let result = disclosure
        .team_message(&member, &id, &form.body, internal)
        .await;
    after(&disclosure, &member, &id, csrf, result).await
}

#[derive(Deserialize)]
pub(super) struct SeverityForm {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn change_severity(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<SeverityForm>,
) -> Response {
    let result = match Severity::parse(&form.severity) {
        Some(severity) => {
            disclosure
                .change_severity(&member, &id, severity, &form.reason)
                .await
        }
        None => Err(invalid("severity", "choose a severity")),
    };
    after(&disclosure, &member, &id, csrf, result).await
}

#[derive(Deserialize)]
pub(super) struct EmbargoForm {
    #[serde(default)]
    disclose_on: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn embargo(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<EmbargoForm>,
) -> Response {
    let date = Timestamp::parse_rfc3339(&format!("{}T00:00:00Z", form.disclose_on.trim()));
    let result = match date {
        Some(date) => {
            disclosure
                .set_disclosure_date(&member, &id, date, &form.reason)
                .await
        }
        None => Err(invalid("disclose_on", "write the date as YYYY-MM-DD")),
    };
    after(&disclosure, &member, &id, csrf, result).await
}

#[derive(Template)]
#[template(path = "staff_policy.html")]
struct PolicyForm {
    markdown: String,
    csrf: String,
    form: FormState,
}

pub(super) async fn policy_form(
    State(disclosure): State<Disclosure>,
    SecurityTeam(_member): SecurityTeam,
    CsrfToken(csrf): CsrfToken,
) -> Response {
    match disclosure.policy_markdown().await {
        Ok(markdown) => page(
            StatusCode::OK,
            &PolicyForm {
                markdown,
                csrf,
                form: FormState::default(),
            },
        ),
        Err(err) => failure(err),
    }
}

#[derive(Deserialize)]
pub(super) struct PolicyEdit {
    #[serde(default)]
    markdown: String,
}

pub(super) async fn save_policy(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    CsrfToken(csrf): CsrfToken,
    Form(edit): Form<PolicyEdit>,
) -> Response {
    match disclosure.save_policy(&member, &edit.markdown).await {
        // Back to the editor: the public page is on the other listener.
        Ok(()) => Redirect::to("/staff/security/policy").into_response(),
        Err(DisclosureError::Invalid(errors)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PolicyForm {
                markdown: edit.markdown,
                csrf,
                form: FormState::refused(errors.into_inner()),
            },
        ),
        Err(err) => failure(err),
    }
}

fn invalid(field: &str, message: &str) -> DisclosureError {
    let mut errors = crate::model::report::ReportErrors::default();
    errors.insert(field, message);
    DisclosureError::Invalid(errors)
}

pub(super) async fn attach(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let holder = crate::service::Holder::Team {
        member: &member,
        report_id: &id,
    };
    match super::files::upload(&disclosure, holder, multipart).await {
        Ok(()) => Redirect::to(&format!("/staff/security/reports/{id}")).into_response(),
        Err(response) => response,
    }
}

pub(super) async fn attachment(
    State(disclosure): State<Disclosure>,
    SecurityTeam(member): SecurityTeam,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Response {
    let holder = crate::service::Holder::Team {
        member: &member,
        report_id: &id,
    };
    super::files::download(&disclosure, holder, &attachment_id).await
}

#[derive(Template)]
#[template(path = "staff_metrics.html")]
struct MetricsPage {
    metrics: crate::service::Metrics,
}

pub(super) async fn metrics(
    State(disclosure): State<Disclosure>,
    SecurityTeam(_member): SecurityTeam,
) -> Response {
    match disclosure.metrics().await {
        Ok(metrics) => page(StatusCode::OK, &MetricsPage { metrics }),
        Err(err) => failure(err),
    }
}
