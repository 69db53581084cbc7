//! ECMAScript `Number::toString` for finite doubles.
//!
//! Written by hand because Rust's and `serde_json`'s float formats differ from JavaScript's
//! (`1e21` against `1e+21`, `100.0` against `100`), and the text is signed, so every byte
//! counts.

use std::fmt::Write;

/// Integers of at most this magnitude are exact in a double and print as plain digits.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Appends the ECMAScript text of `value` to `out`; non-finite values become `null`, as in
/// `JSON.stringify`.
pub(crate) fn write_number(out: &mut String, value: f64) {
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    if value == 0.0 {
        // Covers -0, which JavaScript prints as "0".
        out.push('0');
        return;
    }
    if value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER {
        // Exact integer: the fast path for the numbers sessions usually hold.
        let _ = write!(out, "{}", value as i64);
        return;
    }
    write_shortest(out, value);
}

/// Formats through the shortest round-trip digits that Rust's `{:e}` yields, then lays them
/// out by the ECMAScript rules (ECMA-262, Number::toString, steps for radix 10).
fn write_shortest(out: &mut String, value: f64) {
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output always contains an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // The value is 0.d1d2...dk × 10^n in ECMAScript's notation.
    let n = exponent + 1;

    if value < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat('0').take((n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat('0').take((-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(value: f64) -> String {
        let mut out = String::new();
        write_number(&mut out, value);
        out
    }

    #[test]
    fn integers_print_without_fraction() {
        assert_eq!(js(0.0), "0");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(42.0), "42");
        assert_eq!(js(-7.0), "-7");
        assert_eq!(js(100.0), "100");
        assert_eq!(js(9_007_199_254_740_991.0), "9007199254740991");
    }

    #[test]
    fn large_numbers_switch_to_exponent_after_21_digits() {
        assert_eq!(js(1e20), "100000000000000000000");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e300), "1.5e+300");
        assert_eq!(js(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(js(12345678901234567890.0), "12345678901234567000");
    }

    #[test]
    fn fractions_follow_ecmascript_layout() {
        assert_eq!(js(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js(1.5), "1.5");
        assert_eq!(js(-1.5), "-1.5");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(1e-7), "1e-7");
        assert_eq!(js(1.25e-7), "1.25e-7");
        assert_eq!(js(123.456), "123.456");
        assert_eq!(js(5e-324), "5e-324");
    }

    #[test]
    fn non_finite_values_become_null() {
        assert_eq!(js(f64::NAN), "null");
        assert_eq!(js(f64::INFINITY), "null");
        assert_eq!(js(f64::NEG_INFINITY), "null");
    }
}
