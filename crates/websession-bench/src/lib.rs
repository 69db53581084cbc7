//! Benchmark support for `websession`: the benchmark inputs, the plainest implementation of the
//! same wire format (the floor), and the `cookie` crate's signed jar (the Rust peer).
//!
//! The criterion benchmarks in `benches/` time three implementations of the same work on the
//! same data:
//!
//! - [`Ours`]: `websession`'s [`CookieSessionStorage`](websession::CookieSessionStorage);
//! - [`Floor`]: the same bytes on the wire, written as plainly as possible;
//! - [`Peer`]: the `cookie` crate's signed jar, as axum-extra and actix-session use it.
//!
//! [`assert_floor_matches_ours`] checks that the floor and `websession` write and read the same
//! bytes, so the floor is a fair lower bound. The benchmarks call it before timing.
//!
//! # Example
//!
//! ```
//! use websession_bench::{assert_floor_matches_ours, Fixture, Floor, Ours};
//!
//! let fixture = Fixture::load();
//! assert_floor_matches_ours(&fixture);
//!
//! let ours = Ours::new(&fixture);
//! let floor = Floor::new(&fixture);
//! let data = fixture.payload("small");
//! let header = fixture.request_header(&ours.commit_data(data));
//! assert_eq!(floor.get(&header).as_ref(), Some(data));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod fixture;
mod floor;
mod identity;
mod ours;
mod peer;

pub use fixture::Fixture;
pub use floor::Floor;
pub use identity::assert_floor_matches_ours;
pub use ours::{block_on, Ours};
pub use peer::Peer;
