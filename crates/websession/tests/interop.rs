//! Runs the JavaScript interoperability vectors against the library.
//!
//! Every `*.json` vector file in the shared vectors directory (and in `INTEROP_VECTORS_DIR`,
//! when set) is run for the kinds this test covers: `cookie.serialize`, `cookie.parse`,
//! `cookie.props` and `session.cookie`. Each case passes, departs from the JavaScript result
//! by one of the documented compatibility rules (decided from the input and the JavaScript
//! result), or fails. The test prints one summary line per implementation and fails when any
//! case fails.
//!
//! It runs without the libtest harness so that the summary lines always show, also without
//! `--nocapture`. Like libtest, it runs only when no name filter is given or a filter matches
//! its name.

mod interop_support;

use interop_support::judge::{Outcome, Tally};
use interop_support::{cases, load_vector_files};

const KINDS: [&str; 4] = [
    "cookie.serialize",
    "cookie.parse",
    "cookie.props",
    "session.cookie",
];

fn main() {
    interop_support::run_unharnessed(
        "interop_vectors_pass_or_depart_by_rule",
        interop_vectors_pass_or_depart_by_rule,
    );
}

fn interop_vectors_pass_or_depart_by_rule() {
    let files = load_vector_files();
    assert!(!files.is_empty(), "no vector files found");

    let mut failures = Vec::new();
    for (path, vectors) in &files {
        let mut tallies: std::collections::BTreeMap<String, Tally> = Default::default();
        for vector in vectors {
            let kind = vector["kind"].as_str().unwrap_or_default();
            if !KINDS.contains(&kind) {
                continue;
            }
            let implementation = vector["impl"].as_str().unwrap_or("unknown").to_owned();
            let outcome = cases::run(vector);
            if let (Outcome::Departed(rule), true) =
                (&outcome, std::env::var_os("INTEROP_VERBOSE").is_some())
            {
                println!("  [{implementation}] {} departed by {rule}", vector["id"]);
            }
            if let Outcome::Failed(reason) = &outcome {
                failures.push(format!(
                    "{} [{implementation}] {}: {reason}",
                    path.display(),
                    vector["id"].as_str().unwrap_or("?")
                ));
            }
            tallies.entry(implementation).or_default().record(&outcome);
        }
        for (implementation, tally) in &tallies {
            println!("interop {implementation} ({}): {tally}", path.display());
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
