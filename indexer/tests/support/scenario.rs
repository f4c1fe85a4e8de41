//! Real transactions through localnet touching every program: a prosumer's attested
//! readings mint energy, it is sold on the book, a REC is issued, moved and retired, and
//! the council executes a fee change.
#![allow(dead_code)]
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::Node;
use gridtokenx_simulator::post::ChainMeter;
use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

use super::stack::{airdrop, send};

pub struct Prosumer {
    pub owner: Keypair,
    pub meter: Pubkey,
}

pub fn market_of(node: &Node) -> Pubkey {
    node.deployment.as_ref().expect("bootstrapped").market
}

pub fn quote_mint_of(node: &Node) -> Pubkey {
    node.deployment.as_ref().expect("bootstrapped").quote_mint
}

fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address(owner, mint)
}

pub fn accounts(node: &Node, trader: &Pubkey) -> market::client::TraderAccounts {
    market::client::TraderAccounts {
        trader: *trader,
        base: ata(trader, &energy::client::energy_mint_address()),
        quote: ata(trader, &quote_mint_of(node)),
    }
}

/// A registered meter whose readings minted `surplus_wh` to its (fresh) owner, who also
/// holds SOL and a quote token account.
pub async fn prosumer(
    node: &Node,
    keys: &DeploymentKeys,
    rpc: Arc<RpcClient>,
    meter_id: [u8; 32],
    surplus_wh: u64,
) -> Prosumer {
    onboarded_prosumer(node, keys, rpc, ChainMeter::onboard(meter_id), surplus_wh).await
}

/// `prosumer` for a meter onboarded beforehand (so its account address is known before it exists).
pub async fn onboarded_prosumer(
    node: &Node,
    keys: &DeploymentKeys,
    rpc: Arc<RpcClient>,
    meter: ChainMeter,
    surplus_wh: u64,
) -> Prosumer {
    let cluster_tag = gridtokenx_simulator::post::cluster_tag(&rpc).await.unwrap();
    let oracle =
        gridtokenx_simulator::oracle::Oracle::new(keys.oracle.insecure_clone(), energy::ID, cluster_tag);
    let poster = gridtokenx_simulator::post::Poster {
        rpc: rpc.clone(),
        oracle,
        payer: keys.traders[1].insecure_clone(),
        concurrency: 2,
    };
    poster.register(std::slice::from_ref(&meter)).await.expect("meter registered");
    let meters = [meter];
    let now = gridtokenx_simulator::unix_now();
    let aligned = now - now % 900;
    // 24 intervals apart, so the surplus stays under max_wh_per_interval × intervals.
    let baseline =
        energy::reading::Reading { interval_start_ts: aligned - 25 * 900, produced_wh: 10, consumed_wh: 5 };
    let second = energy::reading::Reading {
        interval_start_ts: aligned - 900,
        produced_wh: 10 + surplus_wh,
        consumed_wh: 5,
    };
    for reading in [baseline, second] {
        let report = poster.post(&meters, &[(0, reading)]).await;
        assert_eq!(report.landed, 1, "reading refused: {report:?}");
    }
    let meter = meters[0].address;
    let owner = meters[0].owner.insecure_clone();
    airdrop(&rpc, &owner.pubkey(), 2_000_000_000).await;
    let create_quote =
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &owner.pubkey(),
            &owner.pubkey(),
            &quote_mint_of(node),
            &spl_token_interface::ID,
        );
    send(&rpc, &[create_quote], &[&owner]).await;
    Prosumer { owner, meter }
}

/// The trader's seat index in `market`, read from the chain.
pub async fn seat_of(rpc: &RpcClient, market: &Pubkey, trader: &Pubkey) -> u32 {
    let data = rpc.get_account_data(market).await.unwrap();
    let Some(gridtokenx_indexer::ingest::decode::ProgramAccount::Market(m)) =
        gridtokenx_indexer::ingest::decode::account(&market::ID, &data).unwrap()
    else {
        panic!("not a market")
    };
    m.book.view().find_seat(&trader.to_bytes()).expect("decodes").expect("seat claimed")
}

pub fn packet(side: Side, order_type: OrderType, price: u64, lots: u64, client_order_id: u64) -> OrderPacket {
    OrderPacket {
        side,
        order_type,
        price: Ticks(price),
        lots: BaseLots(lots),
        client_order_id,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::CancelResting,
        match_limit: 16,
    }
}

/// Seat and deposit for `trader` (its token accounts for both mints created when missing,
/// as a wallet would). Returns the seat.
pub async fn seat_and_deposit(node: &Node, rpc: &RpcClient, trader: &Keypair, base: u64, quote: u64) -> u32 {
    let market = market_of(node);
    let create: Vec<_> = [energy::client::energy_mint_address(), quote_mint_of(node)]
        .iter()
        .map(|mint| {
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &trader.pubkey(),
                &trader.pubkey(),
                mint,
                &spl_token_interface::ID,
            )
        })
        .collect();
    send(rpc, &create, &[trader]).await;
    send(rpc, &[market::client::claim_seat(trader.pubkey(), market)], &[trader]).await;
    let seat = seat_of(rpc, &market, &trader.pubkey()).await;
    send(
        rpc,
        &[market::client::deposit(market, accounts(node, &trader.pubkey()), seat, base, quote)],
        &[trader],
    )
    .await;
    seat
}

pub async fn place(
    node: &Node,
    rpc: &RpcClient,
    trader: &Keypair,
    seat: u32,
    p: OrderPacket,
) -> (String, u64) {
    send(rpc, &[market::client::place_order(trader.pubkey(), market_of(node), seat, p, None)], &[trader])
        .await
}

/// The whole flow, the prosumer's meter being `meter`. Returns the slot of its last transaction.
pub async fn run(node: &Node, keys: &DeploymentKeys, rpc: Arc<RpcClient>, meter: ChainMeter) -> u64 {
    let market = market_of(node);
    let prosumer = onboarded_prosumer(node, keys, rpc.clone(), meter, 1_100_000).await;
    let alice = &keys.traders[0];

    // The prosumer offers 100 kWh at 0.12; Alice takes 30, rests a bid she then cancels.
    let p_seat = seat_and_deposit(node, &rpc, &prosumer.owner, 200_000, 0).await;
    place(node, &rpc, &prosumer.owner, p_seat, packet(Side::Ask, OrderType::Limit, 120, 100, 1)).await;
    let a_seat = seat_and_deposit(node, &rpc, alice, 0, 100_000_000).await;
    place(node, &rpc, alice, a_seat, packet(Side::Bid, OrderType::ImmediateOrCancel, 125, 30, 2)).await;
    place(node, &rpc, alice, a_seat, packet(Side::Bid, OrderType::Limit, 100, 5, 3)).await;
    send(&rpc, &[market::client::cancel_all(alice.pubkey(), market, a_seat)], &[alice]).await;
    send(
        &rpc,
        &[market::client::withdraw(market, accounts(node, &alice.pubkey()), a_seat, 30_000, 0)],
        &[alice],
    )
    .await;
    // A second taker, partially: the ask stays resting with 60 lots.
    place(node, &rpc, alice, a_seat, packet(Side::Bid, OrderType::ImmediateOrCancel, 120, 10, 4)).await;

    // One MWh certified, given to Alice, retired for a beneficiary.
    let owner = &prosumer.owner;
    send(&rpc, &[energy::client::issue_rec(owner.pubkey(), prosumer.meter, 0, 1)], &[owner]).await;
    let certificate = energy::client::certificate_address(&prosumer.meter, 0);
    send(&rpc, &[energy::client::transfer_rec(owner.pubkey(), certificate, alice.pubkey())], &[owner]).await;
    let beneficiary = Pubkey::new_unique();
    send(&rpc, &[energy::client::retire_rec(alice.pubkey(), certificate, beneficiary)], &[alice]).await;

    // The council raises the taker fee: propose, approve, execute.
    let council = governance::client::council_address();
    let params =
        market::instructions::UpdateMarketParams { taker_fee_bps: 30, paused: false, price_band: None };
    let ix = market::client::update_market(council, market, params);
    let index = node.deployment.as_ref().unwrap().next_proposal;
    let (proposer, approver) = (&keys.members[0], &keys.members[1]);
    send(&rpc, &[governance::client::propose(proposer.pubkey(), index, &ix, 0)], &[proposer]).await;
    send(&rpc, &[governance::client::approve(approver.pubkey(), index)], &[approver]).await;
    let (_, slot) =
        send(&rpc, &[governance::client::execute(proposer.pubkey(), index, &ix)], &[proposer]).await;
    slot
}
