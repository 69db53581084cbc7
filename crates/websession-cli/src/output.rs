//! Writing to standard output and standard error, with colour only where it is wanted.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;
use crate::error::CliError;

/// Style of field labels in human output.
pub const LABEL: Style = Style::new().bold();
/// Style of a good result, such as a verified signature.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// Style of a bad result, such as a signature that is not valid.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Style of a caution, such as data that nothing has verified.
pub const CAUTION: Style = AnsiColor::Yellow.on_default().bold();

static STDOUT_COLOR: AtomicBool = AtomicBool::new(false);
static STDERR_COLOR: AtomicBool = AtomicBool::new(false);

/// Decides, once at start, whether standard output and standard error are coloured.
///
/// `auto` colours a stream only when it is a terminal and the `NO_COLOR` environment
/// variable is unset or empty.
pub fn set_color(when: ColorWhen) {
    let no_color = std::env::var_os("NO_COLOR");
    let decide = |is_terminal: bool| color_enabled(when, is_terminal, no_color.as_deref());
    STDOUT_COLOR.store(decide(io::stdout().is_terminal()), Ordering::Relaxed);
    STDERR_COLOR.store(decide(io::stderr().is_terminal()), Ordering::Relaxed);
}

/// Returns whether a stream is coloured, given `--color`, whether the stream is a terminal
/// and the value of `NO_COLOR`.
fn color_enabled(when: ColorWhen, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

/// Returns `text` in `style` for standard output, or unchanged when it is not coloured.
pub fn paint(style: Style, text: &str) -> String {
    paint_if(STDOUT_COLOR.load(Ordering::Relaxed), style, text)
}

fn paint_if(enabled: bool, style: Style, text: &str) -> String {
    if enabled {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// Returns `text` with control characters written as `\u` escapes, so that text from a
/// cookie cannot move the cursor or recolour a terminal.
///
/// JSON text from serde_json keeps its meaning: it already escapes U+0000 to U+001F, and
/// the other control characters can only occur inside its strings, where `\u` escapes are
/// valid.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        if character.is_control() && character != '\n' {
            let _ = write!(out, "\\u{:04x}", u32::from(character));
        } else {
            out.push(character);
        }
    }
    Cow::Owned(out)
}

/// Writes `text` to standard output.
///
/// # Errors
///
/// [`CliError::WriteStdout`] when the write fails, such as on a full disk. A closed pipe
/// (as with `| head`) is not an error, because the reader closed it on purpose.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    check_stdout_write(written)
}

/// Returns a failed write to standard output as [`CliError::WriteStdout`], except a closed
/// pipe.
pub fn check_stdout_write(result: io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(CliError::WriteStdout { source: error })
        }
        _ => Ok(()),
    }
}

/// Writes a one-line warning to standard error.
pub fn warn(message: &str) {
    write_stderr("warning:", CAUTION, message);
}

/// Writes a one-line error to standard error.
pub fn error(message: &str) {
    write_stderr("error:", BAD, message);
}

fn write_stderr(prefix: &str, style: Style, message: &str) {
    let prefix = paint_if(STDERR_COLOR.load(Ordering::Relaxed), style, prefix);
    let line = format!("{prefix} {}\n", printable(message));
    // A failed write to standard error has nowhere to be reported, and the exit status
    // still carries the result.
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_follows_terminal_and_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(color_enabled(ColorWhen::Auto, true, None));
        assert!(color_enabled(ColorWhen::Auto, true, empty));
        assert!(!color_enabled(ColorWhen::Auto, true, set));
        assert!(!color_enabled(ColorWhen::Auto, false, None));
        assert!(color_enabled(ColorWhen::Always, false, set));
        assert!(!color_enabled(ColorWhen::Never, true, None));
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(printable("plain é"), "plain é");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u001b[2Jb");
        assert_eq!(printable("\"\u{7f}\u{9b}\""), "\"\\u007f\\u009b\"");
        assert_eq!(printable("line\nnext"), "line\nnext");
    }

    #[test]
    fn paint_if_adds_codes_only_when_enabled() {
        assert_eq!(paint_if(false, GOOD, "ok"), "ok");
        let painted = paint_if(true, GOOD, "ok");
        assert!(painted.starts_with('\u{1b}'), "{painted:?}");
        assert!(painted.contains("ok"));
    }
}
