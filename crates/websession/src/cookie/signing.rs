//! HMAC-SHA256 signatures over the cookie payload, with secret rotation.
//!
//! Wire layout of a signed value, before percent-encoding:
//!
//! ```text
//! <payload> "." <signature>
//! payload   = base64 of the JSON text (standard alphabet, padded)
//! signature = base64 of HMAC-SHA256(key = UTF-8 of the secret, message = payload),
//!             standard alphabet, trailing "=" removed (43 characters)
//! ```

use std::fmt;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

type HmacSha256 = Hmac<Sha256>;

/// Length of an HMAC-SHA256 tag in bytes.
const TAG_LEN: usize = 32;

/// The HMAC keys derived from a cookie's secrets, newest (signing) first.
///
/// The secrets themselves are not kept, and `Debug` shows only how many there are.
#[derive(Clone)]
pub(crate) struct Signer {
    keys: Vec<HmacSha256>,
}

impl Signer {
    /// Prepares one keyed HMAC state per secret, so that signing does not redo the key setup.
    pub(crate) fn new<S: AsRef<[u8]>>(secrets: &[S]) -> Self {
        let keys = secrets
            .iter()
            .map(|secret| {
                HmacSha256::new_from_slice(secret.as_ref())
                    .expect("HMAC accepts keys of any length")
            })
            .collect();
        Self { keys }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Appends `"." + signature` of `payload` with the newest secret to `out`.
    pub(crate) fn sign_into(&self, payload: &str, out: &mut String) {
        let Some(key) = self.keys.first() else {
            return;
        };

        // Step 1: HMAC-SHA256 of the payload text.
        let mut mac = key.clone();
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();

        // Step 2: the tag in unpadded standard base64, after a dot.
        out.push('.');
        STANDARD_NO_PAD.encode_string(tag, out);
    }

    /// Checks `signed` (`payload.signature`) against every secret in order and returns the
    /// payload and the index of the first secret that verifies it.
    ///
    /// The signature must be the exact text that signing produces: unpadded, canonical base64
    /// of 32 bytes. Tags are compared in constant time.
    pub(crate) fn verify<'a>(&self, signed: &'a str) -> Option<(&'a str, usize)> {
        let (payload, signature) = signed.rsplit_once('.')?;

        // Strict decoding: no padding, no stray bits, so each tag has exactly one text form.
        let mut tag = [0u8; TAG_LEN];
        let written = STANDARD_NO_PAD
            .decode_slice(signature, &mut tag)
            .ok()
            .filter(|written| *written == TAG_LEN)?;
        debug_assert_eq!(written, TAG_LEN);

        self.keys
            .iter()
            .position(|key| {
                let mut mac = key.clone();
                mac.update(payload.as_bytes());
                bool::from(mac.finalize().into_bytes().ct_eq(&tag))
            })
            .map(|index| (payload, index))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secrets", &format_args!("[{} redacted]", self.keys.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &str, payload: &str) -> String {
        let mut out = payload.to_owned();
        Signer::new(&[secret]).sign_into(payload, &mut out);
        out
    }

    #[test]
    fn signature_matches_known_value() {
        // Written by @remix-run/node 2.17.5 for {"user":"alice"} and the secret "s3cr3t".
        assert_eq!(
            signed("s3cr3t", "eyJ1c2VyIjoiYWxpY2UifQ=="),
            "eyJ1c2VyIjoiYWxpY2UifQ==.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS+f0tjIJPiXU"
        );
    }

    #[test]
    fn verify_reports_which_secret_matched() {
        let signer = Signer::new(&["new", "old"]);
        assert_eq!(signer.verify(&signed("new", "abc")), Some(("abc", 0)));
        assert_eq!(signer.verify(&signed("old", "abc")), Some(("abc", 1)));
        assert_eq!(signer.verify(&signed("retired", "abc")), None);
    }

    #[test]
    fn verify_rejects_non_canonical_signatures() {
        let signer = Signer::new(&["s3cr3t"]);
        let good = signed("s3cr3t", "abc");
        assert!(signer.verify(&good).is_some());
        assert_eq!(signer.verify(&format!("{good}=")), None, "padded");
        let last = good.chars().last().unwrap();
        let bumped = char::from_u32(last as u32 + 1).unwrap();
        let noncanonical = format!("{}{}", &good[..good.len() - 1], bumped);
        assert_eq!(signer.verify(&noncanonical), None, "changed spare bits");
        assert_eq!(signer.verify("abc."), None, "empty signature");
        assert_eq!(signer.verify("abc"), None, "no dot");
        assert_eq!(signer.verify(&good.replace('.', ". ")), None, "whitespace");
    }

    #[test]
    fn verify_rejects_each_altered_tag_byte() {
        let signer = Signer::new(&["new", "old"]);
        for secret in ["new", "old"] {
            let good = signed(secret, "abc");
            let (payload, signature) = good.rsplit_once('.').unwrap();
            let tag = STANDARD_NO_PAD.decode(signature).unwrap();
            for index in 0..TAG_LEN {
                let mut altered = tag.clone();
                altered[index] ^= 0x01;
                let text = format!("{payload}.{}", STANDARD_NO_PAD.encode(&altered));
                assert_eq!(signer.verify(&text), None, "secret {secret}, byte {index}");
            }
        }
    }

    #[test]
    fn short_signature_rejected_when_tag_ends_in_zero() {
        // The decoding buffer starts zeroed, so without the length check a signature of the
        // first 31 bytes would verify for every tag whose last byte is 0.
        let signer = Signer::new(&["s3cr3t"]);
        let (payload, tag) = (0..10_000)
            .map(|counter| format!("payload{counter}"))
            .find_map(|payload| {
                let mut mac = signer.keys[0].clone();
                mac.update(payload.as_bytes());
                let tag = mac.finalize().into_bytes();
                (tag[TAG_LEN - 1] == 0).then_some((payload, tag))
            })
            .expect("about one payload in 256 has a tag ending in a zero byte");
        let short = STANDARD_NO_PAD.encode(&tag[..TAG_LEN - 1]);
        assert_eq!(signer.verify(&format!("{payload}.{short}")), None);

        let full = STANDARD_NO_PAD.encode(tag);
        let signed = format!("{payload}.{full}");
        assert_eq!(signer.verify(&signed), Some((payload.as_str(), 0)));
    }

    #[test]
    fn verify_splits_at_last_dot() {
        // As `unsign` in the JavaScript libraries, which cuts at `lastIndexOf(".")`.
        let signer = Signer::new(&["s3cr3t"]);
        assert_eq!(signer.verify(&signed("s3cr3t", "a.b")), Some(("a.b", 0)));
    }

    #[test]
    fn debug_hides_secrets() {
        let text = format!("{:?}", Signer::new(&["hunter2-very-secret"]));
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("1 redacted"), "{text}");
    }
}
