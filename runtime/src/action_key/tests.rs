//! Tests of `ActionKey`.

use super::*;
use compiler::dag::Output;

fn action() -> Action {
    Action {
        id: "p@final".into(),
        package: "p".into(),
        version: Some("1".into()),
        stage: "final".into(),
        profiles: vec![],
        inputs: vec![],
        input_sets: vec![],
        outputs: vec![Output { name: "p".into(), version: None, depends: vec![], provides: vec![] }],
        source: None,
        build: vec!["echo hi > ${out}/x".into()],
        check: vec!["true".into()],
        env: BTreeMap::new(),
        timeout_secs: None,
        tainted: false,
        cost_ms: 1,
    }
}

fn input(name: &str, content: &str) -> ConsumedDigest {
    ConsumedDigest { name: name.into(), digest: Digest::of(content.as_bytes()) }
}

#[test]
fn key_depends_on_definition_and_inputs_only() {
    let a = action();
    let k = ActionKey::compute(&a, None, &[], &[input("x", "1"), input("y", "2")], Checks::Skipped);
    let same = ActionKey::compute(&a, None, &[], &[input("y", "2"), input("x", "1")], Checks::Skipped);
    assert_eq!(k, same, "input order does not matter");

    let other_input = ActionKey::compute(&a, None, &[], &[input("x", "1"), input("y", "3")], Checks::Skipped);
    assert_ne!(k.key, other_input.key);
    assert_eq!(k.definition, other_input.definition, "an input change is not an edit");

    let mut edited = a.clone();
    edited.build[0].push_str(" # edit");
    assert_ne!(ActionKey::compute(&edited, None, &[], &[], Checks::Skipped).definition, k.definition);

    let mut timeout = a.clone();
    timeout.timeout_secs = Some(5);
    timeout.cost_ms = 99;
    assert_eq!(
        ActionKey::compute(&timeout, None, &[], &[input("x", "1"), input("y", "2")], Checks::Skipped),
        k,
        "scheduling hints are not part of the key"
    );
    assert_ne!(ActionKey::compute(&a, None, &[], &[], Checks::Run), ActionKey::compute(&a, None, &[], &[], Checks::Skipped));
    assert_ne!(
        ActionKey::compute(&a, Some(Digest::of(b"src")), &[], &[], Checks::Skipped),
        ActionKey::compute(&a, None, &[], &[], Checks::Skipped)
    );
}

/// Keys are stable across planc versions: a cache filled by an older planc stays valid
/// as long as the canonical documents do not change.
#[test]
fn keys_are_stable() {
    let mut a = action();
    a.env.insert("CFLAGS".into(), "-O2 \"quoted\"".into());
    let k = ActionKey::compute(&a, Some(Digest::of(b"src")), &[input("host", "h")], &[input("q", "x"), input("r", "y")], Checks::Run);
    assert_eq!(k.definition.to_string(), "71d0e8c6a1dc69e0f77b83ae4e7af8c0aa61cc909eb740636ad348f5384c03e7");
    assert_eq!(k.key.to_string(), "cb0b7e6743598664c6b3ef984d9acc090fe6cff28a8437fa15941f3a9a0d9afe");
}

/// `LocalAgent` hashes definitions ahead of the scheduler and adds the inputs later:
/// the two steps must give exactly `compute`'s key.
#[test]
fn definition_then_inputs_is_compute() {
    let a = action();
    let inputs = [input("r", "y"), input("q", "x")];
    for checks in [Checks::Skipped, Checks::Run] {
        for (source, seeds) in [(None, vec![]), (Some(Digest::of(b"src")), vec![input("host", "h")])] {
            let whole = ActionKey::compute(&a, source, &seeds, &inputs, checks);
            let def = ActionKey::definition(&a, source, &seeds, checks);
            assert_eq!(ActionKey::with_inputs(def, &inputs), whole);
        }
    }
}

/// The key document as serde_json writes it: what `key_json` must match byte for byte,
/// or every cache entry would miss.
#[derive(Serialize)]
struct Key<'a> {
    definition: Digest,
    inputs: &'a [&'a ConsumedDigest],
}

#[test]
fn the_key_document_is_serde_jsons() {
    let names = ["plain", "with \"quotes\" and \\", "tab\tnew\nline\u{1}\u{7f}", "ünïcödé 𝄞", ""];
    let inputs: Vec<ConsumedDigest> = names.iter().enumerate().map(|(i, n)| input(n, &i.to_string())).collect();
    let definition = Digest::of(b"definition");
    for n in 0..=inputs.len() {
        let refs: Vec<&ConsumedDigest> = inputs[..n].iter().collect();
        let pairs: Vec<(&str, Digest)> = refs.iter().map(|i| (i.name.as_str(), i.digest)).collect();
        let mut ours = Vec::new();
        key_json(&definition, &pairs, &mut ours);
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&Key { definition, inputs: &refs }).unwrap());
    }
}
