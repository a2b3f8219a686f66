//! How the command fails: one line with a stable code, or a JSON error object, and an exit status.

use std::borrow::Cow;
use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

/// Exit status: the input was refused.
pub const EXIT_REFUSED: u8 = 1;
/// Exit status: the command line is wrong (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: a file or standard input could not be read or written.
pub const EXIT_IO: u8 = 3;
/// Exit status: a bug (EX_SOFTWARE of sysexits.h).
pub const EXIT_INTERNAL: u8 = 70;

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// The engine refused the input.
    Refused(credoffer::Error),
    /// The input was fine but the outcome is a refusal that was already printed (a rejected redemption).
    AlreadyReported,
    /// An argument is malformed in a way clap cannot see (`--tx-code numeric:x`).
    Usage { message: String, field: String },
    /// Reading or writing failed.
    Io { what: String, error: io::Error },
}

impl From<credoffer::Error> for Failure {
    fn from(error: credoffer::Error) -> Self {
        Failure::Refused(error)
    }
}

impl Failure {
    pub fn io(what: impl Into<String>, error: io::Error) -> Self {
        Failure::Io { what: what.into(), error }
    }

    pub fn usage(message: impl Into<String>, field: impl Into<String>) -> Self {
        Failure::Usage { message: message.into(), field: field.into() }
    }

    fn status(&self) -> u8 {
        match self {
            Failure::Refused(_) | Failure::AlreadyReported => EXIT_REFUSED,
            Failure::Usage { .. } => EXIT_USAGE,
            Failure::Io { .. } => EXIT_IO,
        }
    }

    /// `(code, message, field)`, or `None` when already reported.
    fn parts(&self) -> Option<(&str, String, Option<&str>)> {
        match self {
            Failure::Refused(error) => Some((error.code(), message_with_details(error), error.field())),
            Failure::AlreadyReported => None,
            Failure::Usage { message, field } => Some(("usage", message.clone(), Some(field))),
            Failure::Io { what, error } => Some(("io", format!("{what}: {error}"), None)),
        }
    }
}

/// A validation error's message followed by every problem it gathered, on one line.
fn message_with_details(error: &credoffer::Error) -> String {
    let mut message = error.message().to_owned();
    if error.details().len() > 1 {
        let details: Vec<String> = error.details().iter().map(ToString::to_string).collect();
        message = format!("{message}: {}", details.join("; "));
    }
    message
}

/// Reports `failure` (JSON on standard output with `--json`, else one line on standard error) and
/// returns its exit status.
///
/// With `--json`, an engine error is `{"error": <the engine's error view>}`; the command's own failures
/// (`usage`, `io`) are not the engine's, so they keep their own small shape
/// `{"error": {"code", "message", "field"}}`, `field` being `null` when none applies.
pub fn exit(failure: &Failure, json: bool) -> ExitCode {
    if let Some((code, message, field)) = failure.parts() {
        if json {
            let view = match failure {
                Failure::Refused(error) => error.to_json(),
                _ => serde_json::to_string(&OwnFailureJson { code, message: &message, field })
                    .unwrap_or_else(|_| format!("{{\"code\":\"{code}\"}}")),
            };
            print_stdout(&format!("{{\"error\":{view}}}\n"));
        } else {
            eprintln!("{}", error_line(code, &message, field));
        }
    }
    ExitCode::from(failure.status())
}

/// The command's own failures as JSON, members in the order the help documents.
#[derive(Serialize)]
struct OwnFailureJson<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

/// `error[code]: message (field)`, on one line whatever the message holds.
pub fn error_line(code: &str, message: &str, field: Option<&str>) -> String {
    match field {
        Some(field) => format!("error[{code}]: {} ({})", shown(message), shown(field)),
        None => format!("error[{code}]: {}", shown(message)),
    }
}

/// `text` safe to print on a terminal: control characters (line breaks, escape sequences) and
/// bidirectional overrides, which an offer can carry in any string, are shown as `\u{…}` escapes so
/// they can neither forge lines nor drive the terminal.
pub fn shown(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars().map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

/// Reports a command line clap refused; help and version requests print normally and exit 0.
pub fn usage(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Help is the requested output; a help request without a command is still a usage error.
            print_stdout(&error.render().to_string());
            let status =
                if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand { EXIT_USAGE } else { 0 };
            ExitCode::from(status)
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered.lines().find(|line| !line.trim().is_empty()).unwrap_or("invalid command line");
            let message = first.trim_start_matches("error: ").trim();
            eprintln!("{} (see --help)", error_line("usage", message, None));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Writes to standard output; a closed pipe (`credoffer … | head -1`) is not an error worth a panic.
pub fn print_stdout(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Replaces Rust's panic report (several lines, maybe a backtrace) with one error line, and makes the
/// exit status 70.
pub fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("{}", error_line("internal", &format!("unexpected failure{location}; please report it"), None));
        std::process::exit(i32::from(EXIT_INTERNAL));
    }));
}
