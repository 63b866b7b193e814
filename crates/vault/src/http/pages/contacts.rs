//! The contact pages: the list and its search, a contact, the create and edit forms, the
//! deletion, and the CSV export of a search.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use platform::web::{CsrfToken, FormState};
use serde::Deserialize;

use super::contact_form::{ContactForm, channel_label};
use super::{api_failure, failure, merged, page, see_other};
use crate::http::caller::Member;
use crate::http::imports_api::export_response;
use crate::model::search::SearchInput;
use crate::model::{Channel, Contact};
use crate::{Caller, Vault, VaultError};

/// The list's query string: the search, the page, and what just happened.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    tag: String,
    /// `true`, `false`, or empty for either.
    #[serde(default)]
    opted_out: String,
    cursor: Option<String>,
    notice: Option<String>,
}

impl ListQuery {
    fn search(&self) -> SearchInput {
        let given = |text: &str| Some(text.to_owned());
        SearchInput {
            phone: given(&self.phone),
            email: given(&self.email),
            tag: given(&self.tag),
            q: given(&self.q),
            opted_out: given(&self.opted_out),
            limit: None,
            cursor: self.cursor.clone(),
        }
    }

    /// The search as a query string, without the page.
    fn encoded(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("phone", &self.phone),
            ("email", &self.email),
            ("tag", &self.tag),
            ("opted_out", &self.opted_out),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

struct Row {
    id: String,
    name: String,
    phones: String,
    emails: String,
    tags: String,
    opted_out: String,
}

impl Row {
    fn new(contact: &Contact) -> Self {
        let state = &contact.state;
        let joined = |items: Vec<&str>| items.join(", ");
        Self {
            id: contact.id.clone(),
            name: state.personal.name.clone(),
            phones: joined(state.personal.phones.iter().map(|p| p.as_str()).collect()),
            emails: joined(state.personal.emails.iter().map(|e| e.as_str()).collect()),
            tags: joined(state.tags.iter().map(|t| t.as_str()).collect()),
            opted_out: joined(
                Channel::ALL
                    .into_iter()
                    .filter(|c| state.channels.get(*c).opted_out)
                    .map(Channel::as_str)
                    .collect(),
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    form: FormState,
    notice: Option<&'static str>,
    query: ListQuery,
    rows: Vec<Row>,
    next_url: Option<String>,
    export_url: Option<String>,
}

fn notice(query: Option<&str>) -> Option<&'static str> {
    match query? {
        "created" => Some("The contact was created."),
        "updated" => Some("The contact was saved."),
        "deleted" => Some("The contact was deleted."),
        _ => None,
    }
}

pub(super) async fn list(
    State(vault): State<Vault>,
    Member(caller): Member,
    Query(query): Query<ListQuery>,
) -> Response {
    let (search, wanted) = match query.search().check() {
        Ok(checked) => checked,
        Err(errors) => {
            let template = ListPage {
                form: FormState::refused(errors.into_map()),
                notice: None,
                query,
                rows: Vec::new(),
                next_url: None,
                export_url: None,
            };
            return page(StatusCode::UNPROCESSABLE_ENTITY, &template);
        }
    };
    let found = match vault.list_contacts(&caller, &search, &wanted).await {
        Ok(found) => found,
        Err(err) => return failure(err),
    };
    let encoded = query.encoded();
    let next_url = found.next_cursor.map(|cursor| {
        let mut next = url::form_urlencoded::Serializer::new(encoded.clone());
        next.append_pair("cursor", &cursor);
        format!("/app/contacts?{}", next.finish())
    });
    let template = ListPage {
        form: FormState::default(),
        notice: notice(query.notice.as_deref()),
        rows: found.items.iter().map(Row::new).collect(),
        next_url,
        export_url: Some(if encoded.is_empty() {
            "/app/contacts/export".to_owned()
        } else {
            format!("/app/contacts/export?{encoded}")
        }),
        query,
    };
    page(StatusCode::OK, &template)
}

pub(super) async fn export(
    State(vault): State<Vault>,
    Member(caller): Member,
    Query(query): Query<ListQuery>,
) -> Response {
    let mut search = query.search();
    search.cursor = None;
    match export_response(&vault, &caller, &search).await {
        Ok(response) => response,
        Err(err) => api_failure(&err),
    }
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    csrf: String,
    form: FormState,
    title: String,
    action: String,
    back: String,
    contact: ContactForm,
}

impl FormPage {
    fn create(csrf: String, form: FormState, contact: ContactForm) -> Self {
        Self {
            csrf,
            form,
            title: "New contact".into(),
            action: "/app/contacts".into(),
            back: "/app/contacts".into(),
            contact,
        }
    }

    fn edit(csrf: String, form: FormState, id: &str, contact: ContactForm) -> Self {
        Self {
            csrf,
            form,
            title: format!("Edit {}", contact.name),
            action: format!("/app/contacts/{id}"),
            back: format!("/app/contacts/{id}"),
            contact,
        }
    }

    /// The custom field's error, if any.
    fn custom_error(&self, name: &str) -> Option<&str> {
        self.form.error(&format!("custom_fields.{name}"))
    }
}

pub(super) async fn new(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
) -> Response {
    match vault.list_fields(&caller).await {
        Ok(definitions) => {
            let form = ContactForm::blank(&definitions);
            page(
                StatusCode::OK,
                &FormPage::create(csrf, FormState::default(), form),
            )
        }
        Err(err) => failure(err),
    }
}

/// The posted form, read against the tenant's custom fields.
async fn posted(
    vault: &Vault,
    caller: &Caller,
    pairs: &[(String, String)],
) -> Result<ContactForm, VaultError> {
    let definitions = vault.list_fields(caller).await?;
    Ok(ContactForm::posted(pairs, &definitions))
}

pub(super) async fn create(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = match posted(&vault, &caller, &pairs).await {
        Ok(posted) => posted,
        Err(err) => return failure(err),
    };
    let (input, early) = form.input();
    match vault.create_contact(&caller, &input).await {
        Ok(contact) => see_other(&format!("/app/contacts/{}?notice=created", contact.id)),
        Err(VaultError::Invalid(errors)) => {
            let state = FormState::refused(merged(early, errors).into_map());
            let template = FormPage::create(csrf, state, form);
            page(StatusCode::UNPROCESSABLE_ENTITY, &template)
        }
        Err(err) => failure(err),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    csrf: String,
    notice: Option<&'static str>,
    id: String,
    name: String,
    phones: Vec<String>,
    emails: Vec<String>,
    tags: Vec<String>,
    notes: Vec<String>,
    channels: Vec<(&'static str, bool, bool)>,
    custom: Vec<(String, String)>,
    created_at: String,
    updated_at: String,
}

impl ContactPage {
    fn new(csrf: String, notice: Option<&'static str>, contact: &Contact) -> Self {
        let state = &contact.state;
        let personal = &state.personal;
        let texts = |items: Vec<&str>| items.into_iter().map(str::to_owned).collect();
        Self {
            csrf,
            notice,
            id: contact.id.clone(),
            name: personal.name.clone(),
            phones: texts(personal.phones.iter().map(|p| p.as_str()).collect()),
            emails: texts(personal.emails.iter().map(|e| e.as_str()).collect()),
            tags: texts(state.tags.iter().map(|t| t.as_str()).collect()),
            notes: personal.notes.lines().map(str::to_owned).collect(),
            channels: Channel::ALL
                .into_iter()
                .map(|c| {
                    let flags = state.channels.get(c);
                    (channel_label(c), flags.consent, flags.opted_out)
                })
                .collect(),
            custom: personal
                .custom
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.to_text()))
                .collect(),
            created_at: contact.created_at.rfc3339(),
            updated_at: contact.updated_at.rfc3339(),
        }
    }
}

pub(super) async fn show(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    match vault.get_contact(&caller, &id).await {
        Ok(contact) => {
            let notice = notice(query.notice.as_deref());
            page(StatusCode::OK, &ContactPage::new(csrf, notice, &contact))
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn edit(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<String>,
) -> Response {
    let found = async {
        let contact = vault.get_contact(&caller, &id).await?;
        Ok::<_, VaultError>((contact, vault.list_fields(&caller).await?))
    };
    match found.await {
        Ok((contact, definitions)) => {
            let form = ContactForm::of(&contact, &definitions);
            let template = FormPage::edit(csrf, FormState::default(), &id, form);
            page(StatusCode::OK, &template)
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn update(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = match posted(&vault, &caller, &pairs).await {
        Ok(posted) => posted,
        Err(err) => return failure(err),
    };
    let (input, early) = form.input();
    match vault.update_contact(&caller, &id, &input).await {
        Ok(_) => see_other(&format!("/app/contacts/{id}?notice=updated")),
        Err(VaultError::Invalid(errors)) => {
            let state = FormState::refused(merged(early, errors).into_map());
            let template = FormPage::edit(csrf, state, &id, form);
            page(StatusCode::UNPROCESSABLE_ENTITY, &template)
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn delete(
    State(vault): State<Vault>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Response {
    match vault.delete_contact(&caller, &id).await {
        Ok(()) => see_other("/app/contacts?notice=deleted"),
        Err(err) => failure(err),
    }
}
