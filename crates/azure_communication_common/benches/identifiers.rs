#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Identifier benchmarks, mirroring `shared/bench-js/bench.mjs`: the same
//! 1,024-id pool (same generator, same seed), parsed, formatted and converted
//! to and from the wire model one id per iteration.

use azure_communication_common::{CommunicationIdentifier, CommunicationIdentifierModel};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

mod support;
use support::Rng;

/// The JS benchmark's pool of 1,024 realistic raw ids.
fn raw_id_pool() -> Vec<String> {
    let mut r = Rng(12345);
    (0..1024)
        .map(|_| {
            let g = r.int(16);
            match g {
                0..=2 => {
                    let a = r.guid();
                    format!("8:acs:{a}_{}", r.acs_suffix())
                }
                3 => {
                    let a = r.guid();
                    format!("8:spool:{a}_{}", r.acs_suffix())
                }
                4 | 5 => {
                    let prefix = if g == 4 { "8:acs:" } else { "8:gcch-acs:" };
                    let a = r.guid();
                    let b = r.guid();
                    format!("{prefix}{a}_{b}_{}", r.guid())
                }
                6 => format!("8:orgid:{}", r.guid()),
                7 => format!("8:gcch:{}", r.guid()),
                8 => format!("8:dod:{}", r.guid()),
                9 => format!("8:teamsvisitor:{}", r.guid()),
                10 => format!("28:orgid:{}", r.guid()),
                11 => format!("28:gcch:{}", r.guid()),
                12 => format!("4:{}", r.phone()),
                13 => {
                    let p = r.phone();
                    format!("4:{p}_{}", r.hex(8))
                }
                14 => "4:anonymous".to_owned(),
                _ => format!("48:{}", r.guid()),
            }
        })
        .collect()
}

fn identifiers(c: &mut Criterion) {
    let pool = raw_id_pool();
    // The same pool as bench.mjs (checked against its first and last ids).
    assert_eq!(pool[0], "48:47d851cf-d7fe-fa37-4cda-cca7153c141a");
    assert_eq!(pool[1], "4:anonymous");
    assert_eq!(pool[1023], "28:orgid:16189bee-de24-b333-9a50-528883698796");
    let ids: Vec<CommunicationIdentifier> = pool
        .iter()
        .map(|r| CommunicationIdentifier::from_raw_id(r))
        .collect();
    let models: Vec<CommunicationIdentifierModel> =
        ids.iter().map(CommunicationIdentifierModel::from).collect();

    let mut i = 0usize;
    c.bench_function("fromRawId", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            // As bench.mjs: parse, read the kind, drop the identifier.
            CommunicationIdentifier::from_raw_id(black_box(&pool[i])).kind()
        })
    });
    c.bench_function("rawId", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(&ids[i]).raw_id().len()
        })
    });
    c.bench_function("serialize", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            // As bench.mjs: convert, read the raw id's length, drop the model.
            CommunicationIdentifierModel::from(black_box(&ids[i]))
                .raw_id
                .map_or(0, |r| r.len())
        })
    });
    c.bench_function("deserialize", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            CommunicationIdentifier::try_from(black_box(&models[i]))
                .unwrap()
                .kind()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = identifiers
}
criterion_main!(benches);
