-- The chain mirror. Amounts, prices and sizes are u64 on chain: numeric(20,0) holds every
-- one of them exactly (bigint stops at 2^63). Keys are base58 text, as every client spells them.
-- Account tables carry (slot, write_version): a row only ever moves forward by that pair.
-- Event tables are keyed by (signature, ix_index, event_index): a replay inserts nothing twice.

-- Every slot below `slot` is fully written (resume from `slot` itself: it may be partial).
create table ingest_checkpoint (
    source text primary key,
    slot bigint not null,
    updated_at timestamptz not null default now()
);

-- Per WebSocket channel, the sequence number of its last delta, bumped in the same
-- transaction as the data the delta describes: a snapshot read with its sequence is exact.
create table channel_seq (
    channel text primary key,
    seq bigint not null
);

-- governance ---------------------------------------------------------------------------
create table council (
    pubkey text primary key,
    members text[] not null,
    guardians text[] not null,
    threshold smallint not null,
    version bigint not null,
    proposal_count bigint not null,
    paused boolean not null,
    slot bigint not null,
    write_version bigint not null
);

create table proposals (
    pubkey text primary key,
    index bigint not null unique,
    proposer text not null,
    council_version bigint not null,
    approvals_bitmap integer not null,
    approval_count smallint not null,
    executed boolean not null,
    created_at bigint not null,
    expires_at bigint not null,
    program_id text not null,
    accounts jsonb not null,
    data bytea not null,
    slot bigint not null,
    write_version bigint not null
);

-- energy --------------------------------------------------------------------------------
create table energy_config (
    pubkey text primary key,
    authority text not null,
    council text not null,
    energy_mint text not null,
    cluster_tag bytea not null,
    interval_secs bigint not null,
    max_future_secs bigint not null,
    max_staleness_secs bigint not null,
    max_wh_per_interval numeric(20, 0) not null,
    total_minted_wh numeric(20, 0) not null,
    total_certified_wh numeric(20, 0) not null,
    total_retired_wh numeric(20, 0) not null,
    rec_count numeric(20, 0) not null,
    slot bigint not null,
    write_version bigint not null
);

create table oracles (
    pubkey text primary key,
    oracle text not null unique,
    active boolean not null,
    registered_at bigint not null,
    readings_attested numeric(20, 0) not null,
    slot bigint not null,
    write_version bigint not null
);

create table meters (
    pubkey text primary key,
    owner text not null,
    meter_id bytea not null,
    status text not null,
    registered_at bigint not null,
    has_reading boolean not null,
    last_interval_start_ts bigint not null,
    last_produced_wh numeric(20, 0) not null,
    last_consumed_wh numeric(20, 0) not null,
    minted_wh numeric(20, 0) not null,
    certified_wh numeric(20, 0) not null,
    rec_count numeric(20, 0) not null,
    slot bigint not null,
    write_version bigint not null
);
create index meters_owner on meters (owner);

create table certificates (
    pubkey text primary key,
    meter text not null,
    owner text not null,
    serial numeric(20, 0) not null,
    wh_start numeric(20, 0) not null,
    wh_end numeric(20, 0) not null,
    issued_at bigint not null,
    status text not null,
    retired_at bigint not null,
    beneficiary text not null,
    slot bigint not null,
    write_version bigint not null
);
create index certificates_owner on certificates (owner);
create index certificates_meter on certificates (meter);

-- market --------------------------------------------------------------------------------
create table markets (
    pubkey text primary key,
    authority text not null,
    council text not null,
    base_mint text not null,
    quote_mint text not null,
    base_vault text not null,
    quote_vault text not null,
    price_feed text,
    max_deviation_bps integer not null,
    max_staleness_secs bigint not null,
    tick_size_quote_atoms numeric(20, 0) not null,
    lot_size_base_atoms numeric(20, 0) not null,
    taker_fee_bps integer not null,
    base_decimals smallint not null,
    quote_decimals smallint not null,
    paused boolean not null,
    next_order_id numeric(20, 0) not null,
    fees_accrued_quote_atoms numeric(20, 0) not null,
    slot bigint not null,
    write_version bigint not null
);

create table market_pairs (
    pubkey text primary key,
    market text not null,
    slot bigint not null,
    write_version bigint not null
);

-- Seats and resting orders are parts of the market account: they are replaced as a whole
-- whenever a newer version of that account arrives.
create table seats (
    market text not null references markets (pubkey) on delete cascade,
    seat integer not null,
    trader text not null,
    base_free numeric(20, 0) not null,
    base_locked numeric(20, 0) not null,
    quote_free numeric(20, 0) not null,
    quote_locked numeric(20, 0) not null,
    primary key (market, seat)
);
create index seats_trader on seats (trader);

create table resting_orders (
    market text not null references markets (pubkey) on delete cascade,
    order_id numeric(20, 0) not null,
    side text not null check (side in ('bid', 'ask')),
    trader text not null,
    seat integer not null,
    client_order_id numeric(20, 0) not null,
    price_ticks numeric(20, 0) not null,
    lots numeric(20, 0) not null,
    expiry_ts bigint not null,
    primary key (market, order_id)
);
create index resting_orders_book on resting_orders (market, side, price_ticks);
create index resting_orders_trader on resting_orders (trader, market);

-- events --------------------------------------------------------------------------------
-- Every event of every program, raw (Anchor's discriminator + Borsh), for audit and replay.
create table events (
    signature text not null,
    ix_index integer not null,
    event_index integer not null,
    slot bigint not null,
    program text not null,
    name text not null,
    data bytea not null,
    primary key (signature, ix_index, event_index)
);
create index events_slot on events (slot);
create index events_name on events (name, slot);

create table fills (
    signature text not null,
    ix_index integer not null,
    event_index integer not null,
    slot bigint not null,
    block_time bigint not null,
    market text not null,
    maker_order_id numeric(20, 0) not null,
    maker_client_order_id numeric(20, 0) not null,
    maker text not null,
    taker text not null,
    taker_side text not null,
    price_ticks numeric(20, 0) not null,
    lots numeric(20, 0) not null,
    quote_atoms numeric(20, 0) not null,
    taker_fee_quote_atoms numeric(20, 0) not null,
    primary key (signature, ix_index, event_index)
);
-- Trades pages walk (slot, signature, ix, event) backwards per market; candles bucket by time.
create index fills_market_order on fills (market, slot desc, signature desc, ix_index desc, event_index desc);
create index fills_market_time on fills (market, block_time);
create index fills_maker on fills (maker, slot desc);
create index fills_taker on fills (taker, slot desc);

-- The life of every order that rested: placed → partially filled → filled, or cancelled /
-- expired. `status` derives from the counters, so events may arrive in any batch order.
create table order_history (
    market text not null,
    order_id numeric(20, 0) not null,
    trader text,
    side text,
    client_order_id numeric(20, 0),
    price_ticks numeric(20, 0),
    placed_lots numeric(20, 0),
    filled_lots numeric(20, 0) not null default 0,
    canceled_lots numeric(20, 0),
    cancel_reason text,
    placed_slot bigint,
    placed_signature text,
    last_slot bigint not null,
    status text generated always as (
        case
            when cancel_reason = 'expired' then 'expired'
            when cancel_reason is not null then 'cancelled'
            when placed_lots is not null and filled_lots >= placed_lots then 'filled'
            when filled_lots > 0 then 'partially_filled'
            else 'open'
        end
    ) stored,
    primary key (market, order_id)
);
create index order_history_trader on order_history (trader, last_slot desc);

create table balance_movements (
    signature text not null,
    ix_index integer not null,
    event_index integer not null,
    slot bigint not null,
    kind text not null check (kind in ('deposit', 'withdrawal')),
    market text not null,
    trader text not null,
    base_atoms numeric(20, 0) not null,
    quote_atoms numeric(20, 0) not null,
    primary key (signature, ix_index, event_index)
);
create index balance_movements_trader on balance_movements (trader, slot desc);

create table readings (
    meter text not null,
    interval_start_ts bigint not null,
    oracle text not null,
    produced_wh numeric(20, 0) not null,
    consumed_wh numeric(20, 0) not null,
    minted_wh numeric(20, 0) not null,
    meter_minted_wh_total numeric(20, 0) not null,
    slot bigint not null,
    signature text not null,
    primary key (meter, interval_start_ts)
);

create table certificate_events (
    signature text not null,
    ix_index integer not null,
    event_index integer not null,
    slot bigint not null,
    certificate text not null,
    kind text not null check (kind in ('issued', 'transferred', 'retired')),
    meter text,
    from_owner text,
    to_owner text,
    beneficiary text,
    wh numeric(20, 0),
    primary key (signature, ix_index, event_index)
);
create index certificate_events_cert on certificate_events (certificate, slot);

create table proposal_events (
    signature text not null,
    ix_index integer not null,
    event_index integer not null,
    slot bigint not null,
    proposal_index bigint not null,
    kind text not null check (kind in ('created', 'approved', 'executed')),
    actor text not null,
    approvals smallint,
    primary key (signature, ix_index, event_index)
);
create index proposal_events_index on proposal_events (proposal_index, slot);
