//! The QR code an authenticator app scans to enrol TOTP, drawn by Rampart itself as SVG, so
//! the secret never goes to an outside service. The SVG carries the secret: it is a
//! [`SecretText`], shown once to the person enrolling and never logged.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use super::SecretText;

#[derive(Debug, thiserror::Error)]
#[error("the enrolment link is too long for a QR code")]
pub struct QrTooLong;

/// An SVG image of `uri` (an `otpauth://` link), with the quiet zone scanners need.
pub fn svg(uri: &SecretText) -> Result<SecretText, QrTooLong> {
    let code = QrCode::with_error_correction_level(uri.expose().as_bytes(), EcLevel::M)
        .map_err(|_| QrTooLong)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(SecretText::new(image))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::totp::TotpSecret;

    /// Draws the SVG's dark rectangles into a grey-scale bitmap, one pixel per unit.
    fn rasterise(svg: &str) -> (usize, Vec<u8>) {
        let attribute = |name: &str| {
            let start = svg.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            &svg[start..start + svg[start..].find('"').unwrap()]
        };
        let size: usize = attribute("width").trim_end_matches("px").parse().unwrap();
        let mut pixels = vec![255u8; size * size];
        let path = attribute(" d");
        // The path is a run of `M{x} {y}h{w}v{h}H{x}V{y}` rectangles.
        for rect in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            let (x, y, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3]);
            for row in y..y + h {
                for col in x..x + w {
                    pixels[row * size + col] = 0;
                }
            }
        }
        (size, pixels)
    }

    #[test]
    fn the_svg_decodes_back_to_the_enrolment_link() {
        let uri = TotpSecret::generate().provisioning_uri("Rampart", "alice@example.com");
        let image = svg(&uri).unwrap();
        let text = image.expose();
        assert!(text.contains("<svg") && !text.contains("<script") && !text.contains("style="));
        let (size, pixels) = rasterise(text);
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| pixels[y * size + x]);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri.expose());
    }
}
