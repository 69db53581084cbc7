//! A failed write to standard output ends the run with exit status 2 and a message, except
//! a closed pipe (as with `| head`), which is silent.

use std::process::{Command, Stdio};

/// A cookie signed with the secret "s3cr3t", as Remix 2 writes it.
const SIGNED: &str =
    "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

fn websession(arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_websession"));
    command
        .args(arguments)
        .env("WS_TEST_SECRETS", "s3cr3t")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    command
}

/// Returns the arguments of every command that prints to standard output, each with input
/// that succeeds.
fn printing_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["sign", "--secret-env", "WS_TEST_SECRETS", "{}"],
        vec!["sign", "--json", "--secret-env", "WS_TEST_SECRETS", "{}"],
        vec!["decode", SIGNED],
        vec!["decode", "--json", SIGNED],
        vec!["verify", "--secret-env", "WS_TEST_SECRETS", SIGNED],
        vec![
            "verify",
            "--json",
            "--secret-env",
            "WS_TEST_SECRETS",
            SIGNED,
        ],
        vec!["--help"],
        vec!["sign", "--help"],
        vec!["--version"],
    ]
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_reported_with_status_two() {
    for arguments in printing_commands() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full opens for writing");
        let output = websession(&arguments)
            .stdout(full)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to standard output: No space left on device"),
            "{arguments:?}: {stderr}"
        );
    }
}

#[test]
fn closed_pipe_is_silent() {
    for arguments in printing_commands() {
        let mut child = websession(&arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        // Closing the read end before the binary writes makes its write fail with EPIPE. If
        // the binary wins the race, the write fits in the pipe buffer and succeeds, which the
        // checks below accept as well.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{arguments:?}: {stderr}");
        assert_eq!(stderr, "", "{arguments:?}");
    }
}
