//! A section of the public trust page. Each capability describes its own controls, in a
//! customer's words, and the binary puts the sections together at `/security`.

/// One control or group of controls as a customer reads it.
#[derive(Debug, Clone)]
pub struct TrustSection {
    /// The anchor of the section, stable so that links to it keep working.
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub points: Vec<String>,
}
