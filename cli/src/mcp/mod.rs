//! `boardingpass mcp`: core's agent tools (see `boardingpass::toolbox`)
//! served over MCP with the official SDK. Each call gets the client's
//! progress token (proof of work, hashing and upload reported as they go),
//! its cancellation (a cancelled request stops the Rust work) and a claim
//! link channel that prefers the client's user over the model.

pub mod claim_link;

use std::sync::{Arc, Mutex};

use boardingpass::toolbox::{tool_specs, CallContext, ClaimLinkSink, Toolbox};
use boardingpass::{printable, ErrorKind, Progress};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

#[derive(Clone)]
pub struct Server {
    toolbox: Toolbox,
    fallback: ClaimLinkSink,
    tools: Arc<Vec<Tool>>,
}

fn schema(v: Value) -> Arc<rmcp::model::JsonObject> {
    match v {
        Value::Object(map) => Arc::new(map),
        other => unreachable!("tool schemas are objects, not {other}"),
    }
}

impl Server {
    pub fn new(toolbox: Toolbox, fallback: ClaimLinkSink) -> Self {
        let tools = tool_specs()
            .into_iter()
            .map(|s| Tool::new(s.name, s.description, schema(s.input_schema)).with_title(s.title).with_raw_output_schema(schema(s.output_schema)))
            .collect();
        Self { toolbox, fallback, tools: Arc::new(tools) }
    }
}

/// Core's progress events as MCP progress notifications: a counter that
/// only grows (as the protocol asks), the phase in the message.
fn progress(ctx: &RequestContext<RoleServer>) -> Progress {
    let Some(token) = ctx.meta.get_progress_token() else { return Progress::none() };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let peer = ctx.peer.clone();
    tokio::spawn(async move {
        let mut step = 0.0;
        while let Some(message) = rx.recv().await {
            step += 1.0;
            if peer.notify_progress(ProgressNotificationParam::new(token.clone(), step).with_message(message)).await.is_err() {
                break;
            }
        }
    });
    let last = Mutex::new(("", u64::MAX));
    Progress::new(move |e| {
        // Proof of work reports thousands of checkpoints: send about one per percent.
        let key = (e.phase.as_str(), (e.done * 100).checked_div(e.total).unwrap_or(0));
        let changed = std::mem::replace(&mut *last.lock().unwrap_or_else(|p| p.into_inner()), key) != key;
        if changed {
            let _ = tx.send(format!("{} {}/{}", e.phase.as_str(), e.done, e.total));
        }
    })
}

impl ServerHandler for Server {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("boardingpass", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Deploy Cloudflare Workers you wrote to a live URL on a temporary account: call `deploy` with the files inline. \
                 The account's claim link goes to the human owner, never to you; the URL and the evidence come back to you.",
            )
    }

    async fn list_tools(&self, _request: Option<PaginatedRequestParams>, _ctx: RequestContext<RoleServer>) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    async fn call_tool(&self, request: CallToolRequestParams, ctx: RequestContext<RoleServer>) -> Result<CallToolResponse, ErrorData> {
        if !self.tools.iter().any(|t| t.name == request.name) {
            return Err(ErrorData::invalid_params(format!("no tool {:?}", printable(&request.name)), None));
        }
        let args = request.arguments.map(Value::Object).unwrap_or(Value::Null);
        let call = CallContext::new(progress(&ctx), Some(ctx.ct.child_token()), Some(claim_link::through_client(ctx.peer.clone(), self.fallback.clone())));
        let result = match self.toolbox.call(&request.name, args, call).await {
            Ok(value) => CallToolResult::structured(value),
            Err(e) if e.kind() == ErrorKind::Cancelled => return Err(ErrorData::internal_error("cancelled", None)),
            // A tool error the model reads and can act on: code and message, nothing secret (core's messages never hold one).
            Err(e) => CallToolResult::error(vec![ContentBlock::text(format!("[{}] {}", e.code(), printable(&e.to_string())))]),
        };
        Ok(result.into())
    }
}
