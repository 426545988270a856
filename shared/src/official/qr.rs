//! The QR code printed on an issued paper: the address that checks it (`/verify/<code>`),
//! as a PNG for the DOCX and as SVG for the browser's print view. Built with `qrcode`, the
//! PNG written with `png`; medium error correction (a creased or stamped paper still reads).

use qrcode::{Color, EcLevel, QrCode};

use crate::error::ModelError;

/// Pixels per module in the PNG, and light modules around the code (the standard's 4).
const SCALE: u32 = 8;
const QUIET: u32 = 4;

fn code(text: &str) -> Result<QrCode, ModelError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| ModelError::Export(format!("QR code: {e}")))
}

/// `text` as a greyscale PNG; and its side in pixels.
pub fn png(text: &str) -> Result<(Vec<u8>, u32), ModelError> {
    let code = code(text)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % modules + QUIET, i as u32 / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = (y * side) as usize;
            pixels[row + (mx * SCALE) as usize..row + ((mx + 1) * SCALE) as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ModelError::Export(format!("QR image: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| ModelError::Export(format!("QR image: {e}")))?;
        writer
            .finish()
            .map_err(|e| ModelError::Export(format!("QR image: {e}")))?;
    }
    Ok((out, side))
}

/// `text` as an SVG element (no XML declaration), with the class `paper-qr` (its size is
/// the style sheet's: the content policy allows no inline style).
pub fn svg(text: &str) -> Result<String, ModelError> {
    let svg = code(text)?
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].replacen("<svg ", "<svg class=\"paper-qr\" ", 1))
}
