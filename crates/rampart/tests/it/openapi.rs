//! `/api/v1/openapi.json`: an OpenAPI 3.1 document that names every route of the API, each
//! with exactly the methods the server answers. The routes are read from the `.route(…)`
//! calls in the crates' source (axum cannot list a router's routes), and the methods are
//! checked against the running server.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn fetch_document(app: &TestApp) -> Value {
    let response = app.get(&app.url("/api/v1/openapi.json")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert!(response.headers().get("set-cookie").is_none());
    response.json().await.unwrap()
}

/// (method, path template) of every operation the document describes.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if method != "parameters" {
                operations.insert((method.clone(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn the_api_describes_itself_in_openapi_3_1() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(document["servers"][0]["url"], "/");
    let components = &document["components"];
    assert_eq!(components["securitySchemes"]["bearer"]["type"], "http");
    assert_eq!(components["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(
        components["schemas"]["Problem"]["required"],
        serde_json::json!(["type", "title", "status", "detail"])
    );
    for (method, path) in documented(&document) {
        let operation = &document["paths"][&path][&method];
        let responses = operation["responses"].as_object().unwrap();
        let secured = operation["security"]
            .as_array()
            .is_none_or(|requirements| !requirements.is_empty());
        assert_eq!(
            responses.contains_key("401"),
            secured,
            "{method} {path}: a route that takes a token answers 401 without one, and only such a route"
        );
    }
}

#[tokio::test]
async fn every_api_route_in_the_source_is_in_the_document_with_its_methods() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let in_source = routes_in_source();
    assert!(
        in_source.contains(&("get".into(), "/api/v1/contacts".into())),
        "the scan of the source found no contacts route: {in_source:?}"
    );
    let in_document = documented(&document);
    let undocumented: Vec<_> = in_source.difference(&in_document).collect();
    let unserved: Vec<_> = in_document.difference(&in_source).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "the OpenAPI document and the routers disagree.\n\
         Served but not documented (describe them in the crate's src/http/openapi.rs): {undocumented:?}\n\
         Documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn the_server_answers_every_documented_method_and_no_other() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let operations = documented(&document);
    let paths: BTreeSet<&String> = operations.iter().map(|(_, path)| path).collect();
    for path in paths {
        // `0` fits every path parameter: ids are strings, the audit index a number.
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "0"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let request = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(request, app.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if operations.contains(&(method.to_owned(), path.clone())) {
                // Without a token, a route answers 401 (or 200 when it is public); 404 or 405
                // would mean the router does not have it.
                assert!(
                    ![404, 405].contains(&status),
                    "{method} {concrete} is documented but the server answers {status}"
                );
            } else {
                assert_eq!(
                    status, 405,
                    "{method} {concrete} is served but not documented"
                );
            }
        }
    }
}

/// Every `(method, path)` registered with `.route("/api/v1/…", …)` in the crates' source.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        rust_files(&entry.unwrap().path().join("src"), &mut files);
    }
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(".nest(\"/api"),
            "{}: a nested /api router; teach this test to read it",
            file.display()
        );
        scan_routes(&text, &mut routes);
    }
    routes
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn scan_routes(text: &str, routes: &mut BTreeSet<(String, String)>) {
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map_or(rest.len(), |(i, _)| i);
        let arguments = &rest[..end];
        let Some(path) = arguments
            .trim_start()
            .strip_prefix('"')
            .and_then(|t| t.split('"').next())
        else {
            continue;
        };
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let methods: Vec<&str> = METHODS
            .into_iter()
            .filter(|method| calls(arguments, method))
            .collect();
        assert!(
            !methods.is_empty() && !calls(arguments, "any") && !calls(arguments, "on"),
            "cannot tell the methods of the route {path}: {arguments}"
        );
        for method in methods {
            routes.insert((method.to_owned(), path.to_owned()));
        }
    }
}

/// Whether `code` calls the function `name` (a method router such as `get(…)`).
fn calls(code: &str, name: &str) -> bool {
    code.match_indices(&format!("{name}("))
        .any(|(i, _)| !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
}

#[test]
fn routes_are_read_from_route_calls() {
    let source = r#"
        .route("/api/v1/things", get(api::list).post(api::create))
        .route(
            "/api/v1/things/{id}",
            get(api::read).patch(api::update).delete(api::delete),
        )
        .route("/api/v1/fields/{name}", axum::routing::delete(api::delete_field))
        .route("/app/things", get(pages::list))
    "#;
    let mut routes = BTreeSet::new();
    scan_routes(source, &mut routes);
    let expected: BTreeSet<(String, String)> = [
        ("get", "/api/v1/things"),
        ("post", "/api/v1/things"),
        ("get", "/api/v1/things/{id}"),
        ("patch", "/api/v1/things/{id}"),
        ("delete", "/api/v1/things/{id}"),
        ("delete", "/api/v1/fields/{name}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(routes, expected);
}
