//! What the crates' `fuzz_invariants` tests share (not used by the fuzz
//! targets): a target's committed inputs (seeds in `fuzz/corpus/<target>/seed-*`,
//! minimized failures in `fuzz/regressions/<target>/`), its libFuzzer
//! dictionary, and a proptest strategy in the fuzzer's spirit: random bytes,
//! dictionary words strung together, and committed inputs with a few bytes
//! changed.
//!
//! Included with `#[path]` by each test file, next to the invariant modules.
#![allow(dead_code)] // each test crate uses a part of it

use proptest::prelude::*;
use std::path::PathBuf;

/// The repository's `fuzz/` directory (every crate is at `crates/<name>`).
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The committed inputs of `target`: `(file name, bytes)`, seeds first.
pub fn saved_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut inputs = Vec::new();
    for (dir, prefix) in [("corpus", "seed-"), ("regressions", "")] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && !n.starts_with('.'))
            })
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).expect("a committed fuzz input is readable");
            let name = format!(
                "{dir}/{target}/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            inputs.push((name, bytes));
        }
    }
    inputs
}

/// Runs `check` on every committed input of `target`, naming the one that
/// fails.
pub fn replay(target: &str, check: fn(&[u8])) -> usize {
    let inputs = saved_inputs(target);
    for (name, bytes) in &inputs {
        if std::panic::catch_unwind(|| check(bytes)).is_err() {
            panic!("the invariant of {target} fails on {name}");
        }
    }
    inputs.len()
}

/// The words of `fuzz/dicts/<target>.dict` (libFuzzer's format: one
/// `"..."` per line, optionally `name=` before it, `\\`, `\"` and `\xNN`
/// escapes).
pub fn dictionary(target: &str) -> Vec<Vec<u8>> {
    let Ok(text) = std::fs::read_to_string(fuzz_dir().join("dicts").join(format!("{target}.dict")))
    else {
        return Vec::new();
    };
    let mut words = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let (Some(start), Some(end)) = (line.find('"'), line.rfind('"')) else {
            continue;
        };
        if end <= start {
            continue;
        }
        let quoted = &line.as_bytes()[start + 1..end];
        let mut word = Vec::new();
        let mut i = 0;
        while i < quoted.len() {
            match (quoted[i], quoted.get(i + 1)) {
                (b'\\', Some(b'x')) if i + 3 < quoted.len() => {
                    let hex = std::str::from_utf8(&quoted[i + 2..i + 4])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    word.push(hex.unwrap_or(b'x'));
                    i += 4;
                }
                (b'\\', Some(&c)) => {
                    word.push(c);
                    i += 2;
                }
                (c, _) => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        words.push(word);
    }
    words
}

/// Inputs for `target`: random bytes, dictionary words (and short random
/// runs) strung together, or a committed input with a few bytes
/// overwritten, inserted or removed.
pub fn inputs(target: &str) -> BoxedStrategy<Vec<u8>> {
    let random = prop::collection::vec(any::<u8>(), 0..512).boxed();
    let mut choices = vec![(2, random)];
    let words = dictionary(target);
    if !words.is_empty() {
        let piece = prop_oneof![
            3 => prop::sample::select(words),
            1 => prop::collection::vec(any::<u8>(), 0..6),
        ];
        let strung = prop::collection::vec(piece, 0..12)
            .prop_map(|pieces| pieces.concat())
            .boxed();
        choices.push((2, strung));
    }
    let saved: Vec<Vec<u8>> = saved_inputs(target).into_iter().map(|(_, b)| b).collect();
    if !saved.is_empty() {
        let edits =
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..5);
        let mutated = (prop::sample::select(saved), edits)
            .prop_map(|(mut bytes, edits)| {
                for (at, byte, how) in edits {
                    let len = bytes.len();
                    match how {
                        0 if len > 0 => bytes[at.index(len)] = byte,
                        1 => bytes.insert(at.index(len + 1), byte),
                        _ if len > 0 => {
                            bytes.remove(at.index(len));
                        }
                        _ => bytes.push(byte),
                    }
                }
                bytes
            })
            .boxed();
        choices.push((3, mutated));
    }
    prop::strategy::Union::new_weighted(choices).boxed()
}

/// A property run of `cases` inputs that neither persists failures nor
/// spends more than ten seconds shrinking one.
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_time: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
