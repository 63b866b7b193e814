//! Attachments over HTTP: uploads (multipart, one `file` field) from the researcher's
//! tracking page and the team's console, and downloads that are only ever downloads:
//! `application/octet-stream`, `Content-Disposition: attachment`, `nosniff`, never cached.

use axum::extract::Multipart;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::service::{Download, Holder};
use crate::{Disclosure, DisclosureError};

/// Reads the `file` field of an upload: its name and bytes, or a refusal to show.
pub(super) async fn read_file(mut multipart: Multipart) -> Result<(String, Vec<u8>), Response> {
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => {
                return Err((
                    err.status(),
                    "the upload was interrupted or is larger than this server accepts",
                )
                    .into_response());
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        return match field.bytes().await {
            Ok(bytes) => Ok((name, bytes.to_vec())),
            Err(err) => Err((
                err.status(),
                "the upload was interrupted or is larger than this server accepts",
            )
                .into_response()),
        };
    }
    Err((StatusCode::UNPROCESSABLE_ENTITY, "choose a file to attach").into_response())
}

pub(super) async fn upload(
    disclosure: &Disclosure,
    holder: Holder<'_>,
    multipart: Multipart,
) -> Result<(), Response> {
    let (name, bytes) = read_file(multipart).await?;
    disclosure
        .attach(holder, &name, &bytes)
        .await
        .map(drop)
        .map_err(super::respond::failure)
}

pub(super) async fn download(
    disclosure: &Disclosure,
    holder: Holder<'_>,
    attachment_id: &str,
) -> Response {
    match disclosure.download(holder, attachment_id).await {
        Ok(Download { filename, bytes }) => {
            let disposition = format!("attachment; filename=\"{filename}\"");
            let mut response = (StatusCode::OK, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            } else {
                headers.insert(
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment"),
                );
            }
            response
        }
        Err(err @ DisclosureError::NotFound) => super::respond::failure(err),
        Err(err) => super::respond::failure(err),
    }
}
