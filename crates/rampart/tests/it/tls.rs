//! TLS: versions and suites offered, and certificates replaced without a restart.

use std::net::SocketAddr;
use std::time::Duration;

use rustls::ProtocolVersion;
use rustls::pki_types::ServerName;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{any_certificate_connector, spawn_app, spawn_app_with};

const ECDSA_AES128_GCM: u16 = 0xc02b;
const ECDSA_AES256_GCM: u16 = 0xc02c;
const ECDSA_AES128_CBC_SHA: u16 = 0xc009;
const ECDHE_RSA_AES128_CBC_SHA: u16 = 0xc013;
const RSA_AES128_CBC_SHA: u16 = 0x002f;
const RSA_3DES: u16 = 0x000a;

/// A hand-made ClientHello, so that versions no modern library will send can be offered.
fn client_hello(version: u16, suites: &[u16]) -> Vec<u8> {
    let mut extensions = Vec::new();
    let mut extension = |kind: u16, data: &[u8]| {
        extensions.extend(kind.to_be_bytes());
        extensions.extend((data.len() as u16).to_be_bytes());
        extensions.extend(data);
    };
    extension(0x000a, &[0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]); // groups: x25519, secp256r1
    extension(0x000b, &[0x01, 0x00]); // uncompressed points
    extension(0x000d, &[0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]); // signature algorithms
    let mut body = Vec::new();
    body.extend(version.to_be_bytes());
    body.extend([0x42; 32]); // random
    body.push(0); // no session id
    body.extend(((suites.len() * 2) as u16).to_be_bytes());
    suites.iter().for_each(|s| body.extend(s.to_be_bytes()));
    body.extend([1, 0]); // null compression
    body.extend((extensions.len() as u16).to_be_bytes());
    body.extend(extensions);
    let mut handshake = vec![0x01];
    handshake.extend(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![0x16];
    record.extend(version.min(0x0301).to_be_bytes());
    record.extend((handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}

/// The server's first record type: 0x16 for a handshake (ServerHello), 0x15 for an alert,
/// None when it closed the connection without a word.
async fn first_record_type(addr: SocketAddr, hello: &[u8]) -> Option<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(hello).await.unwrap();
    let mut first = [0u8; 1];
    match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut first))
        .await
        .unwrap()
    {
        Ok(1) => Some(first[0]),
        _ => None,
    }
}

#[tokio::test]
async fn tls_1_0_and_1_1_handshakes_are_refused_and_a_1_2_hello_is_answered() {
    let app = spawn_app().await;
    for listener in [app.public, app.staff, app.metrics] {
        let modern = client_hello(0x0303, &[ECDSA_AES128_GCM, ECDSA_AES256_GCM]);
        assert_eq!(
            first_record_type(listener, &modern).await,
            Some(0x16),
            "the control hello must succeed"
        );
        for version in [0x0301, 0x0302] {
            let hello = client_hello(
                version,
                &[
                    ECDSA_AES128_CBC_SHA,
                    ECDHE_RSA_AES128_CBC_SHA,
                    RSA_AES128_CBC_SHA,
                ],
            );
            let answer = first_record_type(listener, &hello).await;
            assert_ne!(
                answer,
                Some(0x16),
                "TLS version {version:#06x} got a ServerHello on {listener}"
            );
        }
    }
}

#[tokio::test]
async fn suites_without_authenticated_encryption_are_refused() {
    let app = spawn_app().await;
    let hello = client_hello(
        0x0303,
        &[
            ECDSA_AES128_CBC_SHA,
            ECDHE_RSA_AES128_CBC_SHA,
            RSA_AES128_CBC_SHA,
            RSA_3DES,
        ],
    );
    assert_ne!(first_record_type(app.public, &hello).await, Some(0x16));
}

/// Connects with only `version` enabled; returns the negotiated version and the leaf's SHA-256.
async fn handshake(
    addr: SocketAddr,
    version: &'static rustls::SupportedProtocolVersion,
) -> Result<(ProtocolVersion, String), std::io::Error> {
    let connector = any_certificate_connector(&[version]);
    let stream = TcpStream::connect(addr).await?;
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await?;
    let session = tls.get_ref().1;
    let leaf = session.peer_certificates().unwrap()[0].clone();
    Ok((
        session.protocol_version().unwrap(),
        hex::encode(Sha256::digest(leaf.as_ref())),
    ))
}

#[tokio::test]
async fn tls_1_2_and_1_3_handshakes_succeed_on_every_https_listener() {
    let app = spawn_app().await;
    for listener in [app.public, app.staff, app.metrics] {
        let (v12, _) = handshake(listener, &rustls::version::TLS12).await.unwrap();
        assert_eq!(v12, ProtocolVersion::TLSv1_2);
        let (v13, _) = handshake(listener, &rustls::version::TLS13).await.unwrap();
        assert_eq!(v13, ProtocolVersion::TLSv1_3);
    }
}

fn new_certificate() -> (String, String, String) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let fingerprint = hex::encode(Sha256::digest(generated.cert.der().as_ref()));
    (
        generated.cert.pem(),
        generated.signing_key.serialize_pem(),
        fingerprint,
    )
}

#[tokio::test]
async fn replacing_the_certificate_files_changes_the_certificate_served_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (cert_a, key_a, fingerprint_a) = new_certificate();
    std::fs::write(&cert_path, cert_a).unwrap();
    std::fs::write(&key_path, key_a).unwrap();
    let (paths, reload) = ((cert_path.clone(), key_path.clone()), 100);
    let app = spawn_app_with(move |c| {
        c.tls.cert_file = Some(paths.0);
        c.tls.key_file = Some(paths.1);
        c.tls.reload_interval_ms = reload;
    })
    .await;
    assert_eq!(
        handshake(app.public, &rustls::version::TLS13)
            .await
            .unwrap()
            .1,
        fingerprint_a
    );

    let (cert_b, key_b, fingerprint_b) = new_certificate();
    std::fs::write(&key_path, key_b).unwrap();
    std::fs::write(&cert_path, cert_b).unwrap();
    let served = wait_for_fingerprint(&app, &fingerprint_b).await;
    assert_eq!(
        served, fingerprint_b,
        "the new certificate was not picked up"
    );
    for listener in [app.staff, app.metrics] {
        assert_eq!(
            handshake(listener, &rustls::version::TLS12)
                .await
                .unwrap()
                .1,
            fingerprint_b
        );
    }

    // A broken replacement is not served: the last good certificate stays.
    std::fs::write(&key_path, "not a key").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        handshake(app.public, &rustls::version::TLS13)
            .await
            .unwrap()
            .1,
        fingerprint_b
    );
}

async fn wait_for_fingerprint(app: &crate::helpers::TestApp, expected: &str) -> String {
    let mut served = String::new();
    for _ in 0..50 {
        served = handshake(app.public, &rustls::version::TLS13)
            .await
            .unwrap()
            .1;
        if served == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    served
}

#[tokio::test]
async fn the_generated_certificate_is_kept_across_restarts() {
    let mut app = spawn_app().await;
    let first = handshake(app.public, &rustls::version::TLS13)
        .await
        .unwrap()
        .1;
    let data_dir = app.data_dir.path().join("data");
    let database_url = app.database_url.clone();
    assert!(
        app.running
            .as_ref()
            .unwrap()
            .generated_certificate
            .is_some()
    );
    app.stop().await;
    let again = spawn_app_with(move |c| {
        c.server.data_dir = data_dir;
        c.database.url = Some(platform::config::Secret::new(database_url));
    })
    .await;
    assert!(
        again
            .running
            .as_ref()
            .unwrap()
            .generated_certificate
            .is_none()
    );
    assert_eq!(
        handshake(again.public, &rustls::version::TLS13)
            .await
            .unwrap()
            .1,
        first
    );
}
