//! QR codes of offer URIs.

use crate::Result;

/// Terminal colours the QR code is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TerminalBackground {
    /// Light text on a dark terminal.
    Dark,
    /// Dark text on a light terminal.
    Light,
}

/// The text as an SVG QR code (error correction M, quiet zone included).
#[uniffi::export]
pub fn render_qr_svg(text: String) -> Result<String> {
    Ok(credoffer::qr::render_qr_svg(&text)?)
}

/// The text as a QR code drawn with half-block characters.
#[uniffi::export]
pub fn render_qr_terminal(text: String, background: TerminalBackground) -> Result<String> {
    let background = match background {
        TerminalBackground::Dark => credoffer::qr::TerminalBackground::Dark,
        TerminalBackground::Light => credoffer::qr::TerminalBackground::Light,
    };
    Ok(credoffer::qr::render_qr_terminal(&text, background)?)
}

/// Whether a URI is too long to scan comfortably (by reference serves better).
#[uniffi::export]
pub fn qr_is_uncomfortable(uri: String) -> bool {
    credoffer::qr::qr_is_uncomfortable(&uri)
}
