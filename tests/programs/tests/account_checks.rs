//! Every account of the hot instructions is checked, with the errors Anchor's generated
//! checks give. The market and energy programs validate these instructions' accounts by hand
//! (`market::fast`, `energy::fast`: Anchor's account machinery cost more than the work
//! itself); this test pins the outcome of every tampering with every account slot — signer
//! removed, write access removed, an account that does not exist, another account of the
//! instruction in its place, the last account missing — to the error Anchor's own
//! `try_accounts` returned for it (recorded before the hand-written checks replaced it).
//! A tampered instruction must never succeed (where the expected outcome is "ok", the slot is
//! one the instruction ignores: the price feed of a market with no band, the vault
//! authority of a deposit).
//!
//! Codes: Anchor's 2000 ConstraintMut, 2012 ConstraintAddress, 2015 ConstraintTokenOwner,
//! 2040 ConstraintDuplicateMutableAccount, 3002 AccountDiscriminatorMismatch,
//! 3005 AccountNotEnoughKeys, 3007 AccountOwnedByWrongProgram, 3008 InvalidProgramId,
//! 3010 AccountNotSigner, 3012 AccountNotInitialized; the market's 6004 InvalidVault.
use anchor_lang::prelude::Pubkey;
use energy::reading::Reading;
use gridtokenx_program_tests::*;
use market::engine::{OrderType, Side};
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_program_test::BanksClientError;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// How a tampered transaction failed: a custom error code, or the runtime's own error.
fn outcome(result: &Result<(), BanksClientError>) -> String {
    match (custom_error(result), result) {
        (Some(code), _) => code.to_string(),
        (None, Ok(())) => "ok".into(),
        // A CPI signed for an account that is not the signing PDA: natively the runtime's
        // stub panics, on SBF the runtime refuses the privilege. Either way, refused.
        (
            None,
            Err(BanksClientError::TransactionError(TransactionError::InstructionError(
                _,
                InstructionError::ProgramFailedToComplete
                | InstructionError::PrivilegeEscalation
                | InstructionError::MissingRequiredSignature,
            ))),
        ) => "CPI signature refused".into(),
        (None, Err(BanksClientError::TransactionError(TransactionError::InstructionError(_, e)))) => {
            format!("{e:?}")
        }
        (None, Err(e)) => format!("{e:?}"),
    }
}

/// The tamperings of slot `k` of `ix` that a fee payer other than the signer can send.
fn tamperings(ix: &Instruction) -> Vec<(String, Instruction)> {
    let mut out = Vec::new();
    let n = ix.accounts.len();
    for k in 0..n {
        let meta = &ix.accounts[k];
        let mut with = |what: &str, f: &dyn Fn(&mut AccountMeta)| {
            let mut t = ix.clone();
            f(&mut t.accounts[k]);
            out.push((format!("slot {k} {what}"), t));
        };
        if meta.is_signer {
            with("unsigned", &|m| m.is_signer = false);
            continue;
        }
        if meta.is_writable {
            with("read-only", &|m| m.is_writable = false);
        }
        with("absent", &|m| m.pubkey = Pubkey::new_unique());
        let next = ix.accounts[(k + 1) % n].pubkey;
        with("replaced by the next slot's account", &|m| m.pubkey = next);
    }
    let mut short = ix.clone();
    short.accounts.pop();
    out.push(("last account missing".into(), short));
    out
}

/// Sends every tampering of `ixs[at]` (paid by the test's payer, signed by `signer`) and
/// returns "<tampering>: <outcome>" lines.
async fn tamper(world: &mut World, ixs: &[Instruction], at: usize, signer: &Keypair) -> Vec<String> {
    let payer = world.ctx.payer.insecure_clone();
    let mut lines = Vec::new();
    for (what, t) in tamperings(&ixs[at]) {
        let mut all = ixs.to_vec();
        all[at] = t;
        let signers: Vec<&Keypair> =
            if all[at].accounts.iter().any(|m| m.is_signer && m.pubkey == signer.pubkey()) {
                vec![&payer, signer]
            } else {
                vec![&payer]
            };
        let result = world.send(&all, &signers).await;
        lines.push(format!("{what}: {}", outcome(&result)));
    }
    lines
}

/// Deposit's and withdraw's outcomes, which differ only in the vault authority (slot 7): a
/// deposit ignores it, a withdrawal's token CPI is signed for it.
fn funds_expected(vault_authority: &str) -> Vec<String> {
    let mut lines: Vec<String> = [
        "slot 0 unsigned: 3010",
        "slot 1 read-only: 2000",
        "slot 1 absent: 3007",
        "slot 1 replaced by the next slot's account: 3007",
        "slot 2 absent: 3007",
        "slot 2 replaced by the next slot's account: 3007",
        "slot 3 read-only: 2000",
        "slot 3 absent: 3012",
        "slot 3 replaced by the next slot's account: 2040",
        "slot 4 read-only: 2000",
        "slot 4 absent: 3012",
        "slot 4 replaced by the next slot's account: 2040",
        "slot 5 read-only: 2000",
        "slot 5 absent: 3012",
        "slot 5 replaced by the next slot's account: 2040",
        "slot 6 read-only: 2000",
        "slot 6 absent: 3012",
        "slot 6 replaced by the next slot's account: 3012",
    ]
    .map(String::from)
    .to_vec();
    for tampering in ["absent", "replaced by the next slot's account"] {
        lines.push(format!("slot 7 {tampering}: {vault_authority}"));
    }
    lines.extend(
        [
            "slot 8 absent: 3008",
            "slot 8 replaced by the next slot's account: 3008",
            "last account missing: 3005",
        ]
        .map(String::from),
    );
    lines
}

fn key_of(trader: &Trader) -> Keypair {
    trader.key.insecure_clone()
}

fn check<S: AsRef<str>>(name: &str, got: Vec<String>, expected: &[S]) {
    let expected: Vec<&str> = expected.iter().map(AsRef::as_ref).collect();
    assert_eq!(got, expected, "{name}: tampering outcomes differ from Anchor's (left: now)");
}

#[tokio::test]
async fn every_account_of_the_hot_instructions_is_checked_as_anchor_did() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let trader = world.trader(100 * LOT_SIZE, 1_000_000 * TICK_SIZE).await;
    world.place(&trader, bid(100, 1)).await.result.expect("resting bid");
    let order_id = world.market_state().await.book.header.next_order_id - 1;
    let key = trader.key.insecure_clone();

    // Twice: a limit bid, which needs a block and (none being free) takes the checked path,
    // and an IOC bid that finds nothing to fill, which needs no block — on SBF the deployed
    // entrypoint's raw lane (`market::fast::raw`) handles it when its accounts are valid, so
    // every tampering below also reaches the lane's own checks. The outcomes must not differ.
    let payer = world.ctx.payer.insecure_clone();
    for packet in [bid(90, 1), order(Side::Bid, OrderType::ImmediateOrCancel, 90, 1)] {
        let place = market::client::place_order(trader.pubkey(), world.market, trader.seat, packet, None);
        // Beyond the slots: the trader's write access (place pays for blocks: Anchor's `mut`),
        // and instruction data Borsh refuses — cut short, or an enum byte out of range
        // (Anchor's InstructionDidNotDeserialize, 102). Expected from the accounts struct and
        // Anchor's handler, added after the switch.
        let mut read_only = place.clone();
        read_only.accounts[0].is_writable = false;
        let mut short = place.clone();
        short.data.truncate(8 + 20);
        let mut bad_side = place.clone();
        bad_side.data[8 + 4] = 7;
        // Paid by the test's payer: a fee payer is always writable.
        let mut lines = Vec::new();
        for ix in [read_only, short, bad_side] {
            lines.push(outcome(&world.send(&[ix], &[&payer, &key]).await));
        }
        check("place_order beyond its slots", lines, &["2000", "102", "102"]);
        let got = tamper(&mut world, &[place], 0, &key).await;
        check(
            "place_order",
            got,
            &[
                "slot 0 unsigned: 3010",
                "slot 1 read-only: 2000",
                "slot 1 absent: 3007",
                "slot 1 replaced by the next slot's account: 3007",
                "slot 2 absent: 3007",
                "slot 2 replaced by the next slot's account: 3007",
                "slot 3 absent: 3008",
                "slot 3 replaced by the next slot's account: 3008",
                "slot 4 absent: ok",
                "slot 4 replaced by the next slot's account: ok",
                "last account missing: 3005",
            ],
        );
    }

    let cancel =
        market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, order_id);
    let got = tamper(&mut world, &[cancel], 0, &key).await;
    check(
        "cancel_order",
        got,
        &[
            "slot 0 unsigned: 3010",
            "slot 1 read-only: 2000",
            "slot 1 absent: 3007",
            "slot 1 replaced by the next slot's account: 3007",
            "last account missing: 3005",
        ],
    );

    let deposit = market::client::deposit(world.market, trader.accounts(), trader.seat, 0, 0);
    let got = tamper(&mut world, &[deposit], 0, &key).await;
    check("deposit", got, &funds_expected("ok"));

    let withdraw = market::client::withdraw(world.market, trader.accounts(), trader.seat, 0, 1);
    let got = tamper(&mut world, &[withdraw], 0, &key).await;
    check("withdraw", got, &funds_expected("CPI signature refused"));

    // Accounts of the right kind that belong to someone else.
    let other = world.trader(LOT_SIZE, 1_000).await;
    let mut lines = Vec::new();
    for (slot, key) in [(3, other.base), (4, other.quote), (5, other.base), (6, other.quote)] {
        for build in [market::client::deposit, market::client::withdraw] {
            let mut ix = build(world.market, trader.accounts(), trader.seat, 1, 1);
            ix.accounts[slot].pubkey = key;
            let result = world.send(&[ix], &[&key_of(&trader)]).await;
            lines.push(format!("slot {slot}: {}", outcome(&result)));
        }
    }
    // ConstraintTokenOwner for the trader's accounts, InvalidVault for the vaults.
    check(
        "deposit and withdraw with someone else's accounts",
        lines,
        &[
            "slot 3: 2015",
            "slot 3: 2015",
            "slot 4: 2015",
            "slot 4: 2015",
            "slot 5: 6004",
            "slot 5: 6004",
            "slot 6: 6004",
            "slot 6: 6004",
        ],
    );

    let owner = Keypair::new();
    world.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let meter = world.register_meter(&owner, [5; 32]).await;
    world.set_time(T0 + 10 * 900);
    let baseline = Reading { interval_start_ts: T0, produced_wh: 0, consumed_wh: 0 };
    world.submit_reading(&meter, &owner.pubkey(), baseline).await.result.expect("baseline");
    let reading = Reading { interval_start_ts: T0 + 900, produced_wh: 500, consumed_wh: 0 };
    let ixs = world.attested_reading_ixs(&[5; 32], &owner.pubkey(), reading);
    let got = tamper(&mut world, &ixs, 1, &owner).await;
    check(
        "submit_reading",
        got,
        &[
            "slot 0 read-only: 2000",
            "slot 0 absent: 3012",
            "slot 0 replaced by the next slot's account: 3007",
            "slot 1 absent: 3007",
            "slot 1 replaced by the next slot's account: 3007",
            "slot 2 read-only: 2000",
            "slot 2 absent: 3012",
            "slot 2 replaced by the next slot's account: 3002",
            "slot 3 read-only: 2000",
            "slot 3 absent: 3012",
            "slot 3 replaced by the next slot's account: 3007",
            "slot 4 read-only: 2000",
            "slot 4 absent: 3012",
            "slot 4 replaced by the next slot's account: InvalidAccountData",
            "slot 5 read-only: 2000",
            "slot 5 absent: 3012",
            "slot 5 replaced by the next slot's account: 3007",
            "slot 6 absent: 2012",
            "slot 6 replaced by the next slot's account: 2012",
            "slot 7 absent: 3008",
            "slot 7 replaced by the next slot's account: 3008",
            "last account missing: 3005",
        ],
    );
}
