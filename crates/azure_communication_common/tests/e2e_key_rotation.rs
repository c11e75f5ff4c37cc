//! End to end: an access key rotated while a pipeline is sending requests
//! concurrently to the local ACS emulator. Each request is signed with one
//! key whole (the emulator verifies every signature), and every request that
//! starts after `update` returned is signed with the new key.

use acs_emulator::{Emulator, EmulatorOptions};
use azure_communication_common::{AccessKeyCredential, CommunicationAccessKeyCredentialPolicy};
use azure_core::{
    error::ErrorKind,
    http::{ClientOptions, Context, Method, Pipeline, Request, RetryOptions, StatusCode},
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Requests in flight at once.
const TASKS: usize = 8;
/// Requests each task sends.
const PER_TASK: usize = 40;

/// How one request ended: 2xx, or the emulator's 401 for a wrong signature.
#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted,
    Denied,
}

async fn create_user(pipeline: &Pipeline, emulator: &Emulator) -> Outcome {
    let url = emulator
        .endpoint()
        .join("/identities?api-version=2023-10-01")
        .unwrap();
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/json");
    request.set_body("{}");
    match pipeline.send(&Context::new(), &mut request, None).await {
        Ok(response) if response.status().is_success() => Outcome::Accepted,
        Ok(response) => panic!("unexpected status {}", response.status()),
        Err(e) => match e.kind() {
            ErrorKind::HttpResponse { status, .. } if *status == StatusCode::Unauthorized => {
                Outcome::Denied
            }
            _ => panic!("a request failed for another reason: {e}"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotated_under_load_is_used_whole_from_the_next_request_on() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    // Start on a key the emulator does not have (a retired one), then
    // rotate to the emulator's own key mid-stream.
    let key = AccessKeyCredential::new("b2xkIGtleSwgcmV0aXJlZCBieSByb3RhdGlvbg==").unwrap();
    let pipeline = Pipeline::new(
        None,
        None,
        ClientOptions {
            retry: RetryOptions::none(),
            ..Default::default()
        },
        Vec::new(),
        vec![Arc::new(CommunicationAccessKeyCredentialPolicy::new(
            key.clone(),
        ))],
        None,
    );

    let rotated = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let emulator = Arc::new(emulator);
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (pipeline, emulator, rotated, sent) = (
            pipeline.clone(),
            emulator.clone(),
            rotated.clone(),
            sent.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::with_capacity(PER_TASK);
            for _ in 0..PER_TASK {
                let after_rotation = rotated.load(Ordering::SeqCst);
                sent.fetch_add(1, Ordering::SeqCst);
                outcomes.push((after_rotation, create_user(&pipeline, &emulator).await));
            }
            outcomes
        }));
    }
    // Rotate once a quarter of the requests have gone out.
    while sent.load(Ordering::SeqCst) < TASKS * PER_TASK / 4 {
        tokio::task::yield_now().await;
    }
    key.update(emulator.access_key().to_owned()).unwrap();
    rotated.store(true, Ordering::SeqCst);

    let mut before = (0, 0);
    let mut after = 0;
    for task in tasks {
        for (after_rotation, outcome) in task.await.unwrap() {
            if after_rotation {
                assert_eq!(
                    outcome,
                    Outcome::Accepted,
                    "a request after update used the old key"
                );
                after += 1;
            } else if outcome == Outcome::Accepted {
                before.0 += 1;
            } else {
                before.1 += 1;
            }
        }
    }
    // Every request was either accepted or denied as a whole (create_user
    // panics on anything else); the old key was really in use before, the new
    // one after.
    assert_eq!(before.0 + before.1 + after, TASKS * PER_TASK);
    assert!(
        before.1 >= TASKS * PER_TASK / 4 - TASKS,
        "denied before: {before:?}"
    );
    assert!(after > 0, "no request started after the rotation");
    Arc::try_unwrap(emulator).ok().unwrap().shutdown().await;
}
