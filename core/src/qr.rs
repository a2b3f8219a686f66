//! QR codes for offer URIs: an SVG for pages and a text rendering for terminals.
//!
//! Encoding is done by the `qrcodegen` crate (no dependencies, no unsafe code, and the smallest
//! WebAssembly footprint of the encoders measured for this crate); this module chooses the error
//! correction, guards the input size, and draws.
//!
//! ## Error correction: level L, raised when free
//!
//! Offers are long: a pre-authorized offer is 350–700 bytes as a URI, and every step up in error
//! correction makes its symbol denser. They are also shown on screens — a terminal, a web page, a
//! phone — and never printed: a pre-authorized offer lives minutes. Screens are clean, flat and
//! high-contrast; the dirt, folds and print damage that level M's extra recovery is for do not occur,
//! and what makes a long code hard to read is density, as small modules blur on a phone camera. So this
//! module asks for level **L** (about 7 % recoverable) and lets the encoder raise the level to M, Q or
//! H whenever the same version has room, which costs no module.
//!
//! Measured on the offers `credoffer create pre-authorized` writes: 376 bytes is version 13 at L
//! (69 modules) against 15 at M (77); 457 bytes with a transaction code is version 14 (73) against 17
//! (85). At L both still fit an 80-column terminal with the quiet zone; at M neither does.
//!
//! Longer URIs than [`COMFORTABLE_QR_BYTES`] still encode (up to [`MAX_QR_BYTES`]), but scan slowly
//! on real cameras, and an offer by reference (`credential_offer_uri`) serves better.

use std::fmt::Write as _;

use qrcodegen::{QrCodeEcc, QrSegment, Version};

use crate::error::{Error, ErrorKind, Result};
use crate::uri::COMFORTABLE_QR_BYTES;

/// The most bytes any QR code holds at level L (version 40, byte mode).
pub const MAX_QR_BYTES: usize = 2953;

/// Light modules around an SVG symbol, as ISO/IEC 18004 requires.
pub const SVG_QUIET_ZONE: usize = 4;

/// Light modules around a terminal symbol. Narrower than the standard four so that codes of common
/// offers still fit an 80-column terminal; phone cameras read it without trouble.
pub const TERMINAL_QUIET_ZONE: usize = 2;

/// Whether `uri` is longer than a QR code comfortably carries ([`COMFORTABLE_QR_BYTES`]); if so, an
/// offer by reference serves better.
///
/// ```
/// use credoffer::qr::qr_is_uncomfortable;
/// use credoffer::uri::COMFORTABLE_QR_BYTES;
///
/// assert!(!qr_is_uncomfortable("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo"));
/// assert!(qr_is_uncomfortable(&"a".repeat(COMFORTABLE_QR_BYTES + 1)));
/// ```
pub fn qr_is_uncomfortable(uri: &str) -> bool {
    uri.len() > COMFORTABLE_QR_BYTES
}

/// The error-correction level a [`QrCode`] ended up with (level L or higher; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QrErrorCorrection {
    /// About 7 % of the symbol recoverable (the level this crate asks for).
    Low,
    /// About 15 % recoverable (raised because the version had room).
    Medium,
    /// About 25 % recoverable (raised because the version had room).
    Quartile,
    /// About 30 % recoverable (raised because the version had room).
    High,
}

/// The terminal's background colour, which decides what the text blocks draw.
///
/// A QR code must show dark modules on a light ground. On a dark terminal the blocks (drawn in the light
/// text colour) are the *light* modules; on a light terminal they are the dark ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TerminalBackground {
    /// Light text on a dark background (most terminals).
    #[default]
    Dark,
    /// Dark text on a light background.
    Light,
}

/// An encoded QR symbol: a square of modules, ready to draw.
///
/// ```
/// use credoffer::qr::QrCode;
///
/// let code = QrCode::encode("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1")?;
/// assert_eq!(code.size(), 17 + 4 * code.version() as usize);
/// assert!(code.is_dark(0, 0)); // the corner of a finder pattern
/// assert!(!code.is_dark(7, 0)); // its separator
/// assert!(code.to_svg().starts_with("<svg"));
/// # Ok::<(), credoffer::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct QrCode {
    size: usize,
    version: u8,
    error_correction: QrErrorCorrection,
    /// Row-major, `true` for dark.
    modules: Vec<bool>,
}

impl std::fmt::Debug for QrCode {
    // The modules encode the URI, which may carry a pre-authorized code: show only the shape.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrCode")
            .field("version", &self.version)
            .field("size", &self.size)
            .field("error_correction", &self.error_correction)
            .finish_non_exhaustive()
    }
}

/// `text` (not empty) as one segment in the densest mode that holds it, as qrcodegen's `make_segments`
/// chooses: digits, the alphanumeric set (ISO/IEC 18004: digits, capitals and ` $%*+-./:`), or bytes. Told by
/// testing bytes: `make_segments` searches its set's text for each character, which links the standard
/// library's substring searcher (2 KB of WebAssembly) for one-byte needles.
fn densest_segment(text: &str) -> QrSegment {
    let (mut numeric, mut alphanumeric) = (true, true);
    for byte in text.bytes() {
        numeric &= byte.is_ascii_digit();
        alphanumeric &=
            matches!(byte, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':');
    }
    if numeric {
        QrSegment::make_numeric(text)
    } else if alphanumeric {
        QrSegment::make_alphanumeric(text)
    } else {
        QrSegment::make_bytes(text.as_bytes())
    }
}

impl QrCode {
    /// Encodes `text` in the smallest version at error-correction level L, raised to the highest level
    /// that version holds (see the module docs).
    ///
    /// Fails with [`ErrorKind::QrTooLong`] when the text does not fit version 40 ([`MAX_QR_BYTES`]).
    ///
    /// ```
    /// use credoffer::ErrorKind;
    /// use credoffer::qr::{QrCode, MAX_QR_BYTES};
    ///
    /// let err = QrCode::encode(&"x".repeat(MAX_QR_BYTES + 1)).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::QrTooLong);
    /// ```
    pub fn encode(text: &str) -> Result<QrCode> {
        // Checked before encoding: the encoder holds one bool per bit, so a huge input would allocate
        // eight times its size only to be refused.
        if text.len() > MAX_QR_BYTES {
            return Err(too_long(text.len()));
        }
        let segment;
        let segments = if text.is_empty() {
            &[][..]
        } else {
            segment = densest_segment(text);
            std::slice::from_ref(&segment)
        };
        let code = qrcodegen::QrCode::encode_segments_advanced(
            segments,
            QrCodeEcc::Low,
            Version::MIN,
            Version::MAX,
            None,
            true,
        )
        .map_err(|_| too_long(text.len()))?;
        let error_correction = match code.error_correction_level() {
            QrCodeEcc::High => QrErrorCorrection::High,
            QrCodeEcc::Quartile => QrErrorCorrection::Quartile,
            QrCodeEcc::Medium => QrErrorCorrection::Medium,
            QrCodeEcc::Low => QrErrorCorrection::Low,
        };
        let side = code.size();
        let mut modules = Vec::with_capacity(usize::try_from(side * side).unwrap_or(0));
        for y in 0..side {
            for x in 0..side {
                modules.push(code.get_module(x, y));
            }
        }
        Ok(QrCode {
            size: usize::try_from(side).unwrap_or(0),
            version: code.version().value(),
            error_correction,
            modules,
        })
    }

    /// Modules per side, without the quiet zone (21 for version 1, 177 for version 40).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The QR version, 1 to 40.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error-correction level of the symbol.
    pub fn error_correction(&self) -> QrErrorCorrection {
        self.error_correction
    }

    /// Whether the module at column `x`, row `y` is dark; anything outside the symbol (the quiet zone)
    /// is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size
            && y < self.size
            && y.checked_mul(self.size).and_then(|row| self.modules.get(row + x)).is_some_and(|&dark| dark)
    }

    /// Whether the module at (`x`, `y`) of the symbol drawn with `quiet_zone` light modules around it
    /// is dark.
    fn is_dark_with_margin(&self, x: usize, y: usize, quiet_zone: usize) -> bool {
        match (x.checked_sub(quiet_zone), y.checked_sub(quiet_zone)) {
            (Some(x), Some(y)) => self.is_dark(x, y),
            _ => false,
        }
    }

    /// The symbol as a standalone SVG document: one module per user unit, a white square with a
    /// [`SVG_QUIET_ZONE`] margin, and the dark modules as a single black path of horizontal runs.
    ///
    /// The SVG has a `viewBox` and no fixed size, so it scales to whatever box CSS gives it;
    /// `shape-rendering="crispEdges"` keeps modules sharp at any scale.
    ///
    /// ```
    /// let svg = credoffer::qr::QrCode::encode("https://issuer.example/o/1")?.to_svg();
    /// assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 33 33\""));
    /// assert!(svg.ends_with("</svg>\n"));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_svg(&self) -> String {
        let side = self.size + 2 * SVG_QUIET_ZONE;
        let mut svg = String::with_capacity(self.size * self.size * 6 + 256);
        // Writing to a String cannot fail; the results are ignored on that ground.
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
        );
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.is_dark(x, y) {
                    x += 1;
                }
                let _ =
                    write!(svg, "M{} {}h{}v1h-{}z", start + SVG_QUIET_ZONE, y + SVG_QUIET_ZONE, x - start, x - start);
            }
        }
        svg.push_str("\"/></svg>\n");
        svg
    }

    /// The symbol as text for a terminal: Unicode half blocks, two module rows per line, with a
    /// [`TERMINAL_QUIET_ZONE`] margin. Every line has the same width and ends with `\n`.
    ///
    /// ```
    /// use credoffer::qr::{QrCode, TerminalBackground, TERMINAL_QUIET_ZONE};
    ///
    /// let code = QrCode::encode("https://issuer.example/o/1")?;
    /// let text = code.to_terminal(TerminalBackground::Dark);
    /// let width = code.size() + 2 * TERMINAL_QUIET_ZONE;
    /// assert_eq!(text.lines().count(), width.div_ceil(2));
    /// assert!(text.lines().all(|line| line.chars().count() == width));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_terminal(&self, background: TerminalBackground) -> String {
        let side = self.size + 2 * TERMINAL_QUIET_ZONE;
        // The blocks are drawn in the text colour: on a dark background that colour is light.
        let block_when_dark = background == TerminalBackground::Light;
        let mut text = String::with_capacity(side.div_ceil(2) * (side * 3 + 1));
        for line in 0..side.div_ceil(2) {
            let (top_row, bottom_row) = (2 * line, 2 * line + 1);
            for x in 0..side {
                let top = self.is_dark_with_margin(x, top_row, TERMINAL_QUIET_ZONE) == block_when_dark;
                // Past the last row (odd sides) is terminal background, not a module.
                let bottom = bottom_row < side
                    && self.is_dark_with_margin(x, bottom_row, TERMINAL_QUIET_ZONE) == block_when_dark;
                text.push(match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            text.push('\n');
        }
        text
    }
}

/// Renders `text` (an offer URI) as an SVG document; see [`QrCode::to_svg`].
///
/// ```
/// let svg = credoffer::qr::render_qr_svg("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo")?;
/// assert!(svg.contains("<path"));
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn render_qr_svg(text: &str) -> Result<String> {
    Ok(QrCode::encode(text)?.to_svg())
}

/// Renders `text` (an offer URI) for a terminal; see [`QrCode::to_terminal`].
///
/// ```
/// use credoffer::qr::{render_qr_terminal, TerminalBackground};
///
/// let text = render_qr_terminal("https://issuer.example/o/1", TerminalBackground::Dark)?;
/// assert!(text.contains('█'));
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn render_qr_terminal(text: &str, background: TerminalBackground) -> Result<String> {
    Ok(QrCode::encode(text)?.to_terminal(background))
}

fn too_long(len: usize) -> Error {
    Error::new(
        ErrorKind::QrTooLong,
        format!(
            "{len} bytes do not fit a QR code (at most {MAX_QR_BYTES}); \
             make the offer by reference (credential_offer_uri)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BuildOptions, CredentialOffer};

    /// Pixels per module in the test rasters.
    const SCALE: usize = 4;

    /// Decodes a square greyscale raster of `side` modules, where `dark(x, y)` tells each module's colour.
    fn decode(side: usize, dark: impl Fn(usize, usize) -> bool) -> String {
        let pixels = side * SCALE;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
            if dark(x / SCALE, y / SCALE) { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "expected one QR code in the raster");
        let (_, content) = grids[0].decode().expect("the QR code decodes");
        content
    }

    /// Reads the module matrix back out of an SVG written by `to_svg` (its path of runs).
    fn svg_modules(svg: &str) -> (usize, Vec<bool>) {
        let side: usize = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let mut modules = vec![false; side * side];
        let path = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        for run in path.split('z').filter(|run| !run.is_empty()) {
            let (start, rest) = run.strip_prefix('M').unwrap().split_once('h').unwrap();
            let (x, y) = start.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let (len, back) = rest.split_once("v1h-").unwrap();
            assert_eq!(len, back, "each run closes on itself");
            for dx in 0..len.parse::<usize>().unwrap() {
                modules[y * side + x + dx] = true;
            }
        }
        (side, modules)
    }

    /// Reads the module matrix back out of a terminal rendering.
    fn terminal_modules(text: &str, background: TerminalBackground) -> (usize, Vec<bool>) {
        let lines: Vec<Vec<char>> = text.lines().map(|line| line.chars().collect()).collect();
        let side = lines[0].len();
        assert!(lines.iter().all(|line| line.len() == side));
        assert_eq!(lines.len(), side.div_ceil(2));
        let mut modules = vec![false; side * side];
        for (line, chars) in lines.iter().enumerate() {
            for (x, c) in chars.iter().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected character {other:?}"),
                };
                for (row, block) in [(2 * line, top), (2 * line + 1, bottom)] {
                    if row < side {
                        modules[row * side + x] = block == (background == TerminalBackground::Light);
                    }
                }
            }
        }
        (side, modules)
    }

    fn offer_uri(code_len: usize) -> String {
        let offer = CredentialOffer::builder("https://issuer.example.com")
            .credential_configuration_id("org.iso.18013.5.1.mDL")
            .pre_authorized_code("A".repeat(code_len))
            .build()
            .unwrap();
        offer.to_uri(&BuildOptions::default()).unwrap()
    }

    #[test]
    fn svg_decodes_to_the_exact_uri() {
        for uri in [offer_uri(43), offer_uri(600), "https://issuer.example/o/1".to_string()] {
            let code = QrCode::encode(&uri).unwrap();
            let (side, modules) = svg_modules(&code.to_svg());
            assert_eq!(side, code.size() + 2 * SVG_QUIET_ZONE);
            assert_eq!(decode(side, |x, y| modules[y * side + x]), uri);
        }
    }

    #[test]
    fn terminal_decodes_to_the_exact_uri_on_either_background() {
        let uri = offer_uri(43);
        for background in [TerminalBackground::Dark, TerminalBackground::Light] {
            let code = QrCode::encode(&uri).unwrap();
            let (side, modules) = terminal_modules(&code.to_terminal(background), background);
            assert_eq!(side, code.size() + 2 * TERMINAL_QUIET_ZONE);
            // The quiet zone is light.
            assert!((0..side).all(|i| !modules[i] && !modules[i * side]));
            assert_eq!(decode(side, |x, y| modules[y * side + x]), uri);
        }
    }

    #[test]
    fn quiet_zone_is_drawn_for_the_background() {
        let code = QrCode::encode("https://issuer.example/o/1").unwrap();
        let side = code.size() + 2 * TERMINAL_QUIET_ZONE;
        // The first line covers the two quiet rows: light modules, i.e. blocks on a dark terminal
        // and blank on a light one.
        let dark = code.to_terminal(TerminalBackground::Dark);
        assert_eq!(dark.lines().next().unwrap(), "█".repeat(side));
        let light = code.to_terminal(TerminalBackground::Light);
        assert_eq!(light.lines().next().unwrap(), " ".repeat(side));
        // Version 2 is 25 modules, 29 with the quiet zone: the last line holds one row, drawn as upper halves.
        assert_eq!(side, 29);
        assert_eq!(dark.lines().last().unwrap(), "▀".repeat(side));
        assert_eq!(light.lines().last().unwrap(), " ".repeat(side));
    }

    #[test]
    fn segments_are_chosen_as_the_encoder_chooses_them() {
        for text in ["", "0", "0123456789", "HTTPS://X.EX/A B$%*+-./:", "HTTPS://X.EX/a", "12A", "É", "1\u{e9}"] {
            let ours = QrCode::encode(text).unwrap();
            let reference = qrcodegen::QrCode::encode_text(text, QrCodeEcc::Low).unwrap();
            assert_eq!(ours.size() as i32, reference.size(), "{text:?}");
            for y in 0..ours.size() {
                for x in 0..ours.size() {
                    assert_eq!(ours.is_dark(x, y), reference.get_module(x as i32, y as i32), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn modules_match_the_encoder() {
        let uri = offer_uri(43);
        let code = QrCode::encode(&uri).unwrap();
        let reference = qrcodegen::QrCode::encode_text(&uri, QrCodeEcc::Low).unwrap();
        assert_eq!(code.size() as i32, reference.size());
        for y in 0..code.size() {
            for x in 0..code.size() {
                assert_eq!(code.is_dark(x, y), reference.get_module(x as i32, y as i32));
            }
        }
        assert!(!code.is_dark(code.size(), 0));
        assert!(!code.is_dark(0, usize::MAX));
    }

    #[test]
    fn level_is_l_raised_when_free_and_version_grows_with_length() {
        let level = |text: &str| {
            let code = QrCode::encode(text).unwrap();
            (code.version(), code.error_correction())
        };
        // Version 1 holds 17 bytes at L, 14 at M, 11 at Q, 7 at H; version 2 holds 32, 26, 20, 14.
        assert_eq!(level("https://x.ex/abc"), (1, QrErrorCorrection::Low));
        assert_eq!(level("https://x/"), (1, QrErrorCorrection::Quartile));
        assert_eq!(level("https:/"), (1, QrErrorCorrection::High));
        assert_eq!(level("https://issuer.example/o/1"), (2, QrErrorCorrection::Medium));
        assert_eq!(level("https://issuer.example/o/1234"), (2, QrErrorCorrection::Low));
        let long = QrCode::encode(&offer_uri(600)).unwrap();
        assert!(long.version() > 2);
        assert_eq!(long.size(), 17 + 4 * long.version() as usize);
        assert_eq!(level(&"a".repeat(COMFORTABLE_QR_BYTES)).0, 22);
    }

    #[test]
    fn the_module_docs_figures_hold() {
        // Offers of 376 and 457 bytes: versions 13 and 14 at L, 15 and 17 at M.
        for (len, at_l, at_m) in [(376, 13, 15), (457, 14, 17)] {
            let text = "a".repeat(len);
            assert_eq!(QrCode::encode(&text).unwrap().version(), at_l);
            let at_medium = qrcodegen::QrCode::encode_binary(text.as_bytes(), QrCodeEcc::Medium).unwrap();
            assert_eq!(at_medium.version().value(), at_m);
            // With the terminal's quiet zone: within 80 columns at L, beyond at M.
            let columns = |version: u8| 17 + 4 * usize::from(version) + 2 * TERMINAL_QUIET_ZONE;
            assert!(columns(at_l) <= 80 && columns(at_m) > 80);
        }
    }

    #[test]
    fn longest_fits_and_one_more_byte_is_qr_too_long() {
        let longest = "a".repeat(MAX_QR_BYTES);
        assert_eq!(QrCode::encode(&longest).unwrap().version(), 40);
        for text in ["a".repeat(MAX_QR_BYTES + 1), "é".repeat(MAX_QR_BYTES / 2 + 1), "a".repeat(10_000_000)] {
            let err = QrCode::encode(&text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::QrTooLong);
            assert!(err.message().contains("credential_offer_uri"));
            assert_eq!(render_qr_svg(&text).unwrap_err().kind(), ErrorKind::QrTooLong);
            assert_eq!(render_qr_terminal(&text, TerminalBackground::Dark).unwrap_err().kind(), ErrorKind::QrTooLong);
        }
    }

    #[test]
    fn comfort_follows_the_uri_rule() {
        assert!(!qr_is_uncomfortable(&"a".repeat(COMFORTABLE_QR_BYTES)));
        assert!(qr_is_uncomfortable(&"a".repeat(COMFORTABLE_QR_BYTES + 1)));
        assert!(!qr_is_uncomfortable(&offer_uri(43)));
        assert!(qr_is_uncomfortable(&offer_uri(1000)));
    }

    #[test]
    fn empty_text_encodes() {
        let code = QrCode::encode("").unwrap();
        assert_eq!(code.version(), 1);
        let (side, modules) = svg_modules(&code.to_svg());
        assert_eq!(decode(side, |x, y| modules[y * side + x]), "");
    }

    #[test]
    fn debug_shows_shape_not_content() {
        let code = QrCode::encode("openid-credential-offer://?secret").unwrap();
        let debug = format!("{code:?}");
        assert!(debug.contains("version") && !debug.contains("secret") && !debug.contains("true"));
    }
}
