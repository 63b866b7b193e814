//! The contacts pages in Chromium: a member creates, finds, edits and imports contacts, then
//! exports them; and another organisation's contact is not found through the pages.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

use crate::browser::with_browser;
use crate::identity::support::{PASSWORD, spawn_with_mail};

const EMAIL: &str = "grace@example.com";

/// Three rows: two good ones, and one whose phone is refused.
const CSV: &str = "Full name,Mobile,E-mail,Company\n\
    Ada Lovelace,+44 20 7946 0001,ada@example.com,Analytical\n\
    Charles Babbage,not a phone,charles@example.com,Engines\n\
    Alan Turing,+44 161 496 0002,,Bletchley\n";

/// The browser on Rampart, and what a person does there.
struct Page {
    client: Client,
    origin: String,
}

impl Page {
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.origin))
            .await
            .unwrap();
    }

    /// Types `text` into a field, or chooses the option whose value it is.
    async fn type_into(&self, css: &str, text: &str) {
        let field = self.shown(css).await;
        if field.tag_name().await.unwrap() == "select" {
            field.select_by_value(text).await.unwrap();
            return;
        }
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks `css` as a person would: scrolled into view at once first (the stylesheet's
    /// smooth scrolling would still be moving the page when WebDriver clicks).
    async fn click(&self, css: &str) {
        let element = self.shown(css).await;
        let reference = serde_json::to_value(&element).unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
                vec![reference],
            )
            .await
            .unwrap();
        element.click().await.unwrap();
    }

    async fn shown(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.shown(css).await.text().await.unwrap()
    }

    /// Waits until `css` shows a text containing `wanted` (after a navigation, the old page
    /// may still be there for a moment).
    async fn wait_for_text(&self, css: &str, wanted: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if text.contains(wanted) {
                        return text;
                    }
                }
            }
            assert!(Instant::now() < deadline, "{css} never showed “{wanted}”");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn value(&self, css: &str) -> String {
        let element = self.shown(css).await;
        element.prop("value").await.unwrap().unwrap_or_default()
    }

    /// The names in the results table.
    async fn listed(&self) -> Vec<String> {
        let mut names = Vec::new();
        let links = self
            .client
            .find_all(Locator::Css("#contacts a.contact-link"))
            .await
            .unwrap();
        for link in links {
            names.push(link.text().await.unwrap());
        }
        names
    }

    /// Runs the search form with `fields` (css → text) and waits for its results.
    async fn search(&self, fields: &[(&str, &str)]) -> Vec<String> {
        self.open("/app/contacts").await;
        for (css, text) in fields {
            self.type_into(css, text).await;
        }
        self.click("#search-button").await;
        self.shown("#results-title").await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains('?')
        {
            assert!(Instant::now() < deadline, "the search never ran");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.shown("#results-title").await;
        self.listed().await
    }

    /// Fetches `path` in the page, with its cookies: the status and the text.
    async fn fetch(&self, path: &str) -> (u64, String) {
        let answer = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0]).then(r => r.text().then(t => done([r.status, t])));",
                vec![serde_json::json!(path)],
            )
            .await
            .unwrap();
        (
            answer[0].as_u64().unwrap(),
            answer[1].as_str().unwrap().to_owned(),
        )
    }
}

#[tokio::test]
async fn a_member_creates_finds_edits_imports_and_exports_contacts_in_a_browser() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up(EMAIL, "Compilers Ltd").await;
    let origin = app.origin();
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("contacts.csv");
    std::fs::write(&csv_path, CSV).unwrap();
    let csv_path = csv_path.to_str().unwrap().to_owned();
    let mut export_href = String::new();
    let slot = &mut export_href;
    with_browser("vault_contacts", |client| async move {
        let page = Page { client, origin };
        log_in_and_open_contacts(&page).await;
        create_a_contact(&page).await;
        find_it(&page).await;
        edit_it(&page).await;
        import_a_file(&page, &csv_path).await;
        page.open("/app/contacts").await;
        *slot = page
            .shown("#export-link")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    })
    .await;

    assert_eq!(export_href, "/app/contacts/export");
    let export = visitor.get(&export_href).await;
    export.assert_status(200);
    let content_type = export.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(export.body.starts_with("id,name,"), "{}", export.body);
    for name in ["Grace Brewster Hopper", "Ada Lovelace", "Alan Turing"] {
        assert!(export.body.contains(name), "{name} in {}", export.body);
    }
    assert!(!export.body.contains("Charles Babbage"));
    let found = visitor.get("/app/contacts/export?q=turing").await;
    found.assert_status(200);
    assert_eq!(found.body.lines().count(), 2, "{}", found.body);
}

async fn log_in_and_open_contacts(page: &Page) {
    page.open("/login").await;
    page.type_into("#email", EMAIL).await;
    page.type_into("#password", PASSWORD).await;
    page.click("form[action='/login'] button[type=submit]")
        .await;
    page.click("#contacts-link").await;
    page.shown("#no-contacts").await;
}

async fn create_a_contact(page: &Page) {
    page.click("#new-contact").await;
    page.type_into("#name", "Grace Hopper").await;
    page.type_into("#phones", "+44 20 7946 0958\n12345").await;
    page.type_into("#emails", "grace.hopper@example.com").await;
    page.type_into("#tags", "Navy, pioneers").await;
    page.type_into("#notes", "Wrote the first compiler").await;
    page.click("#consent-email").await;
    page.click("#save-contact").await;

    let error = page.text("#phones-error").await;
    assert!(error.contains("country code"), "{error}");
    page.shown("#form-message").await;
    assert_eq!(
        page.value("#name").await,
        "Grace Hopper",
        "the form keeps what was typed"
    );
    assert_eq!(page.value("#tags").await, "Navy, pioneers");
    let consent = page.shown("#consent-email").await;
    assert!(consent.is_selected().await.unwrap());

    page.type_into("#phones", "+44 20 7946 0958").await;
    page.click("#save-contact").await;
    page.wait_for_text("#notice", "created").await;
    assert_eq!(page.text("#contact-name").await, "Grace Hopper");
    assert_eq!(page.text("#contact-phones").await, "+442079460958");
    let tags = page.text("#contact-tags").await;
    assert!(tags.contains("navy") && tags.contains("pioneers"), "{tags}");
}

async fn find_it(page: &Page) {
    assert_eq!(page.search(&[("#q", "HOPPER")]).await, ["Grace Hopper"]);
    assert_eq!(
        page.search(&[("#search-phone", "+44 20 7946 0958")]).await,
        ["Grace Hopper"]
    );
    assert_eq!(page.search(&[("#q", "ada")]).await, Vec::<String>::new());
    page.shown("#no-contacts").await;
    page.search(&[("#search-phone", "12345")]).await;
    let error = page.text("#search-phone-error").await;
    assert!(error.contains("country code"), "{error}");
}

async fn edit_it(page: &Page) {
    page.search(&[("#search-tag", "navy")]).await;
    page.click("#contacts a.contact-link").await;
    page.click("#edit-contact").await;
    assert_eq!(page.value("#phones").await, "+442079460958");
    page.type_into("#name", "Grace Brewster Hopper").await;
    page.click("#opt-out-sms").await;
    page.click("#save-contact").await;
    page.wait_for_text("#notice", "saved").await;
    assert_eq!(page.text("#contact-name").await, "Grace Brewster Hopper");
    let channels = page.text("#contact-channels").await;
    let channels = channels.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(channels.contains("Text messages no yes"), "{channels}");
    assert_eq!(
        page.search(&[("#search-opted-out", "true")]).await,
        ["Grace Brewster Hopper"]
    );
}

async fn import_a_file(page: &Page, csv_path: &str) {
    page.open("/app/contacts").await;
    page.click("#import-link").await;
    page.shown("#import-file")
        .await
        .send_keys(csv_path)
        .await
        .unwrap();
    page.click("#upload-file").await;

    page.shown("#mapping").await;
    let headers = page.text("#mapping tbody").await;
    assert!(headers.contains("Full name") && headers.contains("Company"));
    assert_eq!(page.value("#column-0").await, "name");
    assert_eq!(page.value("#column-1").await, "phones");
    assert_eq!(page.value("#column-2").await, "emails");
    assert_eq!(page.value("#column-3").await, "ignore");
    page.shown("#column-3")
        .await
        .select_by_value("tags")
        .await
        .unwrap();
    page.click("#start-import").await;

    page.shown("#import-counts").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = page.shown("#import-state").await.attr("data-state").await;
        if let Ok(Some(state)) = state {
            assert_ne!(state, "failed");
            if state == "done" {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the import never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(page.text("#rows-read").await, "3");
    assert_eq!(page.text("#created").await, "2");
    assert_eq!(page.text("#rejected").await, "1");
    let rejected = page.text("#rejections tbody").await;
    assert!(rejected.contains("bad phone"), "{rejected}");
    assert!(
        !rejected.contains("not a phone"),
        "a reason never repeats the value"
    );
    let href = page
        .shown("#rejections-link")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let (status, report) = page.fetch(&href).await;
    assert_eq!(status, 200);
    assert!(report.starts_with("line,reason"), "{report}");
    assert_eq!(report.lines().count(), 2, "{report}");

    let found = page.search(&[("#search-tag", "analytical")]).await;
    assert_eq!(found, ["Ada Lovelace"]);
}

#[tokio::test]
async fn another_organisations_contact_is_not_found_through_the_pages() {
    let app = spawn_with_mail().await;
    let mut owner = app.signed_up("owner@example.com", "First Ltd").await;
    owner.get("/app/contacts/new").await.assert_status(200);
    let created = owner
        .post(
            "/app/contacts",
            &[("name", "Private Person"), ("phones", "+44 20 7946 0958")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.location().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    assert!(path.starts_with("/app/contacts/ctc_"), "{path}");
    owner.get(&path).await.assert_status(200);

    let mut other = app.signed_up("other@example.com", "Second Ltd").await;
    let page = other.get(&path).await;
    page.assert_status(404);
    assert!(!page.body.contains("Private Person"));
    other.get(&format!("{path}/edit")).await.assert_status(404);
    other.get("/app/contacts").await.assert_status(200);
    other
        .post(&path, &[("name", "Taken Over")])
        .await
        .assert_status(404);
    other
        .post(&format!("{path}/delete"), &[])
        .await
        .assert_status(404);
    let listed = other.get("/app/contacts").await;
    assert!(!listed.body.contains("Private Person"));
    assert!(owner.get(&path).await.body.contains("Private Person"));
}
