//! `/problems` and `/problems/{slug}`: the pages the `type` URIs of problem documents point
//! to, so that a client developer who meets an error can read what it means.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::problem::{ApiError, ProblemKind};

pub struct ProblemEntry {
    pub slug: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub explanation: &'static str,
}

impl From<ProblemKind> for ProblemEntry {
    fn from(kind: ProblemKind) -> Self {
        let (status, slug, title) = kind.describe();
        Self {
            slug,
            status: status.as_u16(),
            title,
            explanation: kind.explanation(),
        }
    }
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ProblemsPage {
    problems: Vec<ProblemEntry>,
}

pub fn problem_pages_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/problems", get(index))
        .route("/problems/{slug}", get(one))
}

fn render(problems: Vec<ProblemEntry>) -> Response {
    match (ProblemsPage { problems }).render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => ApiError::internal(&err).into_response(),
    }
}

async fn index() -> Response {
    render(
        ProblemKind::ALL
            .into_iter()
            .map(ProblemEntry::from)
            .collect(),
    )
}

async fn one(Path(slug): Path<String>) -> Response {
    match ProblemKind::from_slug(&slug) {
        Some(kind) => render(vec![kind.into()]),
        // A bare 404: the error-document middleware renders it as the HTML page.
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
