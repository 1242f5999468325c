//! `grantex serve`: opens the store (migrating it), makes sure a signing key exists, seeds the dev-mode
//! developers, binds, serves until SIGINT/SIGTERM, then drains connections and closes the pool.

use crate::app::{AppState, router};
use crate::config::{Config, LogFormat, ServeArgs, normalize_public_url};
use crate::keys::{self, Bootstrap, SigningKey};
use crate::store::{Mode, Store};
use std::process::ExitCode;

/// Live developer key seeded by `--dev` (PROTOCOL.md §1.3).
pub const DEV_LIVE_KEY: &str = "dev-api-key-local";
/// Sandbox developer key seeded by `--dev`.
pub const DEV_SANDBOX_KEY: &str = "sandbox-api-key-local";

/// Runs the server; exit 0 after a graceful shutdown, 1 when startup fails (message on stderr).
pub fn run(args: ServeArgs) -> ExitCode {
    init_tracing(args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless: try_init fails and the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Opens the store and prepares keys and seed data as `args` ask: what `serve` does before binding.
pub async fn prepare(args: &ServeArgs) -> Result<Store, String> {
    let url = args
        .storage
        .database_url()
        .map_err(|e| format!("data directory {}: {e}", args.storage.data_dir.display()))?;
    let store = Store::open(&url).await.map_err(|e| e.to_string())?;
    let configured = match &args.signing_key_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("signing key file {}: {e}", path.display()))?;
            Some(
                SigningKey::from_key_text(&text)
                    .map_err(|e| format!("signing key file {}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let max_lifetime_ms = args.storage.max_grant_lifetime.saturating_mul(1000);
    match keys::bootstrap(&store, configured.as_ref(), args.dev, max_lifetime_ms)
        .await
        .map_err(|e| e.to_string())?
    {
        Bootstrap::Existing(kid) => tracing::info!(%kid, "using the stored signing key"),
        Bootstrap::Imported(kid) => tracing::info!(%kid, "configured signing key is now active"),
        Bootstrap::Generated(kid) => tracing::info!(%kid, "generated and stored a signing key"),
    }
    if args.dev {
        store
            .seed_developer("Local developer", Mode::Live, DEV_LIVE_KEY)
            .await
            .map_err(|e| e.to_string())?;
        store
            .seed_developer("Local sandbox developer", Mode::Sandbox, DEV_SANDBOX_KEY)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(store)
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let store = prepare(&args).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let public_url = normalize_public_url(
        &args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}")),
    );
    let mut config = Config::new(public_url.clone());
    config.dev = args.dev;
    config.rate_limit = args.rate_limit;
    config.rate_limit_window = args.rate_limit_window;
    config.max_grant_lifetime = args.storage.max_grant_lifetime;
    args.grants.apply(&mut config);
    args.ip_limits.apply(&mut config);
    let state = AppState::new(store.clone(), config);
    let ring = state.keys.reload().await.map_err(|e| e.to_string())?;
    tracing::info!(%local, issuer = %public_url, kid = %ring.active().kid(), backend = ?store.backend(), "listening");
    // The base URL on stdout for scripts; a closed stdout must not stop the server.
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Grantex listening on {public_url}");
        if args.dev {
            let _ = writeln!(
                out,
                "dev mode: API keys {DEV_LIVE_KEY} (live), {DEV_SANDBOX_KEY} (sandbox)"
            );
        }
        let _ = out.flush();
    }
    // The peer address feeds the per-IP limits (`http::ip_limit`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("shut down; closing the database");
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
