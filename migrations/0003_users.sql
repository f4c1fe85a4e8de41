-- Per-user settings behind Sign-In With Solana, and e-mail notifications (indexer/src/users).
-- Nothing here is chain data: it is the only state the indexer owns, keyed by wallet.

-- A nonce is issued for one wallet, with the exact message the wallet must sign; it is
-- spent (used = true) in the same transaction that creates the session, so a signed
-- message can never be replayed.
create table siws_nonces (
    nonce text primary key,
    wallet text not null,
    -- The message as issued: verification requires these exact bytes, so a message
    -- edited anywhere (domain, expiry, …) fails even before the signature is checked.
    message text not null,
    issued_at timestamptz not null,
    expires_at timestamptz not null,
    used boolean not null default false
);
-- Expired nonces are swept by expiry when new ones are issued.
create index siws_nonces_expires on siws_nonces (expires_at);

-- Sessions hold only the SHA-256 of their bearer token: a leaked table grants nothing.
create table sessions (
    token_hash bytea primary key,
    wallet text not null,
    expires_at timestamptz not null
);
create index sessions_expires on sessions (expires_at);

create table user_settings (
    wallet text primary key,
    email text,
    notify_fills boolean not null default false,
    notify_rec_retired boolean not null default false,
    updated_at timestamptz not null default now()
);

-- One row per e-mail sent, inserted before sending: an event replayed (ingest restart,
-- a delta seen twice) finds its row and is not sent again.
create table notifications_sent (
    wallet text not null,
    event_key text not null,
    sent_at timestamptz not null default now(),
    primary key (wallet, event_key)
);

-- The notifier polls retirements by slot (indexer/src/users/notify.rs).
create index certificate_events_retired on certificate_events (slot) where kind = 'retired';
