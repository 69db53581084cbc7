//! The check that the floor and `websession` put the same bytes on the wire.

use serde_json::Value;

use crate::{Fixture, Floor, Ours};

/// Checks, for every payload and for both values of `theme` that the benchmarks write, that
/// the floor and `websession` write byte-identical `Set-Cookie` values and read the same data
/// back from the request header.
///
/// # Panics
///
/// On the first difference, with both outputs in the message.
///
/// # Examples
///
/// ```
/// websession_bench::assert_floor_matches_ours(&websession_bench::Fixture::load());
/// ```
pub fn assert_floor_matches_ours(fixture: &Fixture) {
    let ours = Ours::new(fixture);
    let floor = Floor::new(fixture);
    for name in fixture.payload_names() {
        let mut data = fixture.payload(name).clone();
        for theme in ["dark", "lite"] {
            data.insert("theme".to_owned(), Value::from(theme));
            let ours_set_cookie = ours.commit_data(&data);
            let floor_set_cookie = floor.commit(&data);
            assert_eq!(
                ours_set_cookie, floor_set_cookie,
                "payload {name:?}, theme {theme:?}: websession and the floor wrote different \
                 Set-Cookie values, so the floor is not the same work"
            );

            let header = fixture.request_header(&ours_set_cookie);
            let ours_data = ours.get(&header).data().clone();
            assert_eq!(
                Some(&ours_data),
                floor.get(&header).as_ref(),
                "payload {name:?}: websession and the floor read different data"
            );
            assert_eq!(
                ours_data, data,
                "payload {name:?}: the data did not round-trip"
            );
        }
    }
}
