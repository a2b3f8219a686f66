//! `credoffer qr`: render a URI as a QR code.

use std::path::PathBuf;

use clap::Args;
use credoffer::qr::{QrCode, TerminalBackground, qr_is_uncomfortable};
use credoffer::uri::COMFORTABLE_QR_BYTES;

use crate::failure::print_stdout;
use crate::{Outcome, input};

#[derive(Debug, Args)]
pub struct QrArgs {
    /// The text to encode, normally an offer URI; `-` reads standard input
    #[arg(value_name = "URI | -")]
    input: String,
    /// Write an SVG document to FILE instead of drawing in the terminal (`-` for standard output)
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    svg: Option<PathBuf>,
    /// Draw for dark text on a light background
    #[arg(long)]
    light_terminal: bool,
}

pub fn run(args: &QrArgs) -> Outcome {
    let text = input::argument_or_stdin(&args.input)?;
    let code = QrCode::encode(&text)?;
    match &args.svg {
        Some(path) if path.as_os_str() == "-" => print_stdout(&code.to_svg()),
        Some(path) => {
            input::write_file(path, &code.to_svg())?;
            eprintln!("wrote {}: {}", path.display(), describe(&code));
        }
        None => print_stdout(&code.to_terminal(background(args.light_terminal))),
    }
    if qr_is_uncomfortable(&text) {
        eprintln!("{}", too_long_note(text.len()));
    }
    Ok(())
}

pub fn background(light_terminal: bool) -> TerminalBackground {
    if light_terminal { TerminalBackground::Light } else { TerminalBackground::Dark }
}

/// `version 7, 45×45 modules, error correction Medium`.
pub fn describe(code: &QrCode) -> String {
    format!(
        "version {}, {}×{} modules, error correction {:?}",
        code.version(),
        code.size(),
        code.size(),
        code.error_correction()
    )
}

pub fn too_long_note(len: usize) -> String {
    format!(
        "note: {len} bytes is more than a QR code carries comfortably ({COMFORTABLE_QR_BYTES}); \
         cameras will be slow to read it — an offer by reference (credential_offer_uri) serves better"
    )
}
