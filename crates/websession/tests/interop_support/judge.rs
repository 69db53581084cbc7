//! Outcomes of vector cases and their tally.

use std::collections::BTreeMap;
use std::fmt;

/// The compatibility rules a case can depart by: the numbered rules, and the configuration
/// note that UTF-8 reading falls back to Latin-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    Numbered(u8),
    Latin1Fallback,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Numbered(number) => write!(f, "rule {number}"),
            Rule::Latin1Fallback => f.write_str("latin-1 fallback"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Departed(Rule),
    Failed(String),
}

/// Counts of outcomes for one implementation.
#[derive(Debug, Default)]
pub struct Tally {
    passed: usize,
    departed: BTreeMap<Rule, usize>,
    failed: usize,
}

impl Tally {
    pub fn record(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Departed(rule) => *self.departed.entry(*rule).or_default() += 1,
            Outcome::Failed(_) => self.failed += 1,
        }
    }

    pub fn failed(&self) -> usize {
        self.failed
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let departed: usize = self.departed.values().sum();
        write!(f, "{} passed, {departed} departed", self.passed)?;
        if !self.departed.is_empty() {
            let parts: Vec<String> = self
                .departed
                .iter()
                .map(|(rule, count)| format!("{rule}: {count}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        write!(f, ", {} failed", self.failed)
    }
}
