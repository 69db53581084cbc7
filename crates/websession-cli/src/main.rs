//! `websession`: inspect, verify and sign session cookies of websession, Remix 2,
//! React Router 7 and solid-start 0.2 from the command line.
//!
//! Exit status: 0 on success, 1 when `verify` finds the cookie not valid, 2 on a usage error,
//! bad input or a failed write to standard output, with a one-line message on standard
//! error.
#![forbid(unsafe_code)]

mod cli;
mod error;
mod input;
mod inspect;
mod nesting;
mod output;
mod report;
mod secrets;
mod sign;

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command, InputArgs};
use crate::error::CliError;
use crate::report::Report;
use crate::secrets::Secret;

/// Exit status of `verify` when the cookie is not valid.
const EXIT_NOT_VALID: u8 = 1;
/// Exit status of a usage error, bad input or a failed write, the same as clap's for a bad
/// argument.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => return print_clap_output(&error),
    };
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    output::set_color(cli.color);

    // Secrets are ordered by their position on the command line, which only the matches of
    // the subcommand record.
    let command_matches = matches
        .subcommand()
        .map_or(&matches, |(_, command_matches)| command_matches);
    match run(&cli.command, command_matches) {
        Ok(status) => status,
        Err(error) => {
            output::error(&error.to_string());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Prints clap's help, version or usage error, and returns its exit status, or
/// [`EXIT_USAGE`] when help or version cannot be written to standard output.
fn print_clap_output(error: &clap::Error) -> ExitCode {
    let printed = error.print();
    if !error.use_stderr() {
        if let Err(write_error) = output::check_stdout_write(printed) {
            output::error(&write_error.to_string());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    // clap's exit codes are 0 and 2, which fit in a u8.
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE))
}

fn run(command: &Command, matches: &ArgMatches) -> Result<ExitCode, CliError> {
    match command {
        Command::Decode(args) => {
            let secrets = secrets::load(&args.secrets, matches)?;
            let report = load_report(&args.input, &secrets)?;
            output::print(&inspect::decode_text(&report, args.json))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => {
            let secrets = secrets::load(&args.secrets, matches)?;
            if secrets.is_empty() {
                return Err(CliError::NoSecrets);
            }
            let report = load_report(&args.input, &secrets)?;
            output::print(&inspect::verify_text(&report, args.json))?;
            Ok(if report.is_verified() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_NOT_VALID)
            })
        }
        Command::Sign(args) => {
            let secrets = secrets::load(&args.secrets, matches)?;
            let data = input::read_argument(args.data.as_deref(), "JSON data")?;
            output::print(&sign::run(args, &data, &secrets)?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_report(input_args: &InputArgs, secrets: &[Secret]) -> Result<Report, CliError> {
    let text = input::read_cookie_argument(input_args.cookie.as_deref())?;
    let found = input::find_cookie(&text, input_args)?;
    Report::new(found, secrets, input_args.encoding.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
