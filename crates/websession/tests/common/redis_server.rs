//! A `redis-server` process of the test's own, on a free loopback port, without persistence.
//!
//! The binary must be installed (Debian package `redis-server`); a missing binary fails the
//! test with instructions instead of skipping it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TempDir;

/// How long a started server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Ports tried before giving up, in case another process takes a free port first.
const START_ATTEMPTS: usize = 5;

#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
    directory: TempDir,
}

impl RedisServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> RedisServer {
        let mut server = RedisServer {
            port: 0,
            child: None,
            directory: TempDir::new("redis"),
        };
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            server.port = free_port();
            match server.spawn() {
                Ok(()) => return server,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("redis-server did not start: {failures:?}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Stops the server and waits until the process has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            child.wait().expect("redis-server exits after kill");
        }
    }

    /// Starts the server again on the same port, with no data (nothing is persisted).
    pub fn restart(&mut self) {
        self.stop();
        if let Err(failure) = self.spawn() {
            panic!("redis-server did not restart: {failure}");
        }
    }

    /// Starts a server on `self.port` and waits until it answers.
    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--protected-mode", "yes"])
            .arg("--dir")
            .arg(self.directory.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start redis-server ({error}); the Redis tests need it installed: \
                     apt-get install -y redis-server"
                )
            });
        let pid = child.id();
        self.child = Some(child);
        let ready = self.wait_until_ready(pid);
        if ready.is_err() {
            self.stop();
        }
        ready
    }

    /// Waits until the server on `self.port` answers and is the process `pid`, not another
    /// one that took the port first.
    fn wait_until_ready(&mut self, pid: u32) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("port {}: exited at start: {status}", self.port));
                }
            }
            if ping(address) {
                let info: String = self.command(redis::cmd("INFO").arg("server"));
                return if info.contains(&format!("process_id:{pid}\r\n")) {
                    Ok(())
                } else {
                    Err(format!("port {}: another server answers", self.port))
                };
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "port {}: not ready after {START_TIMEOUT:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs one command through a fresh synchronous connection.
    pub fn command<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> T {
        let client = redis::Client::open(self.url()).expect("valid url");
        let mut connection = client
            .get_connection()
            .expect("redis-server accepts a connection");
        command
            .query(&mut connection)
            .expect("redis command succeeds")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
    listener.local_addr().expect("bound address").port()
}

fn ping(address: SocketAddr) -> bool {
    use std::io::{Read as _, Write as _};

    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}
