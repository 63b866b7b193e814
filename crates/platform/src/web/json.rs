//! `ApiJson<T>`: the JSON body extractor of the API, whose rejections are problem documents
//! that tell a malformed body (400), a wrong content type (415) and a body of the wrong shape
//! (422) apart.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::problem::{ApiError, ProblemKind};

/// A JSON request body parsed into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(reject(&rejection)),
        }
    }
}

fn reject(rejection: &JsonRejection) -> ApiError {
    let kind = match rejection {
        JsonRejection::JsonDataError(_) => ProblemKind::ValidationFailed,
        JsonRejection::JsonSyntaxError(_) => ProblemKind::MalformedJson,
        JsonRejection::MissingJsonContentType(_) => ProblemKind::UnsupportedMediaType,
        JsonRejection::BytesRejection(_) => ProblemKind::PayloadTooLarge,
        _ => ProblemKind::BadRequest,
    };
    let detail = match kind {
        ProblemKind::UnsupportedMediaType => {
            "Send the body as JSON with `Content-Type: application/json`".to_owned()
        }
        ProblemKind::PayloadTooLarge => {
            "The body is larger than this server accepts, or could not be read".to_owned()
        }
        _ => rejection.body_text(),
    };
    ApiError::new(kind, detail)
}
