//! `grantex keys …` and `grantex developers …`: administration against the same database as
//! `grantex serve` (how a production deployment, which never seeds, gets its first developer).

use crate::config::StorageArgs;
use crate::keys::{self, GRANT_PURPOSE};
use crate::store::{Mode, Store};
use std::process::ExitCode;

/// `grantex developers` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DevelopersCommand {
    /// Create a developer and print its id and generated API key (`gx_live_…`, or `gx_test_…` with
    /// `--sandbox`) as JSON. The key is shown once; only its SHA-256 is stored.
    Create(CreateDeveloperArgs),
}

/// `grantex developers create`.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateDeveloperArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Sandbox developer (authorization requests are auto-approved).
    #[arg(long)]
    pub sandbox: bool,
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// Runs a `developers` subcommand: JSON on stdout and exit 0, or a message on stderr and exit 1.
pub fn run_developers(command: DevelopersCommand) -> ExitCode {
    block_on(async move {
        match command {
            DevelopersCommand::Create(args) => {
                let name = args.name.trim();
                if name.is_empty() {
                    return Err("--name must not be blank".to_owned());
                }
                let store = open(&args.storage).await?;
                let mode = if args.sandbox {
                    Mode::Sandbox
                } else {
                    Mode::Live
                };
                let api_key = crate::ids::api_key(args.sandbox);
                let developer = store
                    .create_developer(name, mode, &api_key)
                    .await
                    .map_err(|e| e.to_string())?;
                store.close().await;
                Ok(serde_json::json!({
                    "developerId": developer.id,
                    "name": developer.name,
                    "mode": mode.as_str(),
                    "apiKey": api_key,
                })
                .to_string())
            }
        }
    })
}

fn block_on(work: impl std::future::Future<Output = Result<String, String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `grantex keys` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum KeysCommand {
    /// Generate a new active grant-signing key; the previous one stays published (retiring) until
    /// `--max-grant-lifetime` from now, then is dropped from the JWKS. A running server picks the new key
    /// up within 10 seconds. On an empty database this creates the first key.
    Rotate(StorageArgs),
    /// List the published grant-signing keys (active first) as JSON.
    List(StorageArgs),
}

/// Runs a `keys` subcommand: JSON on stdout and exit 0, or a message on stderr and exit 1.
pub fn run_keys(command: KeysCommand) -> ExitCode {
    block_on(keys_command(command))
}

async fn open(storage: &StorageArgs) -> Result<Store, String> {
    let url = storage
        .database_url()
        .map_err(|e| format!("data directory {}: {e}", storage.data_dir.display()))?;
    Store::open(&url).await.map_err(|e| e.to_string())
}

async fn keys_command(command: KeysCommand) -> Result<String, String> {
    match command {
        KeysCommand::Rotate(storage) => {
            let store = open(&storage).await?;
            let kid = keys::rotate(&store, storage.max_grant_lifetime.saturating_mul(1000))
                .await
                .map_err(|e| e.to_string())?;
            let listing = list(&store).await?;
            store.close().await;
            Ok(serde_json::json!({"active": kid, "keys": listing}).to_string())
        }
        KeysCommand::List(storage) => {
            let store = open(&storage).await?;
            let listing = list(&store).await?;
            store.close().await;
            Ok(serde_json::json!({ "keys": listing }).to_string())
        }
    }
}

async fn list(store: &Store) -> Result<serde_json::Value, String> {
    let now = crate::store::db_ms(crate::time::now_ms());
    let rows = store
        .signing_keys(GRANT_PURPOSE, now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "kid": r.kid,
                "state": r.state,
                "createdAt": crate::time::iso_ms(r.created_at),
                "retireAfter": r.retire_after.map(crate::time::iso_ms),
            })
        })
        .collect())
}
