//! ECMAScript `Number::toString` for finite doubles.
//!
//! Written by hand because Rust's and `serde_json`'s float formats differ from JavaScript's
//! (`1e21` against `1e+21`, `100.0` against `100`), and the text is signed, so every byte
//! counts.

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
        out.push_str(itoa::Buffer::new().format(value as i64));
        return;
    }
    write_shortest(out, value);
}

/// Formats through the shortest round-trip digits that `zmij` yields, then lays them out by
/// the ECMAScript rules (ECMA-262, Number::toString, steps for radix 10).
///
/// When two shortest texts are equally close to the value, V8 and `zmij` both pick the even
/// last digit; Rust's `{:e}` does not, so it cannot serve here.
fn write_shortest(out: &mut String, value: f64) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(value.abs());
    let (digits, n) = split_digits(text);
    write_layout(out, value < 0.0, digits.as_str(), n);
}

/// The significant digits of a non-negative decimal text such as `zmij` writes (`19.5`,
/// `0.0001`, `1.5e-07`, `1e+21`), without leading or trailing zeros, and the exponent `n` for
/// which the value is `0.d1d2…dk × 10^n`.
fn split_digits(text: &str) -> (Digits, i32) {
    let (mantissa, exponent) = match text.split_once('e') {
        Some((mantissa, exponent)) => (
            mantissa,
            exponent
                .parse()
                .expect("zmij writes the exponent as an integer"),
        ),
        None => (text, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));

    let mut digits = Digits::default();
    let mut n = integer.len() as i32 + exponent;
    for &byte in integer.as_bytes().iter().chain(fraction.as_bytes()) {
        if digits.len == 0 && byte == b'0' {
            // A leading zero moves the first significant digit one place right.
            n -= 1;
            continue;
        }
        digits.push(byte);
    }
    while digits.len > 0 && digits.bytes[digits.len - 1] == b'0' {
        digits.len -= 1;
    }
    (digits, n)
}

/// Up to 17 significant decimal digits (the most a double needs), kept on the stack.
#[derive(Default)]
struct Digits {
    bytes: [u8; 32],
    len: usize,
}

impl Digits {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("digits are ASCII")
    }
}

/// Writes the number `0.digits × 10^n` by the ECMAScript layout rules.
fn write_layout(out: &mut String, negative: bool, digits: &str, n: i32) {
    let k = digits.len() as i32;
    if negative {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        out.push_str(if e < 0 { "e-" } else { "e+" });
        out.push_str(itoa::Buffer::new().format(e.unsigned_abs()));
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
    fn integers_beyond_safe_range_print_without_fraction() {
        // `zmij` writes these with a trailing `.0`, which JavaScript does not print.
        assert_eq!(js(9_007_199_254_740_992.0), "9007199254740992");
        assert_eq!(js(9_007_199_254_740_994.0), "9007199254740994");
        assert_eq!(js(-9_007_199_254_740_994.0), "-9007199254740994");
        assert_eq!(js(9_999_999_999_999_998.0), "9999999999999998");
        assert_eq!(js(1e16), "10000000000000000");
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
    fn digits_match_node_for_random_doubles() {
        // Each line: the bits of a double and `String(x)` for it, as Node 20 (V8) writes.
        // Many values between 2^50 and 2^53 sit exactly halfway between two shortest
        // texts; V8 then picks the even last digit, and Rust's `{:e}` does not.
        let vectors = include_str!("number_vectors.txt");
        let mut checked = 0;
        for line in vectors.lines().filter(|line| !line.starts_with('#')) {
            let (bits, expected) = line.split_once(' ').expect("line is `bits text`");
            let bits = u64::from_str_radix(bits, 16).expect("bits are hex");
            assert_eq!(js(f64::from_bits(bits)), expected, "bits {bits:016x}");
            checked += 1;
        }
        assert_eq!(checked, 4500);
    }

    #[test]
    fn halfway_digit_is_even_as_in_javascript() {
        // Exactly halfway between …108.2 and …108.3: the spacing of doubles there is 0.25.
        let halfway = 1_166_484_069_943_108.0 + 0.25;
        assert_eq!(js(halfway), "1166484069943108.2");
        assert_eq!(js(-halfway), "-1166484069943108.2");
    }

    #[test]
    fn non_finite_values_become_null() {
        assert_eq!(js(f64::NAN), "null");
        assert_eq!(js(f64::INFINITY), "null");
        assert_eq!(js(f64::NEG_INFINITY), "null");
    }
}
