//! Tests of `Digest`.

use super::*;

#[test]
fn hex_round_trip() {
    let d = Digest::of(b"abc");
    assert_eq!(d.to_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(d.to_string().parse::<Digest>(), Ok(d));
    assert!("BA78".parse::<Digest>().is_err());
    assert!("g".repeat(64).parse::<Digest>().is_err());
}
