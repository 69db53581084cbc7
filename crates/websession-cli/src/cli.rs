//! Command-line arguments of the websession tool.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::secrets::SecretText;

/// Inspect, verify and sign session cookies of websession, Remix 2, React Router 7 and
/// solid-start 0.2.
///
/// Exit status: 0 on success, 1 when verify finds the cookie not valid, 2 on a usage
/// error, bad input or a failed write to standard output.
#[derive(Parser)]
#[command(name = "websession", version, propagate_version = true)]
pub struct Cli {
    /// When to colour human output: auto colours only on a terminal, and not when the
    /// NO_COLOR environment variable is set.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Numbering of secrets, shown after the options of each command.
const SECRETS_HELP: &str = "Secrets are numbered from 1 in the order their options appear on the \
command line. Secret 1 signs; every secret verifies, so older secrets can stay after a new one \
during a rotation. Secrets are never printed.";

/// The commands of the tool.
#[derive(Subcommand)]
pub enum Command {
    /// Show a cookie's name, attributes, payload and signature status.
    ///
    /// The payload is decoded even without secrets, labelled as unverified: anyone holding a
    /// cookie can read it, because it is base64 of JSON, not encrypted.
    #[command(after_help = SECRETS_HELP, visible_alias = "inspect")]
    Decode(DecodeArgs),
    /// Check a cookie's signature and print one line saying whether it is valid.
    ///
    /// Exit status 0 when one of the secrets verifies the cookie, 1 when none does (or the
    /// cookie is unsigned or empty), 2 on a usage error, bad input or a failed write to
    /// standard output.
    #[command(after_help = SECRETS_HELP)]
    Verify(VerifyArgs),
    /// Build a Set-Cookie value from JSON data, for use with curl and in tests.
    #[command(after_help = SECRETS_HELP)]
    Sign(SignArgs),
}

/// Arguments of decode.
#[derive(Args)]
pub struct DecodeArgs {
    /// The cookie and how to read it.
    #[command(flatten)]
    pub input: InputArgs,

    /// Secrets to check the signature with.
    #[command(flatten)]
    pub secrets: SecretArgs,

    /// Print one line of JSON instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of verify.
#[derive(Args)]
pub struct VerifyArgs {
    /// The cookie and how to read it.
    #[command(flatten)]
    pub input: InputArgs,

    /// Secrets to check the signature with; at least one is required.
    #[command(flatten)]
    pub secrets: SecretArgs,

    /// Print one line of JSON instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// The cookie to read, shared by decode and verify.
#[derive(Args)]
pub struct InputArgs {
    /// The cookie: a Cookie header, a Set-Cookie header, a name=value pair or a bare
    /// value. A leading Cookie: or Set-Cookie: header name is allowed. Omitted or -:
    /// read it from standard input.
    #[arg(value_name = "COOKIE")]
    pub cookie: Option<String>,

    /// Name of the cookie to pick from a Cookie header that carries several. Required then;
    /// with a Set-Cookie header it must match the name set there.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Kind of COOKIE. auto follows a leading Cookie: or Set-Cookie: header name. Without
    /// one, it reads a bare value when --name is not given and COOKIE has only base64
    /// characters, %, . and padding =. It reads a Set-Cookie header when a known attribute
    /// such as Path follows the first pair before any other name=value pair, and --name
    /// names none of the later pairs. Otherwise it reads a Cookie header.
    #[arg(long, value_enum, default_value_t = InputType::Auto, value_name = "TYPE")]
    pub input_type: InputType,

    /// Text encoding of the JSON inside the payload. utf8 (Remix, React Router) reads
    /// bytes that are not UTF-8 as Latin-1, so solid-start cookies decode too. latin1
    /// reads every byte as one character, as solid-start 0.2 does.
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,
}

/// Where secrets come from, shared by every command.
///
/// Secrets are taken in the order the options appear on the command line. The first one is
/// the signing secret, and the others only verify, such as older secrets kept during a
/// rotation.
#[derive(Args)]
pub struct SecretArgs {
    /// Read secrets from the environment variable NAME: one secret, or several separated by
    /// commas. Repeatable.
    #[arg(long = "secret-env", value_name = "NAME")]
    pub secret_env: Vec<String>,

    /// Read secrets from the file PATH, one secret per line. Empty lines and lines of only
    /// whitespace are skipped, and other lines are used as written, spaces included. CRLF
    /// line endings and a leading UTF-8 byte order mark are accepted. Repeatable.
    #[arg(long = "secret-file", value_name = "PATH")]
    pub secret_file: Vec<PathBuf>,

    /// Use VALUE as a secret. Other users of the machine can read command lines, so this
    /// prints a warning; prefer --secret-env or --secret-file. Repeatable.
    // A value that starts with '-' is the secret, because clap would otherwise read it as an
    // option and quote it in its error message.
    #[arg(long = "secret", value_name = "VALUE", allow_hyphen_values = true)]
    pub secret_value: Vec<SecretText>,
}

/// Arguments of sign.
#[derive(Args)]
pub struct SignArgs {
    /// The data to store, as JSON text, for example '{"user":"alice"}'. Omitted or -:
    /// read it from standard input. The JSON string "" writes an empty, unsigned value.
    /// Numbers are stored as JavaScript numbers (64-bit floating point), so integers
    /// beyond 2^53 lose precision: 12345678901234567890 is written as 12345678901234567000,
    /// and 1.0 as 1.
    #[arg(value_name = "JSON")]
    pub data: Option<String>,

    /// Cookie name; it must be an RFC 7230 token.
    #[arg(long, default_value = "__session", value_name = "NAME")]
    pub name: String,

    /// Path attribute; an empty string writes no Path.
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub path: String,

    /// Domain attribute, a host name such as example.com. Default: none.
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// Max-Age attribute in seconds. Zero or a negative number makes the browser delete the
    /// cookie. Default: none, so the cookie lasts until the browser closes.
    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        value_parser = parse_whole_seconds
    )]
    pub max_age: Option<i64>,

    /// Expires attribute: an HTTP date such as "Wed, 15 Nov 2023 22:13:20 GMT", or Unix
    /// time in seconds such as 1700086400. Default: none.
    #[arg(long, value_name = "TIME")]
    pub expires: Option<String>,

    /// Write the HttpOnly attribute, which hides the cookie from JavaScript in the page.
    #[arg(long)]
    pub http_only: bool,

    /// Write the Secure attribute, which limits the cookie to HTTPS.
    #[arg(long)]
    pub secure: bool,

    /// SameSite attribute. none writes SameSite=None and requires --secure. omit writes no
    /// SameSite attribute at all, as solid-start 0.2 does by default.
    #[arg(long, value_enum, default_value_t = SameSiteChoice::Lax, value_name = "POLICY")]
    pub same_site: SameSiteChoice,

    /// Priority attribute (Chromium only). Default: none.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub priority: Option<PriorityChoice>,

    /// Write the Partitioned attribute (CHIPS); browsers require --secure with it.
    #[arg(long)]
    pub partitioned: bool,

    /// Text encoding of the JSON inside the payload: utf8 as Remix and React Router write
    /// it, or latin1 as solid-start 0.2 writes it.
    #[arg(long, value_enum, default_value_t = SignEncoding::Utf8)]
    pub encoding: SignEncoding,

    /// Output form: set-cookie, the full Set-Cookie value with attributes, or
    /// cookie, only the name=value pair that a Cookie request header (curl -b) takes.
    #[arg(long = "as", value_enum, default_value_t = SignOutput::SetCookie, value_name = "FORM")]
    pub output: SignOutput,

    /// Secrets to sign with; the first one signs. Without secrets the cookie is unsigned.
    #[command(flatten)]
    pub secrets: SecretArgs,

    /// Print one line of JSON instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour only on a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Kind of the cookie argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputType {
    /// Decide from the text.
    Auto,
    /// A Cookie request header or a single name=value pair.
    Cookie,
    /// A Set-Cookie response header.
    SetCookie,
    /// A bare cookie value, without name.
    Value,
}

/// Text encoding of the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// UTF-8, with a Latin-1 fallback when reading.
    Utf8,
    /// Latin-1, one byte a character.
    Latin1,
}

/// Text encoding of the payload that sign writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SignEncoding {
    /// UTF-8, as Remix and React Router write it.
    Utf8,
    /// Latin-1, one byte a character, as solid-start 0.2 writes it. Data with characters
    /// above U+00FF is rejected, except U+FFFD, which is written as the escape `\ufffd`.
    Latin1,
}

/// SameSite policy of a signed cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SameSiteChoice {
    /// SameSite=Strict.
    Strict,
    /// SameSite=Lax.
    Lax,
    /// SameSite=None.
    None,
    /// No SameSite attribute.
    Omit,
}

/// Priority of a signed cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PriorityChoice {
    /// Priority=Low.
    Low,
    /// Priority=Medium.
    Medium,
    /// Priority=High.
    High,
}

/// Output form of sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SignOutput {
    /// The Set-Cookie header value.
    SetCookie,
    /// The name=value pair for a Cookie request header.
    Cookie,
}

impl From<Encoding> for websession::PayloadEncoding {
    fn from(encoding: Encoding) -> Self {
        match encoding {
            Encoding::Utf8 => websession::PayloadEncoding::Utf8,
            Encoding::Latin1 => websession::PayloadEncoding::Latin1,
        }
    }
}

impl From<SignEncoding> for websession::PayloadEncoding {
    fn from(encoding: SignEncoding) -> Self {
        match encoding {
            SignEncoding::Utf8 => websession::PayloadEncoding::Utf8,
            SignEncoding::Latin1 => websession::PayloadEncoding::Latin1,
        }
    }
}

impl From<PriorityChoice> for websession::Priority {
    fn from(priority: PriorityChoice) -> Self {
        match priority {
            PriorityChoice::Low => websession::Priority::Low,
            PriorityChoice::Medium => websession::Priority::Medium,
            PriorityChoice::High => websession::Priority::High,
        }
    }
}

/// Parses a `--max-age` value. Its error message names surrounding whitespace or gives the
/// accepted range.
fn parse_whole_seconds(text: &str) -> Result<i64, String> {
    if text.trim() != text {
        return Err("remove the whitespace around the number".to_owned());
    }
    text.parse().map_err(|_| {
        format!(
            "expected whole seconds between {} and {}, such as 3600 for an hour",
            i64::MIN,
            i64::MAX
        )
    })
}
