//! Manifest beside our market, in one bank, on the same books (issue #9, "Measure": a peer in
//! the same run, so the ratio is like for like, compiler included).
//!
//! Manifest is `manifest-dex` 2.0.1 from crates.io, unmodified, built to SBF by our route
//! (`tools/sbf/build.sh --peers` → `$GRIDTOKENX_CACHE/sbf/peers/manifest.so`). It is loaded into
//! the bank next to our programs as SBF; none of its code is linked here: its instructions are
//! encoded below from its published layout (instruction tag, then the Borsh parameters). It
//! cannot be a host dev-dependency: it pins solana-program 1.18, whose curve25519-dalek 3
//! needs zeroize < 1.4, and the workspace is on zeroize 1.9.
//!
//! Both books hold the same orders: `n` one-lot bids (1,000 base atoms) at 100..599 quote
//! atoms per base atom and `n` asks at 1,000..1,499, spread over 500 levels a side, for
//! n = 10, 1,000 and 10,000 (`PEER_DEPTHS=10,1000` for fewer). At each depth, one row per
//! program: place resting (a bid inside the spread, growing the account by a block, then
//! reusing the block its cancel freed), cancel, take 1 fill from deposited funds, and
//! Manifest's wallet-to-wallet swap of 1 fill. Ignored by default; a required feature keeps
//! it out of `make test`'s build. Run:
//!
//! ```sh
//! tools/sbf/build.sh && tools/sbf/build.sh --peers
//! SBF_OUT_DIR=~/.cache/gridtokenx/sbf/deploy cargo test --locked --workspace \
//!     --features gridtokenx-program-tests/peers --test peer_manifest -- --ignored --nocapture
//! ```
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use gridtokenx_program_tests::*;
use market::engine::{OrderType, Side};
use solana_account::Account;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Manifest's program id (its `declare_id!`).
const MANIFEST: &str = "MNFSTqtC93rEfYHB6hF82sKdZpUDFWkViLByLd1k1Ms";
const BPF_LOADER: &str = "BPFLoader2111111111111111111111111111111111";
const COMPUTE_BUDGET: &str = "ComputeBudget111111111111111111111111111111";
/// One order: our lot; Manifest's orders are in base atoms.
const ORDER_BASE_ATOMS: u64 = LOT_SIZE;

/// Manifest's instructions, encoded from the layout it publishes (program/instruction.rs:
/// one tag byte, then the Borsh-serialized parameters; accounts in the order documented
/// there). Only what the benchmark needs, only SPL Token mints, no global orders.
mod manifest {
    use super::*;

    pub const MARKET_FIXED_SIZE: u64 = 256;
    pub const BLOCK_SIZE: usize = 80;
    /// An RBNode's header (left, right, parent, color, payload type, padding) before its value.
    const NODE_HEADER: usize = 16;

    const CREATE_MARKET: u8 = 0;
    const CLAIM_SEAT: u8 = 1;
    const DEPOSIT: u8 = 2;
    const SWAP: u8 = 4;
    const BATCH_UPDATE: u8 = 6;

    pub const LIMIT: u8 = 0;
    pub const IMMEDIATE_OR_CANCEL: u8 = 1;
    pub const POST_ONLY: u8 = 2;

    pub fn id() -> Pubkey {
        Pubkey::from_str(MANIFEST).unwrap()
    }

    pub fn vault(market: &Pubkey, mint: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[b"vault", market.as_ref(), mint.as_ref()], &id()).0
    }

    fn system() -> Pubkey {
        solana_system_interface::program::ID
    }

    fn option_u32(out: &mut Vec<u8>, value: Option<u32>) {
        match value {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    pub fn create_market(
        payer: Pubkey,
        market: Pubkey,
        base_mint: Pubkey,
        quote_mint: Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: id(),
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(market, false),
                AccountMeta::new_readonly(system(), false),
                AccountMeta::new_readonly(base_mint, false),
                AccountMeta::new_readonly(quote_mint, false),
                AccountMeta::new(vault(&market, &base_mint), false),
                AccountMeta::new(vault(&market, &quote_mint), false),
                AccountMeta::new_readonly(spl_token_interface::ID, false),
                // Token-2022: its id only (the program is not called for SPL Token mints).
                AccountMeta::new_readonly(
                    Pubkey::from_str("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb").unwrap(),
                    false,
                ),
            ],
            data: vec![CREATE_MARKET],
        }
    }

    pub fn claim_seat(payer: Pubkey, market: Pubkey) -> Instruction {
        Instruction {
            program_id: id(),
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(market, false),
                AccountMeta::new_readonly(system(), false),
            ],
            data: vec![CLAIM_SEAT],
        }
    }

    /// DepositParams { amount_atoms: u64, trader_index_hint: Option<u32> }.
    pub fn deposit(
        payer: Pubkey,
        market: Pubkey,
        trader_token: Pubkey,
        mint: Pubkey,
        amount: u64,
        seat: u32,
    ) -> Instruction {
        let mut data = vec![DEPOSIT];
        data.extend_from_slice(&amount.to_le_bytes());
        option_u32(&mut data, Some(seat));
        Instruction {
            program_id: id(),
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(market, false),
                AccountMeta::new(trader_token, false),
                AccountMeta::new(vault(&market, &mint), false),
                AccountMeta::new_readonly(spl_token_interface::ID, false),
                AccountMeta::new_readonly(mint, false),
            ],
            data,
        }
    }

    /// PlaceOrderParams, in field order.
    pub struct Place {
        pub base_atoms: u64,
        pub price_mantissa: u32,
        pub price_exponent: i8,
        pub is_bid: bool,
        pub last_valid_slot: u32,
        pub order_type: u8,
    }

    /// A one-order placement at `price` quote atoms per base atom, no expiry.
    pub fn place(is_bid: bool, order_type: u8, price: u64) -> Place {
        Place {
            base_atoms: ORDER_BASE_ATOMS,
            price_mantissa: price as u32,
            price_exponent: 0,
            is_bid,
            last_valid_slot: 0,
            order_type,
        }
    }

    /// BatchUpdateParams { trader_index_hint: Option<u32>, cancels: Vec<CancelOrderParams
    /// { order_sequence_number: u64, order_index_hint: Option<u32> }>, orders:
    /// Vec<PlaceOrderParams> }; no global accounts.
    pub fn batch_update(
        payer: Pubkey,
        market: Pubkey,
        seat: u32,
        cancels: &[(u64, Option<u32>)],
        orders: &[Place],
    ) -> Instruction {
        let mut data = vec![BATCH_UPDATE];
        option_u32(&mut data, Some(seat));
        data.extend_from_slice(&(cancels.len() as u32).to_le_bytes());
        for (sequence_number, hint) in cancels {
            data.extend_from_slice(&sequence_number.to_le_bytes());
            option_u32(&mut data, *hint);
        }
        data.extend_from_slice(&(orders.len() as u32).to_le_bytes());
        for o in orders {
            data.extend_from_slice(&o.base_atoms.to_le_bytes());
            data.extend_from_slice(&o.price_mantissa.to_le_bytes());
            data.push(o.price_exponent as u8);
            data.push(o.is_bid as u8);
            data.extend_from_slice(&o.last_valid_slot.to_le_bytes());
            data.push(o.order_type);
        }
        Instruction {
            program_id: id(),
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(market, false),
                AccountMeta::new_readonly(system(), false),
            ],
            data,
        }
    }

    /// BatchUpdateReturn { orders: Vec<(u64 sequence number, u32 block index)> }.
    pub fn placed(return_data: &[u8]) -> Vec<(u64, u32)> {
        let n = u32::from_le_bytes(return_data[..4].try_into().unwrap()) as usize;
        (0..n)
            .map(|i| {
                let at = 4 + 12 * i;
                (
                    u64::from_le_bytes(return_data[at..at + 8].try_into().unwrap()),
                    u32::from_le_bytes(return_data[at + 8..at + 12].try_into().unwrap()),
                )
            })
            .collect()
    }

    /// SwapParams { in_atoms: u64, out_atoms: u64, is_base_in: bool, is_exact_in: bool };
    /// both mints SPL Token, no global.
    #[allow(clippy::too_many_arguments)]
    pub fn swap(
        payer: Pubkey,
        market: Pubkey,
        base_mint: Pubkey,
        quote_mint: Pubkey,
        trader_base: Pubkey,
        trader_quote: Pubkey,
        in_atoms: u64,
        out_atoms: u64,
        is_base_in: bool,
        is_exact_in: bool,
    ) -> Instruction {
        let mut data = vec![SWAP];
        data.extend_from_slice(&in_atoms.to_le_bytes());
        data.extend_from_slice(&out_atoms.to_le_bytes());
        data.push(is_base_in as u8);
        data.push(is_exact_in as u8);
        Instruction {
            program_id: id(),
            accounts: vec![
                AccountMeta::new(payer, true),
                AccountMeta::new(market, false),
                AccountMeta::new_readonly(system(), false),
                AccountMeta::new(trader_base, false),
                AccountMeta::new(trader_quote, false),
                AccountMeta::new(vault(&market, &base_mint), false),
                AccountMeta::new(vault(&market, &quote_mint), false),
                AccountMeta::new_readonly(spl_token_interface::ID, false),
            ],
            data,
        }
    }

    /// Orders on one side: the nodes of its red-black tree (bids' root at byte 156 of the
    /// fixed header, asks' at 164; children at +0 and +4 of a block; NIL = u32::MAX).
    pub fn side_count(market_data: &[u8], bids: bool) -> u32 {
        let word = |at: usize| u32::from_le_bytes(market_data[at..at + 4].try_into().unwrap());
        let mut stack = vec![word(if bids { 156 } else { 164 })];
        let mut count = 0;
        while let Some(node) = stack.pop() {
            if node == u32::MAX {
                continue;
            }
            count += 1;
            let at = MARKET_FIXED_SIZE as usize + node as usize;
            stack.extend([word(at), word(at + 4)]);
        }
        count
    }

    /// The block index of `trader`'s seat: the block whose value starts with its key.
    pub fn seat_index(market_data: &[u8], trader: &Pubkey) -> u32 {
        let start = MARKET_FIXED_SIZE as usize;
        (start..market_data.len())
            .step_by(BLOCK_SIZE)
            .find(|block| {
                market_data.get(block + NODE_HEADER..block + NODE_HEADER + 32) == Some(trader.as_ref())
            })
            .map(|block| (block - start) as u32)
            .unwrap_or_else(|| panic!("no seat for {trader}"))
    }
}

fn set_compute_unit_limit(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction { program_id: Pubkey::from_str(COMPUTE_BUDGET).unwrap(), accounts: vec![], data }
}

fn manifest_elf() -> Vec<u8> {
    let path = std::env::var("PEER_MANIFEST_SO").unwrap_or_else(|_| {
        let cache = std::env::var("GRIDTOKENX_CACHE")
            .unwrap_or_else(|_| format!("{}/.cache/gridtokenx", std::env::var("HOME").unwrap()));
        format!("{cache}/sbf/peers/manifest.so")
    });
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; build it with tools/sbf/build.sh --peers"))
}

async fn units(world: &mut World, ix: Instruction, signer: &Keypair) -> (u64, Vec<u8>) {
    let outcome = world.process(&[ix], &[signer]).await;
    outcome.result.unwrap_or_else(|e| panic!("{e:?}\n{:#?}", outcome.logs));
    (outcome.compute_units, outcome.return_data)
}

/// Units of `ix` run under the transaction's whole budget (1.4M): the program's own figure
/// from its "consumed" log line, or `None` when even that budget is not enough.
async fn units_unbounded(world: &mut World, ix: Instruction, signer: &Keypair) -> Option<u64> {
    let program = ix.program_id.to_string();
    let outcome = world.process(&[set_compute_unit_limit(1_400_000), ix], &[signer]).await;
    let consumed = outcome.logs.iter().find_map(|line| {
        let rest = line.strip_prefix(&format!("Program {program} consumed "))?;
        rest.split(' ').next()?.parse::<u64>().ok()
    });
    match outcome.result {
        Ok(()) => Some(consumed.expect("a consumed log line")),
        Err(_) if outcome.logs.iter().any(|l| l.contains("exceeded CUs meter")) => None,
        Err(e) => panic!("{e:?}\n{:#?}", outcome.logs),
    }
}

async fn mint_to(
    world: &mut World,
    mint: &Pubkey,
    authority: &Keypair,
    owner: &Pubkey,
    amount: u64,
) -> Pubkey {
    let ata = world.ata(owner, mint).await;
    let ix = spl_token_interface::instruction::mint_to(
        &spl_token_interface::ID,
        mint,
        &ata,
        &authority.pubkey(),
        &[],
        amount,
    )
    .expect("mint_to");
    let payer = world.ctx.payer.insecure_clone();
    world.send(&[ix], &[&payer, authority]).await.expect("mint");
    ata
}

/// A Manifest market on two fresh SPL mints, in the world's bank.
struct Peer {
    market: Pubkey,
    base_mint: Pubkey,
    quote_mint: Pubkey,
    mint_authority: Keypair,
}

/// A Manifest trader: wallet token accounts and, unless a pure swapper, a seat with deposits.
struct PeerTrader {
    key: Keypair,
    base: Pubkey,
    quote: Pubkey,
    seat: u32,
}

impl Peer {
    async fn create(world: &mut World) -> Peer {
        let mint_authority = Keypair::new();
        let (base_mint, quote_mint) = (Keypair::new(), Keypair::new());
        world.create_mint(&base_mint, &mint_authority.pubkey(), 6).await;
        world.create_mint(&quote_mint, &mint_authority.pubkey(), 6).await;
        let market = Keypair::new();
        let payer = world.ctx.payer.insecure_clone();
        let rent = world.ctx.banks_client.get_rent().await.expect("rent");
        let create = solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &market.pubkey(),
            rent.minimum_balance(manifest::MARKET_FIXED_SIZE as usize),
            manifest::MARKET_FIXED_SIZE,
            &manifest::id(),
        );
        let init =
            manifest::create_market(payer.pubkey(), market.pubkey(), base_mint.pubkey(), quote_mint.pubkey());
        world.send(&[create, init], &[&payer, &market]).await.expect("create the Manifest market");
        Peer {
            market: market.pubkey(),
            base_mint: base_mint.pubkey(),
            quote_mint: quote_mint.pubkey(),
            mint_authority,
        }
    }

    /// A funded wallet; with deposits, also a seat holding them.
    async fn trader(
        &self,
        world: &mut World,
        lamports: u64,
        base: u64,
        quote: u64,
        seat: bool,
    ) -> PeerTrader {
        let key = Keypair::new();
        world.airdrop(&key.pubkey(), lamports).await;
        let base_ata =
            mint_to(world, &self.base_mint, &self.mint_authority, &key.pubkey(), base.max(1)).await;
        let quote_ata =
            mint_to(world, &self.quote_mint, &self.mint_authority, &key.pubkey(), quote.max(1)).await;
        let mut trader = PeerTrader { key, base: base_ata, quote: quote_ata, seat: u32::MAX };
        if seat {
            let claim = manifest::claim_seat(trader.key.pubkey(), self.market);
            world.send(&[claim], &[&trader.key]).await.expect("claim a Manifest seat");
            let data = world.account(&self.market).await.expect("market").data;
            trader.seat = manifest::seat_index(&data, &trader.key.pubkey());
            let k = trader.key.pubkey();
            let deposits = [
                manifest::deposit(k, self.market, trader.base, self.base_mint, base, trader.seat),
                manifest::deposit(k, self.market, trader.quote, self.quote_mint, quote, trader.seat),
            ];
            world.send(&deposits, &[&trader.key]).await.expect("deposit into Manifest");
        }
        trader
    }

    /// Rests `n` more bids and asks for `maker`, ten of each per transaction.
    async fn deepen(&self, world: &mut World, maker: &PeerTrader, from: u64, n: u64) {
        let mut i = from;
        while i < from + n {
            let count = (from + n - i).min(10);
            let mut orders = Vec::new();
            for k in i..i + count {
                orders.push(manifest::place(true, manifest::POST_ONLY, 100 + k % 500));
                orders.push(manifest::place(false, manifest::POST_ONLY, 1_000 + k % 500));
            }
            let ix = manifest::batch_update(maker.key.pubkey(), self.market, maker.seat, &[], &orders);
            world
                .send(&[set_compute_unit_limit(1_400_000), ix], &[&maker.key])
                .await
                .expect("deepen Manifest");
            i += count;
        }
    }
}

async fn data_len(world: &mut World, key: &Pubkey) -> usize {
    world.account(key).await.expect("account").data.len()
}

struct Row {
    grows: u64,
    /// Whether that placement did grow the account (it does unless a free block was left).
    grew: bool,
    reuses: u64,
    cancel: u64,
    /// Manifest's cancel without the block hint (found by sequence number), when measured:
    /// `Some(None)` when it does not fit in a transaction.
    cancel_unhinted: Option<Option<u64>>,
    take: u64,
    swap: Option<u64>,
}

async fn measure_ours(world: &mut World, maker: &Trader, trader: &Trader) -> Row {
    let rest = market::client::place_order(trader.pubkey(), world.market, trader.seat, bid(350, 1), None);
    let key = world.market;
    let size = data_len(world, &key).await;
    let (grows, _) = units(world, rest.clone(), &trader.key).await;
    let grew = data_len(world, &key).await > size;
    let placed = world.market_state().await.book.header.next_order_id - 1;
    let cancel = market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed);
    let (cancel, _) = units(world, cancel, &trader.key).await;
    let (reuses, _) = units(world, rest, &trader.key).await;
    let placed = world.market_state().await.book.header.next_order_id - 1;
    let again = market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed);
    units(world, again, &trader.key).await;

    let take = order(Side::Bid, OrderType::ImmediateOrCancel, 1_000, 1);
    let take = market::client::place_order(trader.pubkey(), world.market, trader.seat, take, None);
    let (take, _) = units(world, take, &trader.key).await;
    // The filled ask back, so the depth stays as stated.
    let back = order(Side::Ask, OrderType::PostOnly, 1_000, 1);
    let back = market::client::place_order(maker.pubkey(), world.market, maker.seat, back, None);
    world.send(&[back], &[&maker.key]).await.expect("our ask back");
    Row { grows, grew, reuses, cancel, cancel_unhinted: None, take, swap: None }
}

async fn measure_manifest(
    world: &mut World,
    peer: &Peer,
    maker: &PeerTrader,
    trader: &PeerTrader,
    swapper: &PeerTrader,
) -> Row {
    let (m, t) = (peer.market, trader.key.pubkey());
    let rest =
        || manifest::batch_update(t, m, trader.seat, &[], &[manifest::place(true, manifest::LIMIT, 350)]);
    // The free block the last placement left is used, and the account grows by one (Manifest
    // always keeps a free block).
    let size = data_len(world, &m).await;
    let (grows, placed) = units(world, rest(), &trader.key).await;
    let grew = data_len(world, &m).await > size;
    let (sequence, index) = manifest::placed(&placed)[0];
    let hinted = manifest::batch_update(t, m, trader.seat, &[(sequence, Some(index))], &[]);
    let (cancel_hinted, _) = units(world, hinted, &trader.key).await;
    // The freed block is reused: no growth.
    let (reuses, placed) = units(world, rest(), &trader.key).await;
    let (sequence, index) = manifest::placed(&placed)[0];
    // Without the block hint, Manifest finds the order by its sequence number.
    let unhinted = manifest::batch_update(t, m, trader.seat, &[(sequence, None)], &[]);
    let cancel_unhinted = units_unbounded(world, unhinted, &trader.key).await;
    if cancel_unhinted.is_none() {
        // Still on the book: take it off the fast way.
        let hinted = manifest::batch_update(t, m, trader.seat, &[(sequence, Some(index))], &[]);
        units(world, hinted, &trader.key).await;
    }

    let take = manifest::place(true, manifest::IMMEDIATE_OR_CANCEL, 1_000);
    let (take, _) = units(world, manifest::batch_update(t, m, trader.seat, &[], &[take]), &trader.key).await;
    put_back_manifest_ask(world, peer, maker).await;

    // A wallet without a seat buys one order's base atoms, paying at most its quote: Manifest
    // lends a seat for the swap and moves tokens in and out (two Token CPIs).
    let swap = manifest::swap(
        swapper.key.pubkey(),
        m,
        peer.base_mint,
        peer.quote_mint,
        swapper.base,
        swapper.quote,
        1_000 * ORDER_BASE_ATOMS,
        ORDER_BASE_ATOMS,
        false,
        false,
    );
    let (swap, _) = units(world, swap, &swapper.key).await;
    put_back_manifest_ask(world, peer, maker).await;
    Row {
        grows,
        grew,
        reuses,
        cancel: cancel_hinted,
        cancel_unhinted: Some(cancel_unhinted),
        take,
        swap: Some(swap),
    }
}

async fn put_back_manifest_ask(world: &mut World, peer: &Peer, maker: &PeerTrader) {
    let ask = manifest::place(false, manifest::POST_ONLY, 1_000);
    let ix = manifest::batch_update(maker.key.pubkey(), peer.market, maker.seat, &[], &[ask]);
    world.send(&[ix], &[&maker.key]).await.expect("Manifest ask back");
}

#[tokio::test]
#[ignore = "a benchmark: builds books of up to 10,000 orders a side in two programs (run with --ignored)"]
async fn manifest_beside_our_market() {
    assert!(
        std::env::var_os("SBF_OUT_DIR").is_some(),
        "set SBF_OUT_DIR to tools/sbf/build.sh's deploy folder: natively run programs have no comparable compute units"
    );
    let depths: Vec<u64> = std::env::var("PEER_DEPTHS")
        .unwrap_or_else(|_| "10,1000,10000".into())
        .split(',')
        .map(|d| d.trim().parse().expect("PEER_DEPTHS: comma-separated order counts"))
        .collect();
    let deepest = *depths.iter().max().unwrap();
    let elf = manifest_elf();
    let program = Account {
        lamports: 1_000_000_000,
        data: elf,
        owner: Pubkey::from_str(BPF_LOADER).unwrap(),
        executable: true,
        rent_epoch: 0,
    };
    let mut world = World::new_with(|pt| pt.add_account(manifest::id(), program)).await;
    world.allow_large_readings().await;

    // Ours: a maker funded for `deepest` orders a side plus slack, and a trader.
    let maker = world.trader((deepest + 100) * LOT_SIZE, (deepest + 100) * 600 * TICK_SIZE).await;
    let trader = world.trader(100 * LOT_SIZE, 100_000 * TICK_SIZE).await;
    // Rent of the blocks of 2 × `deepest` orders (~0.0007 SOL each on either book).
    let rent = 2 * deepest * 1_000_000 + 10_000_000_000;
    world.airdrop(&maker.pubkey(), rent).await;

    // Manifest: the same funds in atoms (one lot = `ORDER_BASE_ATOMS` base atoms; a tick per
    // lot = one quote atom per base atom).
    let peer = Peer::create(&mut world).await;
    let (base, quote) = ((deepest + 100) * ORDER_BASE_ATOMS, (deepest + 100) * 600 * ORDER_BASE_ATOMS);
    let peer_maker = peer.trader(&mut world, rent, base, quote, true).await;
    let peer_trader =
        peer.trader(&mut world, 10_000_000_000, 100 * ORDER_BASE_ATOMS, 100_000_000, true).await;
    let swapper = peer.trader(&mut world, 10_000_000_000, 0, 100_000_000, false).await;

    println!("| resting orders per side | program | place resting (grows) | place resting (reuses a block) | cancel | take 1 fill (deposited funds) | swap 1 fill (wallet to wallet) |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    let mut depth = 0;
    for target in depths {
        let started = std::time::Instant::now();
        gridtokenx_program_tests::bench::deepen(&mut world, &maker, depth, target - depth).await;
        peer.deepen(&mut world, &peer_maker, depth, target - depth).await;
        depth = target;
        let book = world.market_state().await.book.header;
        assert_eq!((book.bid_count, book.ask_count), (target as u32, target as u32));
        let data = world.account(&peer.market).await.expect("Manifest market").data;
        let sides = (manifest::side_count(&data, true), manifest::side_count(&data, false));
        assert_eq!(sides, (target as u32, target as u32), "Manifest's book");
        let key = world.market;
        let ours_len = data_len(&mut world, &key).await;
        eprintln!(
            "depth {target}: both books built in {:.0?}; market accounts: ours {ours_len} bytes, Manifest's {}",
            started.elapsed(),
            data.len()
        );

        let ours = measure_ours(&mut world, &maker, &trader).await;
        let theirs = measure_manifest(&mut world, &peer, &peer_maker, &peer_trader, &swapper).await;
        let cancel = |r: &Row| match r.cancel_unhinted {
            Some(Some(unhinted)) => format!("{} ({unhinted} unhinted)", r.cancel),
            Some(None) => format!("{} (unhinted: over 1.4M)", r.cancel),
            None => r.cancel.to_string(),
        };
        let swap = |r: &Row| r.swap.map_or("–".to_string(), |s| s.to_string());
        for (name, r) in [("GridTokenX", &ours), ("Manifest 2.0.1", &theirs)] {
            println!(
                "| {target} | {name} | {} | {} | {} | {} | {} |",
                if r.grew { r.grows.to_string() } else { format!("{} (a free block was left)", r.grows) },
                r.reuses,
                cancel(r),
                r.take,
                swap(r)
            );
        }
        let ratio = |a: u64, b: u64| format!("{:.2}", a as f64 / b as f64);
        println!(
            "| {target} | ratio GridTokenX ÷ Manifest | {} | {} | {} | {} | – |",
            ratio(ours.grows, theirs.grows),
            ratio(ours.reuses, theirs.reuses),
            ratio(ours.cancel, theirs.cancel),
            ratio(ours.take, theirs.take)
        );
    }
}
