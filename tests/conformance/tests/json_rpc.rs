//! localnet against agave's validator, method by method: the scenario's transactions land on
//! both, then every case is asked of both and the replies compared (`gridtokenx_conformance`).
//! All differences are listed before the test fails, so one run shows them all.
use gridtokenx_conformance::case::{by_pubkey, one_validator, rpc_and_pubsub_only, without_votes, Case};
use base64::Engine;
use gridtokenx_conformance::chains::{Endpoint, Localnet, Reference};
use gridtokenx_conformance::compare::differences;
use gridtokenx_conformance::{gaps, rpc};
use gridtokenx_conformance::scenario::{self, Keys, Landed};
use serde_json::{json, Value};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// What a confirmed transaction's reply holds that is its chain's own: where and when it
/// landed, and everything signed over that chain's blockhash.
const TX_OWN: &[&str] = &[
    "result.slot",
    // After the reference's vote transactions in the same block.
    "result.transactionIndex",
    "result.blockTime",
    "result.transaction.signatures",
    "result.transaction.message.recentBlockhash",
    // base58 / base64: the wire bytes carry the blockhash and signatures.
    "result.transaction.0",
];

fn accounts(keys: &Keys) -> Vec<Case> {
    let bob = keys.bob.pubkey().to_string();
    let mint = keys.mint.pubkey().to_string();
    let tokens = keys.payer_tokens().to_string();
    let missing = "So11111111111111111111111111111111111111113";
    let token_program = spl_token_interface::ID.to_string();
    let mut cases = vec![
        Case::same("getBalance", json!([bob, { "commitment": "confirmed" }])),
        Case::same("getBalance", json!([missing])).named("no such account"),
        Case::same("getAccountInfo", json!([missing, { "encoding": "base64" }])).named("no such account"),
        Case::same("getAccountInfo", json!([bob])).named("default encoding"),
        Case::same("getAccountInfo", json!([mint, { "encoding": "base64", "dataSlice": { "offset": 4, "length": 8 } }]))
            .named("dataSlice"),
        Case::same("getAccountInfo", json!([token_program, { "encoding": "base64", "dataSlice": { "offset": 0, "length": 0 } }]))
            .named("a program"),
        Case::same("getAccountInfo", json!([token_program, { "encoding": "base58" }])).named("base58 over 128 bytes"),
        Case::same("getAccountInfo", json!([mint, { "encoding": "jsonParsed", "dataSlice": { "offset": 0, "length": 1 } }]))
            .named("jsonParsed with dataSlice"),
        Case::same(
            "getMultipleAccounts",
            json!([[mint, tokens, missing, bob], { "encoding": "jsonParsed", "commitment": "confirmed" }]),
        ),
        Case::same("getMultipleAccounts", json!([[mint, tokens]])).named("default encoding"),
        Case::same(
            "getProgramAccounts",
            json!([token_program, {
                "encoding": "jsonParsed",
                "withContext": true,
                "filters": [{ "dataSize": 165 }, { "memcmp": { "offset": 0, "bytes": mint } }],
            }]),
        )
        .normalized(by_pubkey),
        Case::same(
            "getProgramAccounts",
            json!([token_program, { "encoding": "base64", "filters": [{ "memcmp": { "offset": 0, "bytes": mint } }, { "tokenAccountState": {} }] }]),
        )
        .named("tokenAccountState, no context")
        .normalized(by_pubkey),
    ];
    for encoding in ["base58", "base64", "base64+zstd", "jsonParsed"] {
        for (what, key) in [("system account", &bob), ("mint", &mint), ("token account", &tokens)] {
            cases.push(
                Case::same("getAccountInfo", json!([key, { "encoding": encoding, "commitment": "confirmed" }]))
                    .named(&format!("{what}, {encoding}")),
            );
        }
    }
    cases
}

fn tokens(keys: &Keys) -> Vec<Case> {
    let payer = keys.payer.pubkey().to_string();
    let bob = keys.bob.pubkey().to_string();
    let mint = keys.mint.pubkey().to_string();
    let tokens = keys.payer_tokens().to_string();
    let program = spl_token_interface::ID.to_string();
    let scaled_mint = keys.scaled_mint.pubkey().to_string();
    let scaled_tokens = keys.payer_scaled_tokens().to_string();
    let token_2022 = spl_token_2022_interface::ID.to_string();
    vec![
        Case::same("getTokenAccountBalance", json!([tokens, { "commitment": "confirmed" }])),
        Case::same("getTokenAccountBalance", json!([bob])).named("not a token account"),
        Case::same("getTokenSupply", json!([mint])),
        Case::same("getTokenSupply", json!([tokens])).named("not a mint"),
        Case::same("getTokenLargestAccounts", json!([mint])),
        Case::same("getTokenAccountsByOwner", json!([payer, { "mint": mint }, { "encoding": "jsonParsed" }])),
        Case::same("getTokenAccountsByOwner", json!([bob, { "programId": program }, { "encoding": "base64" }]))
            .named("by program, base64")
            .normalized(by_pubkey),
        Case::same("getTokenAccountsByOwner", json!([payer, { "mint": bob }])).named("not a mint"),
        Case::same("getTokenAccountsByOwner", json!([payer])).named("missing the filter"),
        Case::same("getBlocksWithLimit", json!([])).named("no parameters"),
        Case::same("getTokenAccountsByDelegate", json!([payer, { "mint": mint }, { "encoding": "jsonParsed" }])),
        // Token-2022 with a UI multiplier: every amount's uiAmount scaled.
        Case::same("getAccountInfo", json!([scaled_tokens, { "encoding": "jsonParsed" }])).named("Token-2022, scaled"),
        Case::same("getAccountInfo", json!([scaled_mint, { "encoding": "jsonParsed" }])).named("Token-2022 mint, scaled"),
        Case::same("getTokenAccountBalance", json!([scaled_tokens])).named("Token-2022, scaled"),
        Case::same("getTokenSupply", json!([scaled_mint])).named("Token-2022, scaled"),
        Case::same("getTokenLargestAccounts", json!([scaled_mint])).named("Token-2022, scaled"),
        Case::same("getTokenAccountsByOwner", json!([payer, { "programId": token_2022 }, { "encoding": "jsonParsed" }]))
            .named("Token-2022, scaled"),
    ]
}

fn transactions() -> Vec<Case> {
    let mut cases = Vec::new();
    type Pick = fn(&Landed) -> String;
    let landed: [(&str, Pick); 6] = [
        ("a SOL transfer", |l| l.transfer.clone()),
        ("createAccount and initializeMint2", |l| l.create_mint.clone()),
        ("the associated-token program's CPIs", |l| l.create_account.clone()),
        ("mintToChecked", |l| l.mint_to.clone()),
        ("createIdempotent and transferChecked", |l| l.token_transfer.clone()),
        ("failed in execution", |l| l.failed.clone()),
    ];
    for (what, pick) in landed {
        for encoding in ["json", "jsonParsed", "base64", "base58"] {
            cases.push(
                Case::per_chain("getTransaction", move |l| {
                    json!([pick(l), { "encoding": encoding, "commitment": "confirmed", "maxSupportedTransactionVersion": 0 }])
                })
                .named(&format!("{what}, {encoding}"))
                .mask(TX_OWN),
            );
        }
    }
    cases.push(
        Case::per_chain("getTransaction", |l| json!([l.transfer, { "commitment": "confirmed" }]))
            .named("no maxSupportedTransactionVersion")
            .mask(TX_OWN),
    );
    // The faucets are each chain's own keys: only the shape can agree.
    cases.push(
        Case::per_chain("getTransaction", |l| json!([l.airdrop, { "encoding": "jsonParsed", "commitment": "confirmed" }]))
            .named("an airdrop")
            .mask(&["result"]),
    );
    cases.push(
        Case::per_chain("getSignatureStatuses", |l| json!([[l.transfer, l.failed], { "searchTransactionHistory": true }]))
            .mask(&["result.value.*.slot", "result.value.*.confirmations", "result.value.*.confirmationStatus"]),
    );
    cases.push(Case::same(
        "getSignatureStatuses",
        json!([["1111111111111111111111111111111111111111111111111111111111111111"]]),
    ).named("unknown signature"));
    let mut by_address = Case::same("getSignaturesForAddress", json!([Keys::new().mint.pubkey().to_string(), { "commitment": "confirmed" }]))
        .mask(&[
            "result.*.signature",
            "result.*.slot",
            "result.*.blockTime",
            "result.*.confirmationStatus",
            "result.*.transactionIndex",
        ]);
    by_address.masked.retain(|m| *m != "result.context.slot");
    cases.push(by_address);
    cases
}

fn blocks() -> Vec<Case> {
    const BLOCK_OWN: &[&str] = &[
        "result.blockhash",
        "result.previousBlockhash",
        "result.parentSlot",
        "result.blockTime",
        "result.blockHeight",
        "result.signatures",
        "result.transactions.*.transaction.signatures",
        "result.transactions.*.transaction.message.recentBlockhash",
        "result.transactions.*.transaction.0",
    ];
    let mut cases = Vec::new();
    for (details, encoding) in [("full", "json"), ("full", "jsonParsed"), ("full", "base64"), ("accounts", "json"), ("signatures", "json"), ("none", "json")] {
        cases.push(
            Case::per_chain("getBlock", move |l| {
                json!([l.transfer_slot, {
                    "encoding": encoding,
                    "transactionDetails": details,
                    "commitment": "confirmed",
                    "maxSupportedTransactionVersion": 0,
                }])
            })
            .named(&format!("{details}, {encoding}"))
            .mask(BLOCK_OWN)
            .normalized(without_votes),
        );
    }
    cases.push(Case::per_chain("getBlockTime", |l| json!([l.transfer_slot])).mask(&["result"]));
    cases.push(Case::per_chain("getBlocks", |l| json!([l.transfer_slot, l.transfer_slot])).mask(&["result"]));
    cases.push(Case::per_chain("getBlocksWithLimit", |l| json!([l.transfer_slot, 1])).mask(&["result"]));
    cases.push(Case::per_chain("getBlockCommitment", |l| json!([l.transfer_slot])).mask(&["result"]));
    cases.push(Case::same("getBlock", json!([u64::MAX / 2, { "maxSupportedTransactionVersion": 0 }])).named("a future slot"));
    cases
}

fn cluster() -> Vec<Case> {
    // Values of each chain's genesis, identity and clock: compared by shape.
    let shape_only = |method: &str, params: Value| {
        let mut case = Case::same(method, params).mask(&["result"]);
        case.masked.retain(|m| *m != "result.context.slot");
        case
    };
    vec![
        Case::same("getVersion", json!([])),
        Case::same("getHealth", json!([])),
        Case::same("getMinimumBalanceForRentExemption", json!([0])),
        Case::same("getMinimumBalanceForRentExemption", json!([165])).named("a token account"),
        Case::same("getMinimumBalanceForRentExemption", json!([10 * 1024 * 1024 + 1])).named("over 10 MiB"),
        Case::same("getMinimumBalanceForRentExemption", json!([u64::MAX])).named("u64::MAX"),
        Case::same("getStakeMinimumDelegation", json!([])),
        Case::same("getHighestSnapshotSlot", json!([])),
        Case::same("getEpochSchedule", json!([])),
        Case::same("isBlockhashValid", json!(["11111111111111111111111111111111"])).named("unknown blockhash"),
        shape_only("getIdentity", json!([])),
        shape_only("getGenesisHash", json!([])),
        shape_only("getSlot", json!([{ "commitment": "confirmed" }])),
        shape_only("getBlockHeight", json!([])),
        shape_only("getEpochInfo", json!([])),
        shape_only("getLatestBlockhash", json!([{ "commitment": "confirmed" }])),
        shape_only("getTransactionCount", json!([])),
        shape_only("getSupply", json!([{ "excludeNonCirculatingAccountsList": true }])),
        shape_only("getLargestAccounts", json!([])),
        // localnet runs no gossip, TPU, TVU or repair service (docs/localnet.md).
        shape_only("getClusterNodes", json!([])).normalized(rpc_and_pubsub_only),
        shape_only("getVoteAccounts", json!([])).normalized(one_validator),
        shape_only("getLeaderSchedule", json!([])).normalized(one_validator),
        shape_only("getSlotLeader", json!([])),
        shape_only("getSlotLeaders", json!([0, 3])),
        shape_only("getRecentPerformanceSamples", json!([1])),
        shape_only("getRecentPrioritizationFees", json!([[Keys::new().bob.pubkey().to_string()]])),
        shape_only("getInflationGovernor", json!([])),
        shape_only("getInflationRate", json!([])),
        shape_only("minimumLedgerSlot", json!([])),
        shape_only("getFirstAvailableBlock", json!([])),
        shape_only("getMaxRetransmitSlot", json!([])),
        shape_only("getMaxShredInsertSlot", json!([])),
        shape_only("getBlockProduction", json!([])).normalized(one_validator),
    ]
}

fn bad_requests() -> Vec<Case> {
    let many: Vec<String> = (0..101).map(|_| Keys::new().bob.pubkey().to_string()).collect();
    let signatures: Vec<&str> = vec!["1111111111111111111111111111111111111111111111111111111111111111"; 257];
    vec![
        Case::same("getFoo", json!([])).named("unknown method"),
        Case::same("getRecentBlockhash", json!([])).named("a method agave removed"),
        Case::same("getBalance", json!([])).named("missing parameter"),
        Case::same("getBalance", json!(["not a key"])).named("invalid key"),
        Case::same("getBalance", json!([1])).named("wrong type"),
        Case::same("getHealth", json!([1])).named("parameters where none are taken"),
        Case::same("getAccountInfo", json!([Keys::new().bob.pubkey().to_string(), { "encoding": "utf9" }])).named("unknown encoding"),
        Case::same("getMultipleAccounts", json!([many])).named("101 accounts"),
        Case::same("getSignatureStatuses", json!([signatures])).named("257 signatures"),
        Case::same("getSlot", json!([{ "minContextSlot": u64::MAX / 2 }]))
            .named("minContextSlot ahead")
            .mask(&["error.data.contextSlot"]),
        Case::same("sendTransaction", json!(["not base58!"])).named("not a transaction"),
        Case::same("sendTransaction", json!(["AQID", { "encoding": "base64" }])).named("too short"),
        Case::same("getTransaction", json!(["not a signature"])).named("invalid signature"),
    ]
}

/// Transactions signed over each chain's own blockhash, sent or simulated on both: preflight
/// failures, signature and blockhash refusals, a resend, and simulations with their options.
async fn sends_and_simulations(r: &Endpoint, l: &Endpoint, keys: &Keys) -> Vec<String> {
    let mut found = Vec::new();
    let payer = keys.payer.pubkey();
    let bob = keys.bob.pubkey();
    let fresh = Keypair::new_from_array([9; 32]).pubkey();
    let too_much = solana_system_interface::instruction::transfer(&payer, &bob, 1_000 * scenario::AIRDROP);
    let one = solana_system_interface::instruction::transfer(&payer, &bob, 1);
    let create = spl_associated_token_account_interface::instruction::create_associated_token_account(
        &payer,
        &fresh,
        &keys.mint.pubkey(),
        &spl_token_interface::ID,
    );
    let fresh_tokens =
        spl_associated_token_account_interface::address::get_associated_token_address(&fresh, &keys.mint.pubkey());
    // (name, instruction, method, config, paths that are the chain's own). Each is signed over
    // the latest blockhash at the commitment it is sent at (`preflightCommitment` or
    // `commitment`, finalized when not given), as a client does.
    let asks: Vec<(&str, Instruction, &str, Value, Vec<&str>)> = vec![
        ("preflight fails", too_much.clone(), "sendTransaction", json!({ "encoding": "base64" }), vec![]),
        (
            "preflight fails, confirmed",
            too_much.clone(),
            "sendTransaction",
            json!({ "encoding": "base64", "preflightCommitment": "confirmed" }),
            vec![],
        ),
        ("fails", too_much.clone(), "simulateTransaction", json!({ "encoding": "base64", "sigVerify": true }), vec![]),
        (
            "CPIs, inner instructions and accounts",
            create.clone(),
            "simulateTransaction",
            json!({
                "encoding": "base64",
                "commitment": "confirmed",
                "innerInstructions": true,
                "accounts": { "addresses": [fresh_tokens.to_string()], "encoding": "jsonParsed" },
            }),
            vec![],
        ),
        (
            "accounts in base64",
            one.clone(),
            "simulateTransaction",
            json!({ "encoding": "base64", "accounts": { "addresses": [bob.to_string(), fresh.to_string()], "encoding": "base64" } }),
            vec![],
        ),
        (
            "replaceRecentBlockhash",
            one.clone(),
            "simulateTransaction",
            json!({ "encoding": "base64", "replaceRecentBlockhash": true }),
            vec!["result.value.replacementBlockhash.blockhash", "result.value.replacementBlockhash.lastValidBlockHeight"],
        ),
        ("base58 wire", one.clone(), "simulateTransaction", json!({}), vec![]),
    ];
    for (name, instruction, method, config, own) in asks {
        let (instructions, signers) = ([instruction], [&keys.payer]);
        let at = config["preflightCommitment"].as_str().or(config["commitment"].as_str()).unwrap_or("finalized");
        let ((r_wire, _), (l_wire, _)) = tokio::join!(
            scenario::signed_at(r, at, &instructions, &signers),
            scenario::signed_at(l, at, &instructions, &signers)
        );
        let as_sent = |wire: String| {
            if config.get("encoding").is_some() {
                wire
            } else {
                bs58::encode(base64::engine::general_purpose::STANDARD.decode(wire).unwrap()).into_string()
            }
        };
        let (rr, lr) = tokio::join!(
            rpc::call(r, method, json!([as_sent(r_wire), config])),
            rpc::call(l, method, json!([as_sent(l_wire), config]))
        );
        let mut masks = vec!["result.context.slot"];
        masks.extend(own);
        found.extend(differences(&rr, &lr, &masks).into_iter().map(|d| format!("{method} ({name}): {d}")));
    }

    // A blockhash the finalized bank does not know yet, simulated at the default commitment.
    // localnet's finalized bank is two slots behind (the reference's ~32), so the case holds
    // only while localnet stays in the slot it fetched the blockhash in: its steps start as
    // a slot begins, do not wait for the reference's, and are taken again when a slot began
    // before they were done (a loaded `make test` delays replies past a 400 ms slot).
    let (ones, signers) = ([one.clone()], [&keys.payer]);
    let config = json!({ "encoding": "base64" });
    let mut attempts = 0;
    let lr = loop {
        let began = scenario::slot_begun(l).await;
        let (l_wire, _) = scenario::signed(l, &ones, &signers).await;
        let reply = rpc::call(l, "simulateTransaction", json!([l_wire, config])).await;
        if scenario::processed_slot(l).await == began {
            break reply;
        }
        attempts += 1;
        assert!(attempts < 20, "localnet's slot moved on during each of 20 attempts at one RPC round trip");
    };
    let (r_wire, _) = scenario::signed(r, &ones, &signers).await;
    let rr = rpc::call(r, "simulateTransaction", json!([r_wire, config])).await;
    found.extend(
        differences(&rr, &lr, &["result.context.slot"])
            .into_iter()
            .map(|d| format!("simulateTransaction (a confirmed blockhash at finalized): {d}")),
    );

    // A signature that does not verify, a blockhash the chain never made, and a resend.
    let tampered = |wire: String| {
        let mut bytes = base64::engine::general_purpose::STANDARD.decode(wire).unwrap();
        bytes[1] ^= 1;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let ((r_wire, _), (l_wire, _)) =
        tokio::join!(scenario::signed(r, &ones, &signers), scenario::signed(l, &ones, &signers));
    let config = json!({ "encoding": "base64", "preflightCommitment": "confirmed" });
    let (rr, lr) = tokio::join!(
        rpc::call(r, "sendTransaction", json!([tampered(r_wire), config])),
        rpc::call(l, "sendTransaction", json!([tampered(l_wire), config]))
    );
    found.extend(differences(&rr, &lr, &[]).into_iter().map(|d| format!("sendTransaction (bad signature): {d}")));
    let ((r_wire, _), (l_wire, _)) =
        tokio::join!(scenario::signed(r, &ones, &signers), scenario::signed(l, &ones, &signers));
    let config = json!({ "encoding": "base64", "sigVerify": true, "commitment": "confirmed" });
    let (rr, lr) = tokio::join!(
        rpc::call(r, "simulateTransaction", json!([tampered(r_wire), config])),
        rpc::call(l, "simulateTransaction", json!([tampered(l_wire), config]))
    );
    found.extend(
        differences(&rr, &lr, &["result.context.slot"])
            .into_iter()
            .map(|d| format!("simulateTransaction (bad signature, sigVerify): {d}")),
    );

    let unknown = {
        let message = solana_message::Message::new_with_blockhash(&[one.clone()], Some(&payer), &solana_hash::Hash::new_from_array([7; 32]));
        let tx = solana_transaction::Transaction::new(&[&keys.payer], message, solana_hash::Hash::new_from_array([7; 32]));
        base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap())
    };
    for skip in [false, true] {
        let config = json!({ "encoding": "base64", "skipPreflight": skip });
        let (rr, lr) = tokio::join!(
            rpc::call(r, "sendTransaction", json!([unknown, config])),
            rpc::call(l, "sendTransaction", json!([unknown, config]))
        );
        found.extend(
            differences(&rr, &lr, &[]).into_iter().map(|d| format!("sendTransaction (unknown blockhash, skipPreflight {skip}): {d}")),
        );
    }

    let two = solana_system_interface::instruction::transfer(&payer, &bob, 2);
    let twos = [two];
    let ((r_wire, r_sig), (l_wire, l_sig)) =
        tokio::join!(scenario::signed(r, &twos, &signers), scenario::signed(l, &twos, &signers));
    let config = json!({ "encoding": "base64", "preflightCommitment": "confirmed" });
    let (first_r, first_l) = tokio::join!(
        rpc::call(r, "sendTransaction", json!([r_wire, config])),
        rpc::call(l, "sendTransaction", json!([l_wire, config]))
    );
    assert_eq!(
        (first_r["result"].as_str(), first_l["result"].as_str()),
        (Some(r_sig.as_str()), Some(l_sig.as_str())),
        "{first_r} {first_l}"
    );
    tokio::join!(rpc::wait_for(r, &r_sig, "confirmed"), rpc::wait_for(l, &l_sig, "confirmed"));
    let (rr, lr) = tokio::join!(
        rpc::call(r, "sendTransaction", json!([r_wire, config])),
        rpc::call(l, "sendTransaction", json!([l_wire, config]))
    );
    found.extend(differences(&rr, &lr, &[]).into_iter().map(|d| format!("sendTransaction (sent again): {d}")));
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn localnet_answers_every_method_as_agaves_validator_does() {
    let (reference, localnet) = tokio::join!(Reference::start(), Localnet::start());
    let (r, l) = (&reference.endpoint, &localnet.endpoint);
    let keys = Keys::new();
    let (r_landed, l_landed) = tokio::join!(scenario::run(r, &keys), scenario::run(l, &keys));

    let cases: Vec<Case> = [accounts(&keys), tokens(&keys), transactions(), blocks(), cluster(), bad_requests()]
        .into_iter()
        .flatten()
        .collect();
    let mut differences = Vec::new();
    for case in &cases {
        differences.extend(case.check((r, &r_landed), (l, &l_landed)).await);
    }
    differences.extend(sends_and_simulations(r, l, &keys).await);
    gaps::assert_only_known(&differences, gaps::JSON_RPC, cases.len());
}
