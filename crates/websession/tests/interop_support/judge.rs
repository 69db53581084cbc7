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

/// Counts of outcomes for one implementation, with departures counted by rule name.
#[derive(Debug, Default)]
pub struct Tally {
    passed: usize,
    departed: BTreeMap<String, usize>,
    failed: usize,
}

impl Tally {
    pub fn record(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.record_pass(),
            Outcome::Departed(rule) => self.record_departure(rule.to_string()),
            Outcome::Failed(_) => self.record_failure(),
        }
    }

    pub fn record_pass(&mut self) {
        self.passed += 1;
    }

    pub fn record_departure(&mut self, rule: String) {
        *self.departed.entry(rule).or_default() += 1;
    }

    pub fn record_failure(&mut self) {
        self.failed += 1;
    }

    pub fn failed(&self) -> usize {
        self.failed
    }
}

/// Orders "rule 2" before "rule 10", and names without a rule number last.
fn rule_order(name: &str) -> (u32, &str) {
    let number = name
        .strip_prefix("rule ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|digits| digits.parse().ok());
    (number.unwrap_or(u32::MAX), name)
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let departed: usize = self.departed.values().sum();
        write!(f, "{} passed, {departed} departed", self.passed)?;
        if !self.departed.is_empty() {
            let mut rules: Vec<(&String, &usize)> = self.departed.iter().collect();
            rules.sort_by_key(|(name, _)| rule_order(name));
            let parts: Vec<String> = rules
                .iter()
                .map(|(rule, count)| format!("{rule}: {count}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        write!(f, ", {} failed", self.failed)
    }
}
