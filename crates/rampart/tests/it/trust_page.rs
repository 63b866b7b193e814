//! The trust page, as a person sees it in Chromium.

use fantoccini::Locator;

use crate::browser::with_browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_trust_page_shows_the_controls_in_force_to_a_person_in_chromium() {
    let app = spawn_app().await;
    let url = app.url("/security");
    let fingerprint = app
        .running
        .as_ref()
        .unwrap()
        .state
        .certificates
        .fingerprint();
    with_browser("trust_page", |browser| async move {
        browser.goto(&url).await.unwrap();
        assert_eq!(browser.title().await.unwrap(), "Security · Rampart");
        let heading = browser
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "How Rampart protects your data");
        let section_titles: Vec<String> = {
            let mut titles = Vec::new();
            for element in browser
                .find_all(Locator::Css("main section h2"))
                .await
                .unwrap()
            {
                titles.push(element.text().await.unwrap());
            }
            titles
        };
        for expected in [
            "Encryption in transit",
            "Protection in your browser",
            "Where your data lives",
            "Reliability and monitoring",
            "Finding a weakness: our vulnerability disclosure program",
        ] {
            assert!(
                section_titles.iter().any(|t| t == expected),
                "{expected} missing from {section_titles:?}"
            );
        }
        let body = browser
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("TLS 1.3 and TLS 1.2"), "{body}");
        let shown = browser
            .find(Locator::Css("code.fingerprint"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(shown.replace(char::is_whitespace, ""), fingerprint);

        // The table of contents leads to its section.
        browser
            .find(Locator::LinkText("Encryption in transit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(
            browser
                .current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("#encryption-in-transit")
        );

        // The stylesheet loaded (served by Rampart itself, allowed by the CSP) and applies.
        let styled = browser
            .execute(
                "return [document.styleSheets.length, getComputedStyle(document.body).fontFamily];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(styled[0], 1, "one stylesheet, from /static");
        assert!(
            !styled[1].as_str().unwrap().contains("Times"),
            "the page is not styled: {styled}"
        );

        // Keyboard users can skip to the content.
        let skip = browser.find(Locator::Css("a.skip-link")).await.unwrap();
        assert_eq!(skip.attr("href").await.unwrap().as_deref(), Some("#main"));
    })
    .await;
}

#[tokio::test]
async fn the_trust_page_fits_a_phone_screen_without_sideways_scrolling() {
    let app = spawn_app().await;
    let url = app.url("/security");
    with_browser("trust_page_phone", |browser| async move {
        browser.set_window_size(375, 800).await.unwrap();
        browser.goto(&url).await.unwrap();
        let overflow = browser
            .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
            .await
            .unwrap();
        assert!(overflow.as_i64().unwrap() <= 0, "the page scrolls sideways by {overflow} px");
    })
    .await;
}
