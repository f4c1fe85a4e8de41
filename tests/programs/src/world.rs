use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::bpf_loader_upgradeable::{self, UpgradeableLoaderState};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::AccountDeserialize;
use energy::reading::Reading;
use solana_account::Account;
use solana_clock::Clock;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::get_associated_token_address;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;

/// A fixed start time, a multiple of the 900 s interval, so every test sees the same clock.
pub const T0: i64 = 1_800_000_000;
pub const CLUSTER_TAG: [u8; 32] = [0x6c; 32];
pub const QUOTE_DECIMALS: u8 = 6;
/// 1 lot = 1 kWh = 1000 energy atoms (Wh); 1 tick = 0.001 quote per kWh.
pub const LOT_SIZE: u64 = 1_000;
pub const TICK_SIZE: u64 = 1_000;
pub const TAKER_FEE_BPS: u16 = 25;

pub fn reading_rules() -> energy::state::ReadingRules {
    energy::state::ReadingRules {
        interval_secs: 900,
        max_future_secs: 60,
        max_staleness_secs: 86_400,
        max_wh_per_interval: 50_000,
    }
}

// Anchor's entrypoints tie the accounts slice to the AccountInfo lifetime; program-test's
// processor type does not. The runtime keeps both alive for the whole call.
macro_rules! native_entry {
    ($name:ident, $program:ident) => {
        fn $name(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
            let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
            $program::entry(program_id, accounts, data)
        }
    };
}
native_entry!(governance_entry, governance);
native_entry!(energy_entry, energy);
native_entry!(market_entry, market);

pub struct World {
    pub ctx: ProgramTestContext,
    pub upgrade_authority: Keypair,
    /// Council of three, threshold two.
    pub members: Vec<Keypair>,
    pub guardian: Keypair,
    pub oracle: Keypair,
    pub quote_mint: Keypair,
    pub quote_mint_authority: Keypair,
    pub energy_mint: Pubkey,
    pub market: Pubkey,
    pub next_proposal: u64,
}

pub fn program_test(upgrade_authority: &Pubkey) -> ProgramTest {
    let mut pt = ProgramTest::new("governance", governance::ID, processor!(governance_entry));
    pt.add_program("energy", energy::ID, processor!(energy_entry));
    pt.add_program("market", market::ID, processor!(market_entry));
    pt.prefer_bpf(false);
    for id in [governance::ID, energy::ID, market::ID] {
        pt.add_account(
            governance::client::program_data_address(&id),
            program_data_account(upgrade_authority),
        );
    }
    pt
}

/// Native programs have no ProgramData; we add the account the upgradeable loader would
/// hold for a deployed program, which is what the initializers check.
pub fn program_data_account(upgrade_authority: &Pubkey) -> Account {
    let state =
        UpgradeableLoaderState::ProgramData { slot: 0, upgrade_authority_address: Some(*upgrade_authority) };
    Account {
        lamports: 10_000_000,
        data: bincode::serialize(&state).expect("serializable"),
        owner: bpf_loader_upgradeable::ID,
        executable: false,
        rent_epoch: 0,
    }
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
    /// Governance and energy initialized, the oracle registered and the market created,
    /// all through the council; the clock at `T0`.
    pub async fn new() -> World {
        let mut world = World::bare().await;
        world.init_governance().await.expect("governance init");
        world.init_energy().await.expect("energy init");
        let oracle = world.oracle.pubkey();
        let payer = world.members[0].pubkey();
        world
            .council_exec(energy::client::register_oracle(
                governance::client::council_address(),
                payer,
                oracle,
            ))
            .await
            .expect("register oracle");
        world.create_quote_mint().await;
        world.market = world.create_market(None).await.expect("create market");
        world
    }

    /// Programs deployed, nothing initialized.
    pub async fn bare() -> World {
        let upgrade_authority = Keypair::new();
        let ctx = program_test(&upgrade_authority.pubkey()).start_with_context().await;
        crate::native_bridge::install();
        let mut world = World {
            ctx,
            upgrade_authority,
            members: (0..3).map(|_| Keypair::new()).collect(),
            guardian: Keypair::new(),
            oracle: Keypair::new(),
            quote_mint: Keypair::new(),
            quote_mint_authority: Keypair::new(),
            energy_mint: energy::client::energy_mint_address(),
            market: Pubkey::default(),
            next_proposal: 0,
        };
        let keys: Vec<Pubkey> = std::iter::once(world.upgrade_authority.pubkey())
            .chain(world.members.iter().map(|m| m.pubkey()))
            .chain([world.guardian.pubkey()])
            .collect();
        for key in keys {
            world.airdrop(&key, 100_000_000_000).await;
        }
        world.set_time(T0);
        world
    }

    pub fn council_config(&self) -> governance::instructions::CouncilConfig {
        governance::instructions::CouncilConfig {
            members: self.members.iter().map(|m| m.pubkey()).collect(),
            threshold: 2,
            guardians: vec![self.guardian.pubkey()],
        }
    }

    pub async fn init_governance(&mut self) -> TxResult {
        let ix = governance::client::initialize(self.upgrade_authority.pubkey(), self.council_config());
        let authority = self.upgrade_authority.insecure_clone();
        self.send(&[ix], &[&authority]).await
    }

    pub async fn init_energy(&mut self) -> TxResult {
        let ix = energy::client::initialize(
            self.upgrade_authority.pubkey(),
            energy::instructions::InitializeParams { cluster_tag: CLUSTER_TAG, rules: reading_rules() },
        );
        let authority = self.upgrade_authority.insecure_clone();
        self.send(&[ix], &[&authority]).await
    }

    // ---------------------------------------------------------------- transactions

    /// Signs with `signers` (the first pays) and processes, keeping logs and CU.
    pub async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxOutcome {
        let blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
        let payer = signers.first().map(|k| k.pubkey()).unwrap_or(self.ctx.payer.pubkey());
        let mut all: Vec<&Keypair> = signers.to_vec();
        if signers.is_empty() {
            all.push(&self.ctx.payer);
        }
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer), &all, blockhash);
        match self.ctx.banks_client.process_transaction_with_metadata(tx).await {
            // No metadata means the transaction was refused before execution (e.g. an
            // unfunded fee payer); the result says why.
            Ok(outcome) => {
                let result = outcome.result.map_err(BanksClientError::TransactionError);
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
        let approver = self.members[1].insecure_clone();
        self.send(&[governance::client::approve(approver.pubkey(), index)], &[&approver]).await?;
        self.execute(index, &ix).await
    }

    pub async fn propose(&mut self, ix: &Instruction) -> Result<u64, BanksClientError> {
        let index = self.next_proposal;
        let proposer = self.members[0].insecure_clone();
        self.send(&[governance::client::propose(proposer.pubkey(), index, ix, 0)], &[&proposer]).await?;
        self.next_proposal += 1;
        Ok(index)
    }

    pub async fn execute(&mut self, index: u64, ix: &Instruction) -> TxResult {
        let executor = self.members[0].insecure_clone();
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

    pub async fn create_quote_mint(&mut self) {
        let mint = self.quote_mint.insecure_clone();
        let authority = self.quote_mint_authority.pubkey();
        self.create_mint(&mint, &authority, QUOTE_DECIMALS).await;
    }

    pub async fn create_mint(&mut self, mint: &Keypair, authority: &Pubkey, decimals: u8) {
        let payer = self.ctx.payer.insecure_clone();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = <spl_token_interface::state::Mint as solana_program_pack::Pack>::LEN;
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &spl_token_interface::ID,
            ),
            spl_token_interface::instruction::initialize_mint2(
                &spl_token_interface::ID,
                &mint.pubkey(),
                authority,
                None,
                decimals,
            )
            .expect("ix"),
        ];
        self.send(&ixs, &[&payer, mint]).await.expect("create mint");
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
        let mint = self.quote_mint.pubkey();
        let ata = self.ata(owner, &mint).await;
        let authority = self.quote_mint_authority.insecure_clone();
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
        energy::client::meter_address(&meter_id)
    }

    /// [Ed25519 verify, submit_reading] for `reading`, signed by `signer` over the
    /// canonical message for (`program_id`, `cluster_tag`, meter).
    pub fn signed_reading_ixs(
        signer: &Keypair,
        oracle: &Pubkey,
        meter: &Pubkey,
        meter_owner: &Pubkey,
        reading: Reading,
        program_id: &Pubkey,
        cluster_tag: &[u8; 32],
    ) -> [Instruction; 2] {
        let message = energy::attestation::reading_message(program_id, cluster_tag, meter, &reading);
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

    /// Submits `reading` attested by the registered oracle.
    pub async fn submit_reading(&mut self, meter: &Pubkey, owner: &Pubkey, reading: Reading) -> TxOutcome {
        let oracle = self.oracle.insecure_clone();
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

    /// Creates a market for (energy, quote) through the council. The market account is
    /// allocated client-side first, as it is too large for a CPI allocation.
    pub async fn create_market(
        &mut self,
        price_band: Option<market::state::PriceBand>,
    ) -> Result<Pubkey, BanksClientError> {
        let market_kp = Keypair::new();
        let payer = self.members[0].insecure_clone();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = market::state::Market::SPACE;
        let alloc = solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &market_kp.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &market::ID,
        );
        self.send(&[alloc], &[&payer, &market_kp]).await?;
        let ix = market::client::create_market(
            governance::client::council_address(),
            payer.pubkey(),
            market_kp.pubkey(),
            self.energy_mint,
            self.quote_mint.pubkey(),
            market::instructions::CreateMarketParams {
                tick_size_quote_atoms: TICK_SIZE,
                lot_size_base_atoms: LOT_SIZE,
                taker_fee_bps: TAKER_FEE_BPS,
                price_band,
            },
        );
        self.council_exec(ix).await?;
        Ok(market_kp.pubkey())
    }

    pub async fn market_state(&mut self) -> Box<market::state::Market> {
        let key = self.market;
        self.zero_copy::<market::state::Market>(&key).await
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
