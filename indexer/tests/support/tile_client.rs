//! Reading the grid tiles back as a map client would, for the tile tests: the indexer's API
//! served on a free port, a tile fetched and decoded, its features' vertices and properties,
//! and the slippy-map tile arithmetic written independently of the indexer's.
use std::collections::BTreeMap;
use std::sync::Arc;

use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::ApiArgs;
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::tiles::vector_tile::{Layer, Tile};
use prost::Message;
use sqlx::PgPool;

/// The tile column/row holding a position at zoom z, and its position inside it, computed
/// here independently of the indexer's code (the OSM slippy-map formulas).
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32, f64, f64) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let r = lat.to_radians();
    let y = (1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    (x.floor() as u32, y.floor() as u32, (x - x.floor()) * 4096.0, (y - y.floor()) * 4096.0)
}

pub fn zigzag(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

/// A feature's vertices, decoded from its command stream (MoveTo / LineTo).
pub fn vertices(geometry: &[u32]) -> Vec<(i32, i32)> {
    let (mut out, mut i, mut cur) = (Vec::new(), 0, (0, 0));
    while i < geometry.len() {
        let (id, count) = (geometry[i] & 7, geometry[i] >> 3);
        i += 1;
        assert!(id == 1 || id == 2, "command {id}");
        for _ in 0..count {
            cur = (cur.0 + zigzag(geometry[i]), cur.1 + zigzag(geometry[i + 1]));
            out.push(cur);
            i += 2;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    S(String),
    N(f64),
    B(bool),
}

pub fn props(layer: &Layer, tags: &[u32]) -> BTreeMap<String, V> {
    tags.chunks(2)
        .map(|kv| {
            let v = &layer.values[kv[1] as usize];
            let value = if let Some(s) = &v.string_value {
                V::S(s.clone())
            } else if let Some(d) = v.double_value {
                V::N(d)
            } else if let Some(i) = v.sint_value {
                V::N(i as f64)
            } else if let Some(b) = v.bool_value {
                V::B(b)
            } else {
                panic!("unexpected value {v:?}")
            };
            (layer.keys[kv[0] as usize].clone(), value)
        })
        .collect()
}

/// Each feature of a layer by its `id`/`meter_id` property: (vertices, properties).
pub fn features(
    tile: &Tile,
    name: &str,
    key: &str,
) -> BTreeMap<String, (Vec<(i32, i32)>, BTreeMap<String, V>)> {
    let Some(layer) = tile.layers.iter().find(|l| l.name == name) else { return BTreeMap::new() };
    assert_eq!((layer.version, layer.extent), (2, Some(4096)));
    layer
        .features
        .iter()
        .map(|f| {
            let p = props(layer, &f.tags);
            let V::S(id) = p[key].clone() else { panic!("{key} is a string") };
            (id, (vertices(&f.geometry), p))
        })
        .collect()
}

pub fn num(p: &BTreeMap<String, V>, k: &str) -> f64 {
    match p.get(k) {
        Some(V::N(n)) => *n,
        other => panic!("{k}: {other:?}"),
    }
}

pub struct Served {
    pub base: String,
    http: reqwest::Client,
}

impl Served {
    pub async fn start(pool: PgPool) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState {
            pool: pool.clone(),
            fanout: Fanout::local(),
            redis: None,
            metrics: gridtokenx_indexer::metrics::install(),
            args: Arc::new(ApiArgs { listen: addr, app_dir: None, max_lag_secs: 30, ws_buffer: 1024 }),
        };
        tokio::spawn(api::serve(state, listener, std::future::pending()));
        Served { base: format!("http://{addr}"), http: reqwest::Client::new() }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Tile {
        let r = self.get(&format!("/tiles/grid/{z}/{x}/{y}.mvt")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/vnd.mapbox-vector-tile");
        Tile::decode(r.bytes().await.unwrap()).expect("a valid vector tile")
    }
}
