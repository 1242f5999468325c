//! `grantex mcp`: a Model Context Protocol server exposing the Grantex API to AI assistants, built on the
//! official Rust SDK (`rmcp`).
//!
//! The tools are those of upstream's `@grantex/mcp` 0.1.10 (PROTOCOL.md §12): same names, same input
//! members, results as one text item holding pretty-printed JSON (delete/revoke tools: a confirmation
//! sentence). Failures are tool results with `isError: true` whose text is
//! `{"error":{"code","message","status","requestId"}}` (the server's error) or
//! `{"error":{"code":"INVALID_INPUT","message","field"}}` (bad input) — never a crash of the process.
//!
//! Transports: stdio (default) and streamable HTTP (`--http ADDR`, endpoint `/mcp`). Each tool call runs
//! the blocking [`crate::client::Client`] on tokio's blocking pool.

pub mod tools;

use crate::client::{Client, ClientConfig, ClientError};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `grantex mcp`.
#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// Serve MCP over streamable HTTP at ADDR (endpoint `/mcp`) instead of stdio
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Extra Host header value accepted over HTTP (repeatable; localhost, 127.0.0.1 and ::1 always are)
    #[arg(long = "allowed-host", value_name = "HOST", requires = "http")]
    pub allowed_hosts: Vec<String>,
    /// Grantex server base URL [env: GRANTEX_BASE_URL; default: config file, else https://api.grantex.dev]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Developer API key [env: GRANTEX_API_KEY; default: config file]
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
}

/// The MCP server: the tool table and a client.
#[derive(Clone)]
pub struct GrantexMcp {
    client: Client,
    tools: Arc<Vec<Tool>>,
    schemas: Arc<HashMap<&'static str, serde_json::Map<String, serde_json::Value>>>,
}

impl GrantexMcp {
    /// A server calling the Grantex API with `client`.
    pub fn new(client: Client) -> GrantexMcp {
        let specs = tools::specs();
        let tools = specs
            .iter()
            .map(|s| Tool::new(s.name, s.description, Arc::new(s.schema.clone())))
            .collect();
        let schemas = specs.into_iter().map(|s| (s.name, s.schema)).collect();
        GrantexMcp {
            client,
            tools: Arc::new(tools),
            schemas: Arc::new(schemas),
        }
    }

    /// Runs one tool call to completion (validation, blocking HTTP call) and builds the MCP result.
    pub async fn run_tool(&self, name: &str, args: tools::Arguments) -> CallToolResult {
        let outcome = match self.schemas.get(name) {
            None => Err(tools::ToolFailure::Input {
                field: None,
                message: format!("unknown tool {name:?}"),
            }),
            Some(schema) => match tools::validate(schema, &args) {
                Err(e) => Err(e),
                Ok(()) => {
                    let client = self.client.clone();
                    let name = name.to_owned();
                    tokio::task::spawn_blocking(move || tools::call(&client, &name, args))
                        .await
                        .unwrap_or_else(|e| {
                            Err(tools::ToolFailure::Client(ClientError::Transport(format!(
                                "the tool call did not complete: {e}"
                            ))))
                        })
                }
            },
        };
        match outcome {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(failure) => {
                let text = serde_json::to_string_pretty(&failure.to_json())
                    .unwrap_or_else(|_| "{\"error\":{\"code\":\"INTERNAL_ERROR\"}}".to_owned());
                CallToolResult::error(vec![ContentBlock::text(text)])
            }
        }
    }
}

impl ServerHandler for GrantexMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("grantex", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Grantex: delegated authorization for AI agents. Register agents, request a user's \
                 consent (grantex_authorize → consentUrl), exchange the code for a grant token, verify, \
                 delegate and revoke grants, and write/read the audit log.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        Ok(self.run_tool(&request.name, args).await.into())
    }
}

/// Runs `grantex mcp`. Exit 0 when the client disconnects (stdio) or on Ctrl-C (HTTP); 3 for a missing
/// API key or a transport that cannot start.
pub fn run(args: McpArgs) -> ExitCode {
    let config = match ClientConfig::resolve(args.base_url.clone(), args.api_key.clone()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("grantex mcp: {e}");
            return ExitCode::from(3);
        }
    };
    let server = GrantexMcp::new(Client::new(config));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("grantex mcp: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let result = runtime.block_on(async move {
        match args.http {
            None => serve_stdio(server).await,
            Some(addr) => serve_http(server, addr, args.allowed_hosts).await,
        }
    });
    // Blocking tool calls still running (a vanished client) must not hold the process.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantex mcp: {e}");
            ExitCode::from(3)
        }
    }
}

async fn serve_stdio(server: GrantexMcp) -> Result<(), String> {
    let service = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP initialization over stdio failed: {e}"))?;
    service
        .waiting()
        .await
        .map_err(|e| format!("the stdio session ended abnormally: {e}"))?;
    Ok(())
}

async fn serve_http(
    server: GrantexMcp,
    addr: SocketAddr,
    extra_hosts: Vec<String>,
) -> Result<(), String> {
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    };
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    hosts.extend(extra_hosts);
    let config = StreamableHttpServerConfig::default().with_allowed_hosts(hosts);
    let cancel = config.cancellation_token.clone();
    let service: StreamableHttpService<GrantexMcp, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::default(), config);
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("grantex mcp: streamable HTTP on http://{local}/mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            cancel.cancel();
        })
        .await
        .map_err(|e| format!("the HTTP server failed: {e}"))
}
