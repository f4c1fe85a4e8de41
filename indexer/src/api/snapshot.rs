//! WebSocket channels and their snapshots. A snapshot is read in one REPEATABLE READ
//! transaction together with the last delta batch's number N, so "snapshot as of N, then
//! the deltas numbered above N whose `prev` is at most what the client holds" is exact: no
//! delta is missed or applied twice.
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::model::Depth;
use crate::store;

/// A channel a client may subscribe to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `book:<market>`: aggregated levels; deltas carry changed levels (lots 0 = gone).
    Book(String),
    /// `trades:<market>`: fills.
    Trades(String),
    /// `trader:<wallet>`: seats (balances), order lifecycle, fills, deposits/withdrawals.
    Trader(String),
    /// `meter:<meter>`: the meter account and its accepted readings (mints).
    Meter(String),
    /// `proposals`: proposals with approvals and status, and the council.
    Proposals,
    /// `grid`: every feeder's map (`wire::grid::GridMap`); deltas carry what changed. Its
    /// numbers are its own (`crate::grid_map`).
    Grid,
}

impl Channel {
    pub fn parse(text: &str) -> Result<Channel, String> {
        if text == "proposals" {
            return Ok(Channel::Proposals);
        }
        if text == crate::grid_map::CHANNEL {
            return Ok(Channel::Grid);
        }
        let (kind, key) = text.split_once(':').ok_or_else(|| format!("unknown channel {text:?}"))?;
        let key = Pubkey::from_str(key).map_err(|_| format!("{text:?}: {key:?} is not a base58 public key"))?.to_string();
        match kind {
            "book" => Ok(Channel::Book(key)),
            "trades" => Ok(Channel::Trades(key)),
            "trader" => Ok(Channel::Trader(key)),
            "meter" => Ok(Channel::Meter(key)),
            _ => Err(format!("unknown channel kind {kind:?}: use book, trades, trader, meter, proposals or grid")),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Channel::Book(k) => format!("book:{k}"),
            Channel::Trades(k) => format!("trades:{k}"),
            Channel::Trader(k) => format!("trader:{k}"),
            Channel::Meter(k) => format!("meter:{k}"),
            Channel::Proposals => "proposals".into(),
            Channel::Grid => crate::grid_map::CHANNEL.into(),
        }
    }
}

async fn repeatable_read(pool: &PgPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read read only").execute(&mut *tx).await?;
    Ok(tx)
}

/// Depth at most `levels` per side, with the sequence it is exact at.
pub async fn depth(pool: &PgPool, market: &str, levels: i64) -> sqlx::Result<Depth> {
    let mut tx = repeatable_read(pool).await?;
    let seq = store::delta_seq(&mut *tx).await?;
    let (bids, asks) = store::levels(&mut *tx, market, levels).await?;
    tx.commit().await?;
    Ok(Depth { market: market.to_string(), bids, asks, seq })
}

/// The channel's current state and sequence number.
pub async fn snapshot(pool: &PgPool, channel: &Channel) -> sqlx::Result<(i64, Value)> {
    let mut tx = repeatable_read(pool).await?;
    // The grid channel has its own counter (crate::grid_map); every other shares ingest's.
    let seq = match channel {
        Channel::Grid => crate::grid_map::seq(&mut *tx).await?,
        _ => store::delta_seq(&mut *tx).await?,
    };
    let data = match channel {
        Channel::Book(m) => {
            let (bids, asks) = store::levels(&mut *tx, m, 10_000).await?;
            json!({"bids": bids, "asks": asks})
        }
        Channel::Trades(m) => json!({"fills": store::fills(&mut *tx, m, None, 100).await?}),
        Channel::Trader(t) => json!({
            "seats": store::trader_seats(&mut *tx, t).await?,
            "orders": store::trader_orders(&mut *tx, t, true, 1_000).await?,
            "fills": store::trader_fills(&mut *tx, t, 100).await?,
            "movements": store::trader_movements(&mut *tx, t, 100).await?,
        }),
        Channel::Meter(m) => json!({
            "meter": store::meters_by_key(&mut *tx, std::slice::from_ref(m)).await?.pop(),
            "readings": store::readings(&mut *tx, m, 96).await?,
        }),
        Channel::Proposals => json!({
            "proposals": store::proposals(&mut tx, None).await?,
            "council": store::council(&mut *tx).await?,
        }),
        Channel::Grid => serde_json::to_value(crate::grid_map::feeders(&mut *tx, None).await?)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    };
    tx.commit().await?;
    Ok((seq, data))
}

#[cfg(test)]
mod tests {
    use super::Channel;

    #[test]
    fn channels_parse_and_name_round_trip() {
        let key = anchor_lang::prelude::Pubkey::new_unique().to_string();
        for text in [format!("book:{key}"), format!("trades:{key}"), format!("trader:{key}"), format!("meter:{key}"), "proposals".into(), "grid".into()] {
            assert_eq!(Channel::parse(&text).unwrap().name(), text);
        }
        assert!(Channel::parse("book:nope").unwrap_err().contains("base58"));
        assert!(Channel::parse(&format!("candles:{key}")).unwrap_err().contains("unknown channel kind"));
        assert!(Channel::parse("everything").is_err());
    }
}
