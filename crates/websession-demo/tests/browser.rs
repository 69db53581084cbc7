//! End-to-end: the demo binary driven by headless Debian Chromium through ChromeDriver.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages `chromium` and
//! `chromium-driver`) and, for the Redis test, `redis-server`. A missing program fails the
//! test; nothing is downloaded. Every server listens on a free loopback port.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Map, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const REDIS_SERVER: &str = "/usr/bin/redis-server";
const SECRET: &str = "browser test secret, at least 32 bytes long";
/// Upper bound for one scenario, browser start included.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);
/// Upper bound for a server to accept connections after it starts.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Serializes the tests, so at most one Chromium runs at a time.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn cookie_store_in_chromium() {
    let _browser = BROWSER.lock().await;
    let demo = Demo::start("cookie");
    run_in_chromium(&demo).await;
    demo.stop_with_ctrl_c();
}

#[tokio::test]
async fn file_store_in_chromium() {
    let _browser = BROWSER.lock().await;
    let sessions = TempDir::new("file-store");
    let demo = Demo::start(&format!("file:{}", sessions.0.display()));
    run_in_chromium(&demo).await;
    demo.stop_with_ctrl_c();

    let records = std::fs::read_dir(&sessions.0)
        .expect("list the session files")
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter(|name| name.to_string_lossy().ends_with(".json"))
        .count();
    assert_eq!(
        records, 1,
        "only the session holding the sign-out flash is left"
    );
}

#[tokio::test]
async fn redis_store_in_chromium() {
    let _browser = BROWSER.lock().await;
    let (_redis, port) = start_redis();
    let demo = Demo::start(&format!("redis://127.0.0.1:{port}"));
    run_in_chromium(&demo).await;
    demo.stop_with_ctrl_c();

    let keys = redis_keys(port);
    assert_eq!(
        keys.len(),
        1,
        "only the sign-out flash session is left: {keys:?}"
    );
    assert!(keys[0].starts_with("websession:"), "{keys:?}");
}

/// Lists the keys of the Redis server on `port` with `redis-cli`.
fn redis_keys(port: u16) -> Vec<String> {
    let output = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--scan"])
        .output()
        .expect("run redis-cli (Debian package redis-tools, installed with redis-server)");
    assert!(output.status.success(), "redis-cli failed: {output:?}");
    String::from_utf8(output.stdout)
        .expect("UTF-8 key names")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Starts a throwaway `redis-server` on a free loopback port, with persistence off, and checks
/// that the server listening there is this process, not one that took the port first.
fn start_redis() -> (Server, u16) {
    let redis_server = require_program(REDIS_SERVER, "redis-server");
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(&redis_server)
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let mut server = Server {
            child,
            name: "redis-server",
        };
        wait_for_listener(
            SocketAddr::from(([127, 0, 0, 1], port)),
            "redis-server",
            &mut server.child,
        );
        if redis_process_id(port) == Some(server.child.id()) {
            return (server, port);
        }
    }
    panic!("another process took each of 5 free ports before redis-server could listen");
}

/// Returns the process id of the Redis server on `port`, as `INFO server` reports it.
fn redis_process_id(port: u16) -> Option<u32> {
    let output = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "INFO", "server"])
        .output()
        .expect("run redis-cli (Debian package redis-tools, installed with redis-server)");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.trim_end().strip_prefix("process_id:")?.parse().ok())
}

/// Returns the path of a program the test needs, failing the test when it is missing.
fn require_program(path: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{} not found: install the Debian package {package} (scripts/test.sh installs it)",
        path.display()
    );
    path
}

/// Returns a loopback port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// Waits until `addr` accepts TCP connections.
fn wait_for_listener(addr: SocketAddr, program: &str, process: &mut Child) {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = process.try_wait() {
            panic!("{program} exited before listening on {addr}: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{program} did not listen on {addr} within {STARTUP_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process that is killed when dropped, so a failing test leaves no server behind.
struct Server {
    child: Child,
    name: &'static str,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The demo binary, listening on a loopback port it chose itself.
struct Demo {
    server: Server,
    url: String,
}

impl Demo {
    fn start(store: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_websession-demo"))
            .args(["--listen", "127.0.0.1:0", "--store", store])
            .env("SESSION_SECRET", SECRET)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the demo binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let server = Server {
            child,
            name: "websession-demo",
        };
        let url = read_demo_url(stdout);
        Self { server, url }
    }

    /// Sends SIGINT, as Ctrl-C does, and checks that the demo exits cleanly.
    fn stop_with_ctrl_c(mut self) {
        let pid = self.server.child.id().to_string();
        let status = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT {pid} failed: {status}");
        let exit = wait_with_timeout(&mut self.server.child, STARTUP_TIMEOUT);
        assert!(
            exit.success(),
            "{} exited with {exit} after Ctrl-C",
            self.server.name
        );
    }
}

/// Reads the demo's first output line and returns the URL it prints for the user to open.
fn read_demo_url(stdout: ChildStdout) -> String {
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the demo's output");
    let start = line
        .find("http://")
        .unwrap_or_else(|| panic!("no URL in the demo's first line: {line:?}"));
    let url = line[start..]
        .split_whitespace()
        .next()
        .expect("URL text")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with('/'), "{url}");
    url
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("poll child") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_chromedriver() -> (Server, u16) {
    let chromedriver = require_program(CHROMEDRIVER, "chromium-driver");
    let port = free_port();
    let mut child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    wait_for_listener(
        SocketAddr::from(([127, 0, 0, 1], port)),
        "chromedriver",
        &mut child,
    );
    let server = Server {
        child,
        name: "chromedriver",
    };
    (server, port)
}

/// Chromium's capabilities: headless, with a fresh profile, and with the background
/// services off, because they would try to reach hosts outside this machine.
fn chromium_capabilities(profile: &Path) -> Map<String, Value> {
    let chromium = require_program(CHROMIUM, "chromium");
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let options = json!({ "binary": chromium, "args": args });
    let mut capabilities = Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    capabilities
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "websession-demo-{label}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn run_in_chromium(demo: &Demo) {
    let profile = TempDir::new("chromium-profile");
    let (_chromedriver, port) = start_chromedriver();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chromium_capabilities(&profile.0))
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("open a Chromium session through chromedriver");

    let outcome = tokio::time::timeout(SCENARIO_TIMEOUT, sign_in_and_out(&client, &demo.url)).await;
    client.close().await.expect("close Chromium");
    outcome.expect("the browser scenario timed out");
}

/// Signs in, sees the flash once and the count rise, signs out and sees the signed-out page.
async fn sign_in_and_out(client: &Client, base: &str) {
    client.goto(base).await.expect("open the home page");
    assert_eq!(
        text_of(client, "#signed-out").await,
        "You are not signed in"
    );
    assert!(flash(client).await.is_none());

    client
        .goto(&format!("{base}login"))
        .await
        .expect("open /login");
    let input = client
        .find(Locator::Css("#user"))
        .await
        .expect("user name field");
    input.send_keys("ada").await.expect("type the user name");
    click(client, "#login-button").await;

    wait_for(client, "#greeting").await;
    assert_eq!(text_of(client, "#greeting").await, "Hello, ada!");
    assert_eq!(
        flash(client).await.as_deref(),
        Some("Welcome, ada! You are signed in.")
    );
    assert_eq!(text_of(client, "#visits").await, "1");

    let cookie = client
        .get_named_cookie("__session")
        .await
        .expect("the session cookie is set");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.path(), Some("/"));

    client.refresh().await.expect("reload");
    assert_eq!(text_of(client, "#visits").await, "2");
    assert!(flash(client).await.is_none(), "the flash shows only once");

    client.refresh().await.expect("reload");
    assert_eq!(text_of(client, "#visits").await, "3");
    assert_eq!(text_of(client, "#greeting").await, "Hello, ada!");

    click(client, "#logout-button").await;
    wait_for(client, "#signed-out").await;
    assert_eq!(
        text_of(client, "#signed-out").await,
        "You are not signed in"
    );
    assert_eq!(flash(client).await.as_deref(), Some("You have signed out."));

    client.refresh().await.expect("reload");
    assert_eq!(
        text_of(client, "#signed-out").await,
        "You are not signed in"
    );
    assert!(flash(client).await.is_none(), "the flash shows only once");

    client.goto(base).await.expect("open the home page");
    assert!(
        client
            .find_all(Locator::Css("#greeting"))
            .await
            .expect("query")
            .is_empty(),
        "still signed out"
    );
}

async fn click(client: &Client, selector: &str) {
    client
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector} not found: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("clicking {selector} failed: {error}"));
}

async fn wait_for(client: &Client, selector: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector} did not appear: {error}"));
}

async fn text_of(client: &Client, selector: &str) -> String {
    client
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector} not found: {error}"))
        .text()
        .await
        .expect("element text")
}

/// Returns the flash message on the current page, if any.
async fn flash(client: &Client) -> Option<String> {
    let found = client
        .find_all(Locator::Css("#flash"))
        .await
        .expect("query the flash message");
    match found.as_slice() {
        [] => None,
        [element] => Some(element.text().await.expect("flash text")),
        _ => panic!("{} flash messages on one page", found.len()),
    }
}
