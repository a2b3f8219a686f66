//! Reading arguments, standard input and files; writing files; the clock.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::failure::Failure;

/// The most read from standard input or a file. The engine's own limits are far smaller; this only
/// keeps a mistaken `credoffer parse - < big.iso` from filling memory.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The text of `argument`, or standard input when it is `-`. One trailing line break is dropped
/// (`echo "$URI" | credoffer parse -`), nothing else.
pub fn argument_or_stdin(argument: &str) -> Result<String, Failure> {
    if argument != "-" {
        return Ok(argument.to_owned());
    }
    let mut text = read_bounded(io::stdin().lock(), "standard input")?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// The UTF-8 text of a file.
pub fn read_file(path: &Path) -> Result<String, Failure> {
    let what = format!("cannot read {}", path.display());
    let file = fs::File::open(path).map_err(|e| Failure::io(&what, e))?;
    read_bounded(file, &what)
}

fn read_bounded(reader: impl Read, what: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Failure::io(what, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        let error = io::Error::new(io::ErrorKind::InvalidData, format!("larger than {MAX_INPUT_BYTES} bytes"));
        return Err(Failure::io(what, error));
    }
    String::from_utf8(bytes).map_err(|_| Failure::io(what, io::Error::new(io::ErrorKind::InvalidData, "not UTF-8")))
}

/// Writes `text` to `path`, replacing it.
pub fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    fs::write(path, text).map_err(|e| Failure::io(format!("cannot write {}", path.display()), e))
}

/// `--now`, or the system clock in Unix seconds.
pub fn now(explicit: Option<u64>) -> u64 {
    explicit.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs()))
}
