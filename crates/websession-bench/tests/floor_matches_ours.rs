//! The floor must put the same bytes on the wire as `websession`, or it is no floor.

use websession_bench::{assert_floor_matches_ours, Fixture, Floor, Ours, Peer};

#[test]
fn floor_and_ours_write_identical_cookies() {
    assert_floor_matches_ours(&Fixture::load());
}

#[test]
fn floor_rejects_tampered_cookie() {
    let fixture = Fixture::load();
    let ours = Ours::new(&fixture);
    let floor = Floor::new(&fixture);
    let header = fixture.request_header(&ours.commit_data(fixture.payload("small")));
    assert!(floor.get(&header).is_some());

    // Flip one character of the base64 payload; the signature no longer matches.
    let tampered = header.replacen("__session=e", "__session=f", 1);
    assert_ne!(tampered, header);
    assert_eq!(floor.get(&tampered), None);
    assert!(ours.get(&tampered).data().is_empty());
}

#[test]
fn peer_round_trips_both_payloads() {
    let fixture = Fixture::load();
    let peer = Peer::new(&fixture);
    for name in fixture.payload_names() {
        let data = fixture.payload(name);
        let header = fixture.request_header(&peer.commit(data));
        assert_eq!(peer.get(&header).as_ref(), Some(data), "payload {name:?}");
    }
}

#[test]
fn payload_sizes_match_description() {
    let fixture = Fixture::load();
    let small = serde_json::to_string(fixture.payload("small")).unwrap();
    let large = serde_json::to_string(fixture.payload("large")).unwrap();
    assert_eq!(small.len(), 164);
    assert_eq!(large.len(), 2856);
}
