//! Helpers shared by the simulator's integration tests.
#![allow(dead_code)]
use std::path::PathBuf;

use solana_keypair::Keypair;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("gridtokenx-{name}-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn key_file(&self, name: &str, key: &Keypair) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, serde_json::to_string(&key.to_bytes().to_vec()).unwrap()).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}

/// The longitude at which `unix_s` is 15:00 solar time, so a test's last hours are daylight
/// whenever it runs.
pub fn afternoon_longitude(unix_s: i64) -> f64 {
    let utc_hour = unix_s.rem_euclid(86_400) as f64 / 3_600.0;
    ((15.0 - utc_hour) * 15.0 + 540.0).rem_euclid(360.0) - 180.0
}

/// The project cache (scripts/env.sh), where `make test` installs test-only tools.
pub fn cache_dir() -> PathBuf {
    std::env::var("GRIDTOKENX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gridtokenx"))
}

/// The interval boundary at or before now.
pub fn now_aligned() -> i64 {
    let now = gridtokenx_simulator::unix_now();
    now - now % 900
}

/// The Kafka-protocol broker of the tests (tools/broker); not every test binary uses it.
#[allow(unused_imports)]
pub use gridtokenx_broker::BrokerProcess as Broker;

/// An InfluxDB 1.x server (Debian's `influxd`) on free ports with its data in a temp dir,
/// killed on drop. `make test` unpacks Debian's package into the project cache.
pub struct Influx {
    child: std::process::Child,
    pub url: String,
    _dir: TempDir,
}

impl Influx {
    pub fn start() -> Influx {
        let binary = std::env::var("INFLUXD")
            .map(PathBuf::from)
            .unwrap_or_else(|_| cache_dir().join("tools/influxdb/usr/bin/influxd"));
        assert!(
            binary.exists(),
            "no InfluxDB at {}: run `make test` (it fetches Debian's influxdb) or set INFLUXD",
            binary.display()
        );
        let dir = TempDir::new("influx");
        let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (http, rpc) = (free(), free());
        let d = dir.0.display();
        let config = format!(
            "reporting-enabled = false\nbind-address = \"127.0.0.1:{rpc}\"\n[meta]\n  dir = \"{d}/meta\"\n[data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n[monitor]\n  store-enabled = false\n[http]\n  bind-address = \"127.0.0.1:{http}\"\n  log-enabled = false\n"
        );
        let config_path = dir.0.join("influxdb.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = std::process::Command::new(&binary)
            .arg("-config")
            .arg(&config_path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let url = format!("http://127.0.0.1:{http}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", http)).is_err() {
            assert!(std::time::Instant::now() < deadline, "influxd did not listen on {url}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Influx { child, url, _dir: dir }
    }
}

impl Drop for Influx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}


/// Waits until the cluster's confirmed slot reaches its processed slot of now: everything
/// sent before this call is then visible to reads at `confirmed` (a validator's reads at a
/// commitment see only what reached it).
pub async fn until_confirmed_caught_up(rpc: &solana_rpc_client::nonblocking::rpc_client::RpcClient) {
    use solana_commitment_config::CommitmentConfig;
    let processed = rpc.get_slot_with_commitment(CommitmentConfig::processed()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while rpc.get_slot_with_commitment(CommitmentConfig::confirmed()).await.unwrap() < processed {
        assert!(std::time::Instant::now() < deadline, "slot {processed} never confirmed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
