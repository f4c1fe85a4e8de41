//! The broker as a child process, for tests: started on a free port, in memory or durable
//! in a directory as `make demo` runs it, killed with SIGKILL on drop. The binary is the
//! workspace's `gridtokenx-broker` (built by `cargo build --workspace --bins`, as `make
//! test` does), found beside the test binary; `TANSU` names another one with tansu's
//! `broker` command line.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running broker; SIGKILLed when dropped.
pub struct BrokerProcess {
    child: Child,
    /// `127.0.0.1:<port>`, for `bootstrap.servers`.
    pub address: String,
    storage: &'static str,
    dir: Option<PathBuf>,
}

impl BrokerProcess {
    /// Topics in memory: gone with the process.
    pub fn start() -> BrokerProcess {
        BrokerProcess::spawn("memory://tansu/", None, free_address())
    }

    /// Topics and consumer groups in `dir`/tansu.db: a broker started again on `dir` has
    /// them back.
    pub fn start_durable(dir: &Path) -> BrokerProcess {
        BrokerProcess::spawn("sqlite://tansu.db", Some(dir.to_path_buf()), free_address())
    }

    /// SIGKILL: nothing is flushed, no client is told.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGSTOP: the broker still holds its connections but answers nothing, so a request
    /// sent now stays in flight (until `kill_9`).
    pub fn freeze(&self) {
        let status = Command::new("kill").args(["-STOP", &self.child.id().to_string()]).status();
        assert!(status.as_ref().is_ok_and(|s| s.success()), "cannot stop the broker (pid {}): {status:?}", self.child.id());
    }

    /// The same broker again on the same storage and address, after a SIGKILL.
    pub fn restart(&mut self) {
        self.kill_9();
        *self = BrokerProcess::spawn(self.storage, self.dir.take(), self.address.clone());
    }

    fn spawn(storage: &'static str, dir: Option<PathBuf>, address: String) -> BrokerProcess {
        let binary = binary();
        assert!(
            binary.exists(),
            "no Kafka broker at {}: run `cargo build --workspace --bins` (or `make test`), or set TANSU",
            binary.display()
        );
        let url = format!("tcp://{address}");
        let mut command = Command::new(&binary);
        command
            .args(["broker", "--storage-engine", storage, "--listener-url", &url, "--advertised-listener-url", &url])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null());
        // sqlite://<file> is relative to the working directory.
        if let Some(dir) = &dir {
            command.current_dir(dir);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "the broker did not listen on {address}");
            std::thread::sleep(Duration::from_millis(50));
        }
        BrokerProcess { child, address, storage, dir }
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// `TANSU` when set, else `gridtokenx-broker` beside the running test binary
/// (target/<profile>/deps/<test> → target/<profile>).
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("TANSU") {
        return PathBuf::from(path);
    }
    let test = std::env::current_exe().expect("the test binary's path");
    let profile = test.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps/<test>");
    profile.join("gridtokenx-broker")
}

fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port();
    format!("127.0.0.1:{port}")
}
