//! Many users and tokens created at once through one shared client: every
//! token verifies for its own user and no identity is lost or duplicated.
//!
//! The suite runs 10,000 users (`IDENTITY_CONCURRENCY_USERS` sets another
//! number). Nothing here measures speed; the crate's README records how
//! long a run took.

mod support;

use acs_emulator::Route;
use azure_communication_identity::CommunicationTokenScope as Scope;
use futures::{stream, StreamExt, TryStreamExt};
use std::collections::HashSet;

const DEFAULT_USERS: usize = 10_000;
/// Requests in flight at once.
const IN_FLIGHT: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_users_and_tokens_all_verify_and_none_is_lost() {
    let users = std::env::var("IDENTITY_CONCURRENCY_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_USERS);
    let emulator = support::emulator().await;
    let client = support::client(&emulator);

    let created: Vec<_> = stream::iter(0..users)
        .map(|i| {
            let client = client.clone();
            async move {
                // Alternate the two ways of getting a user its token.
                if i % 2 == 0 {
                    client
                        .create_user_and_token(&[Scope::Chat, Scope::VoIP], None, None)
                        .await
                        .map(|c| (c.user, c.access_token))
                } else {
                    let user = client.create_user(None).await?;
                    let token = client
                        .get_token(&user, &[Scope::Chat, Scope::VoIP], None, None)
                        .await?;
                    Ok((user, token))
                }
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(created.len(), users);
    let ids: HashSet<&str> = created.iter().map(|(user, _)| user.id()).collect();
    assert_eq!(ids.len(), users, "a user id was handed out twice");
    assert_eq!(emulator.identity_count(), users, "an identity was lost");
    for (user, token) in &created {
        let claims = emulator
            .verify_acs_token(token.token.secret())
            .unwrap_or_else(|e| panic!("the token of {} does not verify: {e}", user.id()));
        assert_eq!(claims.user_id(), user.id());
        assert_eq!(claims.scopes(), ["chat", "voip"]);
    }
    assert_eq!(
        emulator.request_count(Route::CreateIdentity)
            + emulator.request_count(Route::IssueAccessToken),
        (users + users / 2) as u64
    );
}
