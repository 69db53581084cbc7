//! Named cookies: parsing request headers, signing, and writing `Set-Cookie`.

mod attributes;
mod builder;
mod codec;
mod header;
mod inspect;
mod payload;
mod set_cookie;
mod signing;
mod validate;

pub use attributes::{CookieOptions, Priority, SameSite, UnknownAttributeValue};
pub use builder::CookieBuilder;
#[allow(unused_imports)]
pub(crate) use codec::expiry_of;
pub use codec::{Cookie, ParsedCookie, SerializeError, Signature};
pub(crate) use codec::{CookieText, PayloadText};
pub use header::MAX_COOKIE_NAME_VALUE_LEN;
pub use inspect::{inspect_value, InspectedValue};
pub use payload::{EncodeError, PayloadEncoding};
pub use validate::ConfigError;
