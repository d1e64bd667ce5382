//! Tests of the action log's encoding: round trip, torn tails and damaged records.

use super::*;

fn entry(n: u8) -> LogRecord {
    LogRecord::Entry(ActionEntry {
        key: Digest([n; 32]),
        action: format!("p{n}@final"),
        definition: Digest([n + 100; 32]),
        outputs: vec![
            OutputDigest { name: format!("p{n}"), digest: Digest([7; 32]) },
            OutputDigest { name: "doc".into(), digest: Digest([8; 32]) },
        ],
        duration_ms: 1234 + u64::from(n),
    })
}

fn log(records: &[LogRecord]) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = MAGIC.to_vec();
    let mut ends = vec![];
    for r in records {
        encode(r, &mut bytes);
        ends.push(bytes.len());
    }
    (bytes, ends)
}

/// The intact records of `bytes`, decoded in full from where `decode` found them; each
/// checked against its peek.
fn decode_all(bytes: &[u8]) -> (Vec<LogRecord>, usize) {
    let d = decode(bytes).unwrap();
    let records = d
        .records
        .iter()
        .map(|(at, peek)| {
            let record = record_at(bytes, *at).unwrap();
            match (&record, peek) {
                (LogRecord::Entry(e), Peek::Entry(key)) => {
                    assert_eq!(e.key, *key);
                    assert_eq!(outputs_at(bytes, *at).unwrap(), e.outputs);
                    assert_eq!(action_at(bytes, *at).unwrap(), e.action);
                }
                (LogRecord::Forget(a), Peek::Forget(b)) => assert_eq!(a, b),
                (LogRecord::Blob(a, data), Peek::Blob(b, range)) => {
                    assert_eq!(a, b);
                    assert_eq!(&bytes[range.clone()], &data[..]);
                }
                _ => panic!("{record:?} peeked as {peek:?}"),
            }
            record
        })
        .collect();
    (records, d.good_len)
}

#[test]
fn round_trip() {
    let records = vec![entry(1), LogRecord::Forget(Digest([1; 32])), LogRecord::Blob(Digest([3; 32]), vec![1, 2, 3]), entry(2)];
    let (bytes, _) = log(&records);
    assert_eq!(decode_all(&bytes), (records, bytes.len()));
    assert_eq!(decode(b"").unwrap(), Decoded { records: vec![], good_len: 0 });
}

#[test]
fn in_place_readers_refuse_other_records() {
    let records = vec![LogRecord::Forget(Digest([1; 32])), entry(2)];
    let (bytes, ends) = log(&records);
    assert_eq!(outputs_at(&bytes, MAGIC.len()), None);
    assert_eq!(action_at(&bytes, MAGIC.len()), None);
    assert!(outputs_at(&bytes, ends[0]).is_some());
    assert_eq!(record_at(&bytes, bytes.len()), None);
}

#[test]
fn a_torn_tail_keeps_the_whole_records_before_it() {
    let records = vec![entry(1), entry(2), entry(3)];
    let (bytes, ends) = log(&records);
    for cut in MAGIC.len()..bytes.len() {
        let (got, good_len) = decode_all(&bytes[..cut]);
        let whole = ends.iter().filter(|&&e| e <= cut).count();
        assert_eq!(got, records[..whole], "cut at {cut}");
        assert_eq!(good_len, if whole == 0 { MAGIC.len() } else { ends[whole - 1] });
    }
}

#[test]
fn a_damaged_record_ends_the_log() {
    let records = vec![entry(1), entry(2), entry(3)];
    let (bytes, ends) = log(&records);
    for at in ends[0]..ends[1] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        let (got, good_len) = decode_all(&damaged);
        assert_eq!(got, records[..1], "byte {at} flipped");
        assert_eq!(good_len, ends[0]);
    }
}

#[test]
fn another_format_is_refused() {
    assert_eq!(decode(b"{\"record\":{}}\n"), Err(NotALog));
    assert_eq!(decode(b"PLNCAL\0\x02"), Err(NotALog));
}

#[test]
fn a_log_decoded_on_two_threads_stops_at_the_first_bad_record() {
    let records: Vec<LogRecord> = (0..3 * PARALLEL_MIN).map(|i| entry((i % 150) as u8)).collect();
    let (bytes, ends) = log(&records);
    assert_eq!(decode_all(&bytes), (records.clone(), bytes.len()));
    // A damaged record in either half keeps exactly the records before it.
    for bad in [10, records.len() / 2 - 1, records.len() / 2, records.len() / 2 + 7, records.len() - 1] {
        let mut damaged = bytes.clone();
        damaged[ends[bad] - 9] ^= 0x40;
        let start = if bad == 0 { MAGIC.len() } else { ends[bad - 1] };
        let (got, good_len) = decode_all(&damaged);
        assert_eq!(good_len, start, "record {bad} damaged");
        assert_eq!(got, records[..bad], "record {bad} damaged");
    }
    // A torn tail in the second half.
    let d = decode(&bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(d.records.len(), records.len() - 1);
    assert_eq!(d.good_len, ends[records.len() - 2]);
}

#[test]
fn four_interleaved_hashes_are_four_hashes() {
    let data: Vec<u8> = (0..600u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    for lens in [[0, 0, 0, 0], [1, 0, 5, 3], [150, 90, 150, 151], [600, 17, 333, 64]] {
        let bodies: [&[u8]; 4] = std::array::from_fn(|k| &data[k..k + lens[k].min(data.len() - k)]);
        assert_eq!(fnv1a_x4(bodies), bodies.map(fnv1a), "lengths {lens:?}");
    }
}

#[test]
fn a_damaged_record_anywhere_in_a_group_of_four_ends_the_log_there() {
    let records: Vec<LogRecord> = (1..=9).map(entry).collect();
    let (bytes, ends) = log(&records);
    for n in 0..records.len() {
        let start = if n == 0 { MAGIC.len() } else { ends[n - 1] };
        let mut damaged = bytes.clone();
        damaged[(start + ends[n]) / 2] ^= 0x40;
        let (got, good_len) = decode_all(&damaged);
        assert_eq!(got, records[..n], "record {n} damaged");
        assert_eq!(good_len, start);
    }
}
