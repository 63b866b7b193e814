//! Tenant isolation: another tenant's contact is exactly as absent as a missing one, and
//! the attempt is logged as a denial; lists, searches, imports and exports see one tenant.

use reqwest::Method;
use serde_json::json;

use super::support::{api_send, create_contact, import, names, search_all};
use crate::audit::support::{access_log, api_get, customer};
use crate::identity::support::spawn_with_mail;

const ALL: &[&str] = &["contacts:read", "contacts:write", "access-log:read"];

#[tokio::test]
async fn a_contact_of_tenant_b_answers_404_to_tenant_a_like_a_missing_one_and_is_logged_as_denied()
{
    let app = spawn_with_mail().await;
    let a = customer(&app, "a@example.com", ALL).await;
    let b = customer(&app, "b@example.com", ALL).await;
    let theirs = create_contact(
        &app.app,
        &b.token,
        json!({"name": "Bea Secret", "phones": ["+442079460958"], "emails": ["bea@example.com"]}),
    )
    .await;
    let id = theirs["id"].as_str().unwrap();
    let missing = "ctc_0190f5b2c3d47e8f9a0b1c2d3e4f5a6b";
    let (status, foreign) = api_get(&app.app, &format!("/api/v1/contacts/{id}"), &a.token).await;
    let (missing_status, absent) =
        api_get(&app.app, &format!("/api/v1/contacts/{missing}"), &a.token).await;
    assert_eq!((status, missing_status), (404, 404));
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("instance");
        v
    };
    assert_eq!(
        strip(foreign),
        strip(absent),
        "the same answer as a missing id"
    );
    for method in [Method::PATCH, Method::DELETE] {
        let (status, _) = api_send(
            &app.app,
            method,
            &format!("/api/v1/contacts/{id}"),
            &a.token,
            &json!({"name": "Taken"}),
        )
        .await;
        assert_eq!(status, 404);
    }
    let (_, still) = api_get(&app.app, &format!("/api/v1/contacts/{id}"), &b.token).await;
    assert_eq!(still["name"], "Bea Secret", "B's contact is untouched");

    let log = access_log(&app.app, &a.token, "").await;
    for action in [
        "vault.contact.read",
        "vault.contact.update",
        "vault.contact.delete",
    ] {
        assert!(
            log.iter().any(|e| e["action"] == action
                && e["outcome"] == "denied"
                && e["resource_ids"] == json!([id])),
            "{action} denial of {id} in A's log: {log:#?}"
        );
    }

    create_contact(&app.app, &a.token, json!({"name": "Ann Own"})).await;
    for query in [
        "",
        "phone=%2B442079460958",
        "email=bea%40example.com",
        "q=bea",
    ] {
        let found = names(&search_all(&app.app, &a.token, query).await);
        assert!(
            !found.contains(&"Bea Secret".to_owned()),
            "{query}: {found:?}"
        );
    }
    let export = app
        .app
        .client
        .get(app.app.url("/api/v1/contacts/export"))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        export.contains("Ann Own") && !export.contains("Bea Secret"),
        "{export}"
    );
    // A's import of the same phone creates A's own contact; B's stays B's alone.
    let done = import(
        &app.app,
        &a.token,
        "",
        b"name,phone\nImported Bea,+442079460958\n".to_vec(),
    )
    .await;
    assert_eq!(done["created"], 1, "{done}");
    let (_, b_still) = api_get(&app.app, &format!("/api/v1/contacts/{id}"), &b.token).await;
    assert_eq!(b_still["name"], "Bea Secret");
    assert_eq!(
        names(&search_all(&app.app, &b.token, "").await),
        ["Bea Secret"]
    );
}

#[tokio::test]
async fn ids_of_the_wrong_shape_answer_404_without_reaching_the_database() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "shapes@example.com", ALL).await;
    for path in [
        "/api/v1/contacts/a%00b",
        "/api/v1/contacts/ctc_%27%20OR%201%3D1",
        "/api/v1/imports/a%00b",
        "/api/v1/imports/a%00b/rejections",
        "/api/v1/tokens/a%00b",
    ] {
        let (status, body) = api_get(&app.app, path, &c.token).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    for method in [Method::PATCH, Method::DELETE] {
        let (status, _) = api_send(
            &app.app,
            method,
            "/api/v1/contacts/a%00b",
            &c.token,
            &json!({"name": "x"}),
        )
        .await;
        assert_eq!(status, 404);
    }
    let (status, _) = api_send(
        &app.app,
        Method::DELETE,
        "/api/v1/contact-fields/a%00b",
        &c.token,
        &json!(null),
    )
    .await;
    assert_eq!(status, 404);
    let log = access_log(&app.app, &c.token, "").await;
    assert!(
        log.iter().any(|e| e["action"] == "vault.contact.read"
            && e["outcome"] == "denied"
            && e["details"] == "malformed contact id"),
        "{log:#?}"
    );
}
