use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use energy::reading::Reading;
use localnet::bootstrap;
use localnet::keys::DeploymentKeys;
use solana_account::Account;
use solana_clock::Clock;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::get_associated_token_address;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;

/// A fixed start time, a multiple of the 900 s interval, so every test sees the same clock.
pub const T0: i64 = 1_800_000_000;
pub const CLUSTER_TAG: [u8; 32] = [0x6c; 32];
pub use bootstrap::{LOT_SIZE, QUOTE_DECIMALS, TAKER_FEE_BPS, TICK_SIZE};

pub fn reading_rules() -> energy::state::ReadingRules {
    bootstrap::default_reading_rules()
}

pub struct World {
    pub ctx: ProgramTestContext,
    /// Upgrade authority, council of three (threshold two), guardian, oracle, quote mint.
    pub keys: DeploymentKeys,
    pub energy_mint: Pubkey,
    pub market: Pubkey,
    pub next_proposal: u64,
    /// The blockhash transactions are signed with, and the signatures sent with it. An
    /// identical transaction (same message, hence same signature) would be refused as
    /// already processed, so only then does `process` wait for the next blockhash; every
    /// other transaction goes out at once (waiting each time cost ~0.4 s per transaction:
    /// a test of 130 transactions took a minute).
    recent: (solana_hash::Hash, std::collections::HashSet<solana_signature::Signature>),
}

pub type TxResult = Result<(), BanksClientError>;

/// What a landed or failed transaction left behind.
pub struct TxOutcome {
    pub result: TxResult,
    pub logs: Vec<String>,
    pub return_data: Vec<u8>,
    pub compute_units: u64,
}

impl World {
    /// Vault balances equal what the book says it holds: every seat's free and locked
    /// balances plus accrued fees. Nothing created, nothing lost.
    pub async fn assert_conserved(&mut self) {
        let m = self.market_state().await;
        let (mut base, mut quote) = (0u128, 0u128);
        for (_, seat) in m.book.seats() {
            base += u128::from(seat.base_free) + u128::from(seat.base_locked);
            quote += u128::from(seat.quote_free) + u128::from(seat.quote_locked);
        }
        quote += u128::from(m.book.header.fees_accrued_quote_atoms);
        let base_vault = self.token_balance(&m.header.base_vault).await;
        let quote_vault = self.token_balance(&m.header.quote_vault).await;
        assert_eq!((u128::from(base_vault), u128::from(quote_vault)), (base, quote));
    }

    /// Governance and energy initialized, the oracle registered and the market created,
    /// all through the council (localnet's bootstrap); the clock at `T0`.
    pub async fn new() -> World {
        World::new_with(|_| {}).await
    }

    /// `new`, with `add` given the ProgramTest before the bank starts: for programs that are
    /// not ours (a benchmark's peer, tests/programs/peers/manifest.rs).
    pub async fn new_with(add: impl FnOnce(&mut ProgramTest)) -> World {
        // The deployment funds the upgrade authority, council and guardian itself: the same
        // transfers sent twice with one blockhash would be one transaction, and the second
        // is refused as already processed.
        let mut world = World::bare_with(add, false).await;
        let deployment =
            bootstrap::deploy(&mut world.ctx, &world.keys, CLUSTER_TAG).await.expect("bootstrap");
        world.market = deployment.market;
        world.next_proposal = deployment.next_proposal;
        world
    }

    /// Programs deployed, nothing initialized; upgrade authority, council and guardian funded.
    pub async fn bare() -> World {
        World::bare_with(|_| {}, true).await
    }

    async fn bare_with(add: impl FnOnce(&mut ProgramTest), fund_people: bool) -> World {
        let keys = DeploymentKeys::random();
        let mut pt = localnet::native::program_test(&keys.upgrade_authority.pubkey());
        add(&mut pt);
        let ctx = localnet::native::start(pt).await;
        let mut world = World {
            ctx,
            keys,
            energy_mint: energy::client::energy_mint_address(),
            market: Pubkey::default(),
            next_proposal: 0,
            recent: Default::default(),
        };
        let people: Vec<Pubkey> = std::iter::once(world.keys.upgrade_authority.pubkey())
            .chain(world.keys.members.iter().map(|m| m.pubkey()))
            .chain([world.keys.guardian.pubkey()])
            .collect();
        if fund_people {
            for key in people {
                world.airdrop(&key, 100_000_000_000).await;
            }
        }
        world.set_time(T0);
        world
    }

    pub fn council_config(&self) -> governance::instructions::CouncilConfig {
        governance::instructions::CouncilConfig {
            members: self.keys.members.iter().map(|m| m.pubkey()).collect(),
            threshold: 2,
            guardians: vec![self.keys.guardian.pubkey()],
        }
    }

    pub async fn init_governance(&mut self) -> TxResult {
        let ix = governance::client::initialize(self.keys.upgrade_authority.pubkey(), self.council_config());
        let authority = self.keys.upgrade_authority.insecure_clone();
        self.send(&[ix], &[&authority]).await
    }

    pub async fn init_energy(&mut self) -> TxResult {
        let ix = energy::client::initialize(
            self.keys.upgrade_authority.pubkey(),
            energy::instructions::InitializeParams { cluster_tag: CLUSTER_TAG, rules: reading_rules() },
        );
        let authority = self.keys.upgrade_authority.insecure_clone();
        self.send(&[ix], &[&authority]).await
    }

    // ---------------------------------------------------------------- transactions

    /// Signs with `signers` (the first pays) and processes, keeping logs and CU.
    pub async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxOutcome {
        let payer = signers.first().map(|k| k.pubkey()).unwrap_or(self.ctx.payer.pubkey());
        let mut all: Vec<&Keypair> = signers.to_vec();
        if signers.is_empty() {
            all.push(&self.ctx.payer);
        }
        let latest = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
        if latest != self.recent.0 {
            self.recent = (latest, Default::default());
        }
        let mut tx = Transaction::new_signed_with_payer(ixs, Some(&payer), &all, latest);
        if !self.recent.1.insert(tx.signatures[0]) {
            use solana_program_test::ProgramTestBanksClientExt;
            let next = self.ctx.banks_client.get_new_latest_blockhash(&latest).await.expect("a new blockhash");
            self.recent = (next, Default::default());
            tx = Transaction::new_signed_with_payer(ixs, Some(&payer), &all, next);
            self.recent.1.insert(tx.signatures[0]);
        }
        match self.ctx.banks_client.process_transaction_with_metadata_and_context(patient(), tx).await {
            // No metadata means the transaction was refused before execution (e.g. an
            // unfunded fee payer); the result says why.
            Ok(outcome) => {
                let result = outcome.result.map_err(BanksClientError::TransactionError);
                if let (Ok(()), Some(meta)) = (&result, &outcome.metadata) {
                    localnet::compute_units::record(&meta.log_messages);
                }
                match outcome.metadata {
                    Some(meta) => TxOutcome {
                        result,
                        logs: meta.log_messages,
                        return_data: meta.return_data.map(|r| r.data).unwrap_or_default(),
                        compute_units: meta.compute_units_consumed,
                    },
                    None => TxOutcome { result, logs: vec![], return_data: vec![], compute_units: 0 },
                }
            }
            Err(err) => TxOutcome { result: Err(err), logs: vec![], return_data: vec![], compute_units: 0 },
        }
    }

    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        self.process(ixs, signers).await.result
    }

    /// Sends with the test context's funded payer only.
    pub async fn send_unsigned(&mut self, ixs: &[Instruction]) -> TxResult {
        let payer = self.ctx.payer.insecure_clone();
        self.send(ixs, &[&payer]).await
    }

    /// Runs `ix` with the council PDA as signer: member 0 proposes (and pays, and
    /// executes), member 1 approves.
    pub async fn council_exec(&mut self, ix: Instruction) -> TxResult {
        let index = self.propose(&ix).await?;
        let approver = self.keys.members[1].insecure_clone();
        self.send(&[governance::client::approve(approver.pubkey(), index)], &[&approver]).await?;
        self.execute(index, &ix).await
    }

    pub async fn propose(&mut self, ix: &Instruction) -> Result<u64, BanksClientError> {
        let index = self.next_proposal;
        let proposer = self.keys.members[0].insecure_clone();
        self.send(&[governance::client::propose(proposer.pubkey(), index, ix, 0)], &[&proposer]).await?;
        self.next_proposal += 1;
        Ok(index)
    }

    pub async fn execute(&mut self, index: u64, ix: &Instruction) -> TxResult {
        let executor = self.keys.members[0].insecure_clone();
        self.send(&[governance::client::execute(executor.pubkey(), index, ix)], &[&executor]).await
    }

    // ---------------------------------------------------------------- chain state

    pub fn set_time(&mut self, unix_timestamp: i64) {
        let clock =
            Clock { unix_timestamp, slot: 1_000 + (unix_timestamp - T0).max(0) as u64, ..Clock::default() };
        self.ctx.set_sysvar(&clock);
    }

    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix = solana_system_interface::instruction::transfer(&self.ctx.payer.pubkey(), to, lamports);
        self.send_unsigned(&[ix]).await.expect("airdrop");
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.expect("banks")
    }

    pub async fn anchor_account<T: AccountDeserialize>(&mut self, key: &Pubkey) -> T {
        let account = self.account(key).await.unwrap_or_else(|| panic!("account {key} missing"));
        T::try_deserialize(&mut &account.data[..]).expect("decodes")
    }

    /// A zero-copy account (`#[account(zero_copy)]`), copied out of its data.
    pub async fn zero_copy<T: bytemuck::Pod>(&mut self, key: &Pubkey) -> Box<T> {
        let account = self.account(key).await.unwrap_or_else(|| panic!("account {key} missing"));
        let body = &account.data[8..8 + std::mem::size_of::<T>()];
        let mut out: Box<T> = bytemuck::zeroed_box();
        bytemuck::bytes_of_mut(out.as_mut()).copy_from_slice(body);
        out
    }

    pub async fn token_balance(&mut self, token_account: &Pubkey) -> u64 {
        use solana_program_pack::Pack;
        let account = self.account(token_account).await.expect("token account exists");
        spl_token_interface::state::Account::unpack(&account.data).expect("token account").amount
    }

    // ---------------------------------------------------------------- tokens

    pub async fn create_mint(&mut self, mint: &Keypair, authority: &Pubkey, decimals: u8) {
        bootstrap::create_mint(&mut self.ctx, mint, authority, decimals).await.expect("create mint");
    }

    /// The owner's associated token account for `mint`, created if missing.
    pub async fn ata(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let ix = create_associated_token_account_idempotent(
            &self.ctx.payer.pubkey(),
            owner,
            mint,
            &spl_token_interface::ID,
        );
        self.send_unsigned(&[ix]).await.expect("create ata");
        get_associated_token_address(owner, mint)
    }

    pub async fn mint_quote(&mut self, owner: &Pubkey, amount: u64) -> Pubkey {
        let mint = self.keys.quote_mint.pubkey();
        let ata = self.ata(owner, &mint).await;
        let authority = self.keys.quote_mint_authority.insecure_clone();
        let payer = self.ctx.payer.insecure_clone();
        let ix = spl_token_interface::instruction::mint_to(
            &spl_token_interface::ID,
            &mint,
            &ata,
            &authority.pubkey(),
            &[],
            amount,
        )
        .expect("ix");
        self.send(&[ix], &[&payer, &authority]).await.expect("mint quote");
        ata
    }

    // ---------------------------------------------------------------- energy

    /// Registers a meter for `owner` and creates the owner's energy token account.
    pub async fn register_meter(&mut self, owner: &Keypair, meter_id: [u8; 32]) -> Pubkey {
        self.send(&[energy::client::register_meter(owner.pubkey(), meter_id)], &[owner])
            .await
            .expect("register meter");
        let mint = self.energy_mint;
        self.ata(&owner.pubkey(), &mint).await;
        energy::client::meter_address(&meter_id, &owner.pubkey())
    }

    /// [Ed25519 verify, submit_reading] for `reading`, signed by `signer` over the
    /// canonical message for (`program_id`, `cluster_tag`, meter, meter owner).
    pub fn signed_reading_ixs(
        signer: &Keypair,
        oracle: &Pubkey,
        meter: &Pubkey,
        meter_owner: &Pubkey,
        reading: Reading,
        program_id: &Pubkey,
        cluster_tag: &[u8; 32],
    ) -> [Instruction; 2] {
        let message =
            energy::attestation::reading_message(program_id, cluster_tag, meter, meter_owner, &reading);
        let signature = signer.sign_message(&message);
        let verify = solana_ed25519_program::new_ed25519_instruction_with_signature(
            &message,
            signature.as_array(),
            &signer.pubkey().to_bytes(),
        );
        let submit = energy::client::submit_reading(
            *meter,
            *meter_owner,
            *oracle,
            reading,
            energy::attestation::SignatureRef { instruction_index: 0, entry: 0 },
        );
        [verify, submit]
    }

    /// What the oracle publishes for `reading` of the meter `meter_id` whose owner on its
    /// customer record is `owner`, and the instruction that mints it to that owner:
    /// [Ed25519 verify, submit_reading].
    pub fn attested_reading_ixs(
        &self,
        meter_id: &[u8; 32],
        owner: &Pubkey,
        reading: Reading,
    ) -> [Instruction; 2] {
        let oracle = &self.keys.oracle;
        let meter = energy::client::meter_address(meter_id, owner);
        Self::signed_reading_ixs(oracle, &oracle.pubkey(), &meter, owner, reading, &energy::ID, &CLUSTER_TAG)
    }

    /// Submits `reading` attested by the registered oracle.
    pub async fn submit_reading(&mut self, meter: &Pubkey, owner: &Pubkey, reading: Reading) -> TxOutcome {
        let oracle = self.keys.oracle.insecure_clone();
        let ixs = Self::signed_reading_ixs(
            &oracle,
            &oracle.pubkey(),
            meter,
            owner,
            reading,
            &energy::ID,
            &CLUSTER_TAG,
        );
        let payer = self.ctx.payer.insecure_clone();
        self.process(&ixs, &[&payer]).await
    }

    // ---------------------------------------------------------------- market

    /// Creates another market for (energy, quote) through the council.
    pub async fn create_market(
        &mut self,
        price_band: Option<market::state::PriceBand>,
    ) -> Result<Pubkey, BanksClientError> {
        let market = Keypair::new();
        let quote_mint = self.keys.quote_mint.pubkey();
        let proposal = self.next_proposal;
        self.next_proposal += 1;
        bootstrap::create_market(
            &mut self.ctx,
            &self.keys,
            proposal,
            &market,
            self.energy_mint,
            quote_mint,
            price_band,
        )
        .await?;
        Ok(market.pubkey())
    }

    /// The market account decoded: header, book header, seats and orders.
    pub async fn market_state(&mut self) -> market::state::MarketState {
        let key = self.market;
        let account = self.account(&key).await.expect("market account");
        market::state::MarketState::decode(&account.data).expect("market decodes")
    }
}

/// A trader with a seat on the world's market and token accounts for both mints.
pub struct Trader {
    pub key: Keypair,
    pub base: Pubkey,
    pub quote: Pubkey,
    pub seat: u32,
}

impl Trader {
    pub fn pubkey(&self) -> Pubkey {
        self.key.pubkey()
    }

    pub fn accounts(&self) -> market::client::TraderAccounts {
        market::client::TraderAccounts { trader: self.key.pubkey(), base: self.base, quote: self.quote }
    }
}

impl World {
    /// Lets one reading carry enough production to fund traders quickly.
    pub async fn allow_large_readings(&mut self) {
        let mut rules = reading_rules();
        rules.max_wh_per_interval = 1_000_000_000;
        let council = governance::client::council_address();
        self.council_exec(energy::client::update_rules(council, rules)).await.expect("update rules");
    }

    /// Energy the only way it exists: a meter, an attested baseline and an attested
    /// reading with `wh` of surplus. Needs `allow_large_readings` for big amounts.
    pub async fn mint_energy(&mut self, owner: &Keypair, wh: u64) {
        if wh == 0 {
            let mint = self.energy_mint;
            self.ata(&owner.pubkey(), &mint).await;
            return;
        }
        let meter_id = owner.pubkey().to_bytes();
        let meter = self.register_meter(owner, meter_id).await;
        self.set_time(T0 + 10 * 900);
        let base = Reading { interval_start_ts: T0, produced_wh: 0, consumed_wh: 0 };
        self.submit_reading(&meter, &owner.pubkey(), base).await.result.expect("baseline");
        let r = Reading { interval_start_ts: T0 + 900, produced_wh: wh, consumed_wh: 0 };
        self.submit_reading(&meter, &owner.pubkey(), r).await.result.expect("mint");
    }

    /// A funded trader with a claimed seat and everything deposited into the market.
    pub async fn trader(&mut self, energy_wh: u64, quote_atoms: u64) -> Trader {
        let key = Keypair::new();
        self.airdrop(&key.pubkey(), 1_000_000_000).await;
        self.mint_energy(&key, energy_wh).await;
        let quote = self.mint_quote(&key.pubkey(), quote_atoms).await;
        let base = get_associated_token_address(&key.pubkey(), &self.energy_mint);
        let market = self.market;
        let outcome = self.process(&[market::client::claim_seat(key.pubkey(), market)], &[&key]).await;
        outcome.result.expect("claim seat");
        // Return data is not available to natively run programs (solana-cpi makes
        // set_return_data a no-op off-chain), so the seat comes from the event.
        let seat = crate::decode_events::<market::events::SeatClaimed>(&outcome.logs)[0].seat;
        let trader = Trader { key, base, quote, seat };
        if energy_wh > 0 || quote_atoms > 0 {
            let ix = market::client::deposit(market, trader.accounts(), seat, energy_wh, quote_atoms);
            self.send(&[ix], &[&trader.key]).await.expect("deposit");
        }
        trader
    }

    pub async fn place(&mut self, trader: &Trader, packet: market::engine::OrderPacket) -> TxOutcome {
        let ix = market::client::place_order(trader.pubkey(), self.market, trader.seat, packet, None);
        self.process(&[ix], &[&trader.key]).await
    }
}

/// A banks request context with a deadline of two minutes. tarpc's default is 10 s, and on a
/// loaded 2-core machine an SBF transaction can take longer (the first call into a program
/// loads, verifies and compiles its ~1 MB .so; a taker at the match limit runs ~500,000 CU in
/// the interpreter of a debug build): the test then failed with the deadline instead of the
/// transaction's own result. No honest transaction comes near two minutes.
fn patient() -> tarpc::context::Context {
    let mut context = tarpc::context::current();
    context.deadline = std::time::SystemTime::now() + std::time::Duration::from_secs(120);
    context
}
