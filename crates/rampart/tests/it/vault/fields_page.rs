//! The custom fields page: a member defines a typed field, sees it on the contact form,
//! is told why a bad name is refused, and removes it.

use crate::identity::support::spawn_with_mail;

#[tokio::test]
async fn a_member_defines_and_removes_a_custom_field_on_its_page() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("fields@example.com", "Fields Ltd").await;
    let page = visitor.get("/app/contacts/fields").await;
    page.assert_status(200);
    assert!(page.text_of("no-fields").is_some(), "{}", page.body);

    let refused = visitor
        .post(
            "/app/contacts/fields",
            &[("name", "Bad Name"), ("kind", "number")],
        )
        .await;
    refused.assert_status(422);
    assert!(
        refused.body.contains("value=\"Bad Name\""),
        "what was typed stays"
    );
    assert!(
        refused.text_of("field-name-error").is_some(),
        "{}",
        refused.body
    );

    visitor
        .post(
            "/app/contacts/fields",
            &[("name", "loyalty_tier"), ("kind", "number")],
        )
        .await
        .assert_redirect("/app/contacts/fields?notice=defined");
    let listed = visitor.get("/app/contacts/fields").await;
    assert!(
        listed.body.contains("data-name=\"loyalty_tier\""),
        "{}",
        listed.body
    );
    let again = visitor
        .post(
            "/app/contacts/fields",
            &[("name", "loyalty_tier"), ("kind", "text")],
        )
        .await;
    again.assert_status(422);
    assert!(
        again.text_of("field-name-error").is_some(),
        "a second field of that name"
    );
    let form = visitor.get("/app/contacts/new").await;
    assert!(
        form.body.contains("loyalty_tier"),
        "the contact form offers the field"
    );

    visitor.get("/app/contacts/fields").await;
    visitor
        .post("/app/contacts/fields/loyalty_tier/delete", &[])
        .await
        .assert_redirect("/app/contacts/fields?notice=removed");
    let after = visitor.get("/app/contacts/fields").await;
    assert!(after.text_of("no-fields").is_some(), "{}", after.body);
}
