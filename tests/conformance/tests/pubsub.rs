//! localnet's PubSub against agave's: the same subscriptions on both, the same transactions
//! sent, the notifications compared (subscription ids, slots and signatures are each
//! chain's own).
use gridtokenx_conformance::chains::{Endpoint, Localnet, Reference};
use gridtokenx_conformance::compare::differences;
use gridtokenx_conformance::rpc::{self, PubSub};
use gridtokenx_conformance::scenario::{self, Keys};
use serde_json::{json, Value};
use solana_signer::Signer;

const NOTIFICATION_OWN: &[&str] =
    &["params.subscription", "params.result.context.slot", "params.result.value.signature", "params.result.slot"];

/// Subscribes on one chain; the replies to each subscription request.
async fn subscribe(e: &Endpoint, keys: &Keys) -> (PubSub, Vec<Value>) {
    let mut socket = PubSub::connect(e).await;
    let bob = keys.bob.pubkey().to_string();
    let token_program = spl_token_interface::ID.to_string();
    let confirmed = json!({ "commitment": "confirmed" });
    let replies = vec![
        socket.request("accountSubscribe", json!([bob, confirmed])).await,
        socket.request("logsSubscribe", json!([{ "mentions": [bob] }, confirmed])).await,
        socket
            .request("programSubscribe", json!([token_program, { "encoding": "jsonParsed", "commitment": "confirmed" }]))
            .await,
        socket.request("accountSubscribe", json!(["not a key"])).await,
        socket.request("logsSubscribe", json!([{ "mentions": [bob, bob] }])).await,
        socket.request("fooSubscribe", json!([])).await,
    ];
    (socket, replies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn localnet_notifies_as_agaves_validator_does() {
    let (reference, localnet) = tokio::join!(Reference::start(), Localnet::start());
    let (r, l) = (&reference.endpoint, &localnet.endpoint);
    let keys = Keys::new();
    tokio::join!(scenario::run(r, &keys), scenario::run(l, &keys));

    let ((mut r_socket, r_replies), (mut l_socket, l_replies)) = tokio::join!(subscribe(r, &keys), subscribe(l, &keys));
    let mut found = Vec::new();
    for (i, (a, b)) in r_replies.iter().zip(&l_replies).enumerate() {
        let own: &[&str] = if a.get("result").is_some() { &["result"] } else { &[] };
        found.extend(differences(a, b, own).into_iter().map(|d| format!("subscription request {i}: {d}")));
    }

    // SOL and tokens to bob: his account changes, the logs mention him, and a token account
    // of the token program changes.
    let pay_bob = solana_system_interface::instruction::transfer(&keys.payer.pubkey(), &keys.bob.pubkey(), 5_000);
    let send_token = spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::ID,
        &keys.payer_tokens(),
        &keys.mint.pubkey(),
        &keys.bob_tokens(),
        &keys.payer.pubkey(),
        &[],
        1,
        scenario::DECIMALS,
    )
    .unwrap();
    let instructions = [pay_bob, send_token];
    let signers = [&keys.payer];
    let (r_sig, l_sig) = tokio::join!(
        scenario::send(r, &instructions, &signers, false),
        scenario::send(l, &instructions, &signers, false)
    );
    let (mut r_sig_socket, mut l_sig_socket) = tokio::join!(PubSub::connect(r), PubSub::connect(l));
    let (a, b) = tokio::join!(
        r_sig_socket.request("signatureSubscribe", json!([r_sig, { "commitment": "confirmed" }])),
        l_sig_socket.request("signatureSubscribe", json!([l_sig, { "commitment": "confirmed" }]))
    );
    found.extend(differences(&a, &b, &["result"]).into_iter().map(|d| format!("signatureSubscribe: {d}")));

    for method in ["accountNotification", "logsNotification"] {
        let (a, b) = tokio::join!(r_socket.notification(method), l_socket.notification(method));
        found.extend(differences(&a, &b, NOTIFICATION_OWN).into_iter().map(|d| format!("{method}: {d}")));
    }
    // Two token accounts changed; each chain notifies them in its own store order.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let (x, y) = tokio::join!(r_socket.notification("programNotification"), l_socket.notification("programNotification"));
        a.push(x);
        b.push(y);
    }
    let by_account = |n: &Value| n["params"]["result"]["value"]["pubkey"].as_str().unwrap_or_default().to_string();
    a.sort_by_key(by_account);
    b.sort_by_key(by_account);
    for (x, y) in a.iter().zip(&b) {
        found.extend(differences(x, y, NOTIFICATION_OWN).into_iter().map(|d| format!("programNotification: {d}")));
    }
    let (a, b) =
        tokio::join!(r_sig_socket.notification("signatureNotification"), l_sig_socket.notification("signatureNotification"));
    found.extend(differences(&a, &b, NOTIFICATION_OWN).into_iter().map(|d| format!("signatureNotification: {d}")));
    tokio::join!(rpc::wait_for(r, &r_sig, "confirmed"), rpc::wait_for(l, &l_sig, "confirmed"));

    assert!(found.is_empty(), "PubSub differs from agave's validator:\n{}", found.join("\n"));
}
