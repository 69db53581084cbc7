//! Fuzzes the `Cookie` request-header parser through `Cookie::parse_fields` and
//! `Cookie::parse_headers`.
//!
//! The input is split on `\n` into header fields. Checks beyond "no panic": several fields
//! read exactly as the same fields joined with `"; "` into one header, and a `HeaderMap`
//! carrying the fields reads the same as the raw bytes.

#![no_main]

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use websession_fuzz::reading_cookies;

fuzz_target!(|data: &[u8]| {
    let fields: Vec<&[u8]> = data.split(|&byte| byte == b'\n').collect();
    let joined = fields.join(&b"; "[..]);

    let mut headers = HeaderMap::new();
    let mut all_fields_valid = true;
    for field in &fields {
        match HeaderValue::from_bytes(field) {
            Ok(value) => {
                headers.append(COOKIE, value);
            }
            Err(_) => all_fields_valid = false,
        }
    }

    for cookie in reading_cookies() {
        let separate = cookie.parse_fields(fields.iter().copied());
        let together = cookie.parse_fields([joined.as_slice()]);
        assert_eq!(separate, together, "fields and joined header differ");

        let from_map = cookie.parse_headers(&headers);
        if all_fields_valid {
            assert_eq!(separate, from_map, "HeaderMap and raw fields differ");
        }
    }
});
