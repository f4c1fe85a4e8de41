//! The decoded feeders the tiles are drawn from, kept between requests. Decoding a
//! 10,000-meter feeder's topology and state from jsonb costs more than drawing most of its
//! tiles, and a map asks for a dozen tiles at once, so each request first reads only the
//! feeders' versions (`grid_store::versions`: Kafka position of the topology, interval of
//! the state) and decodes again only when they differ from what is held. The check is in
//! Postgres, not in this process, because the telemetry role that stores new states may
//! run in another process.
use std::sync::Arc;

use sqlx::PgPool;

use crate::telemetry::grid_store::{self, FeederVersion, StoredFeeder};

#[derive(Default)]
pub struct FeederCache {
    // A tokio mutex, held across the reload, so that the dozen requests arriving after a new
    // state wait for one decode instead of each decoding the feeder.
    held: tokio::sync::Mutex<Option<Held>>,
}

struct Held {
    versions: Vec<FeederVersion>,
    feeders: Arc<Vec<StoredFeeder>>,
}

impl FeederCache {
    /// Every stored feeder with its latest state, as of this call.
    pub async fn feeders(&self, pool: &PgPool) -> sqlx::Result<Arc<Vec<StoredFeeder>>> {
        let current = grid_store::versions(pool).await?;
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref().filter(|h| h.versions == current) {
            return Ok(h.feeders.clone());
        }
        // Versions and feeders from one statement: what is held is labelled exactly (a
        // state stored since `current` was read is simply held a request early).
        let (versions, feeders) = grid_store::versioned_feeders(pool).await?;
        let feeders = Arc::new(feeders);
        *held = Some(Held { versions, feeders: feeders.clone() });
        Ok(feeders)
    }
}
