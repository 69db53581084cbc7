//! A small site that keeps its visitors' sessions with websession: sign in with any name,
//! count visits, see a flash message once, sign out.
//!
//! Run it with `cargo run -p websession-demo` and open the URL it prints.

mod access_log;
mod config;
mod json_view;
mod pages;
mod routes;
mod store;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use websession::{ConfigError, Cookie};

use crate::config::{Args, SecretError, Secrets, SECRET_VAR};
use crate::store::StoreOpenError;

/// Name of the session cookie; the default of the JavaScript libraries' examples.
const COOKIE_NAME: &str = "__session";

/// Error that stops the demo.
#[derive(Debug, thiserror::Error)]
enum DemoError {
    /// `SESSION_SECRET` is invalid.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The session cookie cannot be built.
    #[error("invalid session cookie settings: {0}")]
    Cookie(#[from] ConfigError),
    /// The storage cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreOpenError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}; choose another address with --listen")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("server failed: {0}; start the demo again")]
    Serve(#[source] std::io::Error),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "websession demo stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), DemoError> {
    let secrets = config::secrets_from(std::env::var_os(SECRET_VAR))?;
    if let Secrets::Generated(_) = secrets {
        tracing::warn!(
            "{SECRET_VAR} is not set, so a random secret signs the cookies and every session \
             ends when the server stops; set {SECRET_VAR} to one or more comma-separated secrets"
        );
    }
    let padded = secrets.padded_entries();
    if !padded.is_empty() {
        tracing::warn!(
            entries = ?padded,
            "{SECRET_VAR} has secrets that start or end with whitespace, which is part of the \
             secret, so cookies signed without it do not verify; remove the whitespace around the \
             commas unless it is meant"
        );
    }
    let cookie = Cookie::builder(COOKIE_NAME)
        .secrets(secrets.list())
        .http_only(true)
        .build()?;
    let storage = store::open(&args.store, cookie).await?;

    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|source| DemoError::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(DemoError::Serve)?;
    let store_label = args.store.label();
    tracing::info!(%addr, store = store_label, "listening");
    println!("websession demo is running: open http://{addr}/ in a browser (Ctrl-C stops it)");

    // The grace period starts at the signal, so a client that never finishes its request
    // cannot keep the demo from stopping.
    let (stopping_sender, mut stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, routes::app(storage, &store_label)).with_graceful_shutdown(
        async move {
            shutdown_signal().await;
            let _ = stopping_sender.send(true);
        },
    );
    let grace_over = async move {
        let _ = stopping.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result.map_err(DemoError::Serve)?,
        () = grace_over => tracing::warn!(
            grace_seconds = SHUTDOWN_GRACE.as_secs(),
            "open connections did not finish in time; stopping anyway"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// How long a shutdown waits for open requests to finish.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C; stop the demo with SIGTERM");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM; stop the demo with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested, finishing open requests");
}
