"""End-to-end test of `grantex mcp` with the official Python MCP SDK (`mcp` on PyPI, 1.x or 2.x).

Starts `grantex serve --dev` on a free port with a temporary data directory, then for each transport
(stdio, streamable HTTP):
  * lists the tools and checks the 17 names and required input members of PROTOCOL.md §12;
  * calls every tool with valid input (results parse as JSON, or are the confirmation sentence);
  * calls every tool with invalid input: a tool error (isError) whose JSON names the field;
  * checks API errors come back as tool errors with the server's code (NOT_FOUND, UNAUTHORIZED);
  * checks the server still answers afterwards.

Usage: python tests/mcp/test_mcp.py [--bin target/debug/grantex]
Exit status 0 when everything passed; prints one line per check and a per-transport summary.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

try:  # mcp 2.x
    from mcp.client.streamable_http import streamable_http_client as _http_client
except ImportError:  # mcp 1.x
    from mcp.client.streamable_http import streamablehttp_client as _http_client

# PROTOCOL.md §12: tool -> (required members, optional members)
EXPECTED = {
    "grantex_agent_register": (["name", "description", "scopes"], []),
    "grantex_agent_list": ([], []),
    "grantex_agent_get": (["agentId"], []),
    "grantex_agent_update": (["agentId"], ["name", "description", "scopes"]),
    "grantex_agent_delete": (["agentId"], []),
    "grantex_authorize": (["agentId", "userId", "scopes"], ["expiresIn", "redirectUri"]),
    "grantex_token_exchange": (["code", "agentId"], []),
    "grantex_token_verify": (["token"], []),
    "grantex_token_revoke": (["tokenId"], []),
    "grantex_token_refresh": (["refreshToken", "agentId"], []),
    "grantex_grant_list": ([], ["agentId", "principalId", "status"]),
    "grantex_grant_get": (["grantId"], []),
    "grantex_grant_revoke": (["grantId"], []),
    "grantex_grant_delegate": (["parentGrantToken", "subAgentId", "scopes"], ["expiresIn"]),
    "grantex_audit_log": (
        ["agentId", "agentDid", "grantId", "principalId", "action"],
        ["metadata", "status"],
    ),
    "grantex_audit_list": ([], ["agentId", "grantId", "action", "since", "until"]),
    "grantex_principal_session_create": (["principalId"], ["expiresIn"]),
}

# A bad input per tool and the field the error must name.
INVALID = {
    "grantex_agent_register": ({"name": "x", "description": "y"}, "scopes"),
    "grantex_agent_list": None,  # no input members: nothing can be wrong
    "grantex_agent_get": ({}, "agentId"),
    "grantex_agent_update": ({"agentId": 42}, "agentId"),
    "grantex_agent_delete": ({}, "agentId"),
    "grantex_authorize": ({"agentId": "ag_x", "userId": "u", "scopes": "read"}, "scopes"),
    "grantex_token_exchange": ({"code": "c"}, "agentId"),
    "grantex_token_verify": ({"token": ["a"]}, "token"),
    "grantex_token_revoke": ({}, "tokenId"),
    "grantex_token_refresh": ({"agentId": "ag_x"}, "refreshToken"),
    "grantex_grant_list": ({"status": "bogus"}, "status"),
    "grantex_grant_get": ({"grantId": None}, "grantId"),
    "grantex_grant_revoke": ({}, "grantId"),
    "grantex_grant_delegate": ({"parentGrantToken": "t", "subAgentId": "ag_x", "scopes": [1]}, "scopes"),
    "grantex_audit_log": (
        {"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": "x", "metadata": "no"},
        "metadata",
    ),
    "grantex_audit_list": ({"since": 5}, "since"),
    "grantex_principal_session_create": ({}, "principalId"),
}


def attr(obj, *names):
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    raise AttributeError(names)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Results:
    def __init__(self):
        self.rows: list[tuple[str, str, str, bool, str]] = []

    def check(self, transport: str, tool: str, what: str, ok: bool, detail: str = "") -> bool:
        ok = bool(ok)
        self.rows.append((transport, tool, what, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  [{transport}] {tool}: {what}{'' if ok else '  -- ' + detail}", flush=True)
        return ok

    @property
    def failed(self):
        return [r for r in self.rows if not r[3]]


def text_of(result) -> str:
    content = attr(result, "content")
    assert len(content) == 1, f"expected one content item, got {len(content)}"
    return content[0].text


def is_error(result) -> bool:
    return bool(attr(result, "is_error", "isError"))


def jti_of(token: str) -> str:
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))["jti"]


async def exercise(session: ClientSession, transport: str, res: Results, server_env: dict):
    await session.initialize()
    listed = await session.list_tools()
    tools = {t.name: t for t in attr(listed, "tools")}
    res.check(transport, "*", "17 tools with upstream names", set(tools) == set(EXPECTED), f"got {sorted(tools)}")
    for name, (required, optional) in EXPECTED.items():
        tool = tools.get(name)
        if tool is None:
            res.check(transport, name, "schema", False, "missing")
            continue
        schema = attr(tool, "input_schema", "inputSchema")
        props = schema.get("properties", {})
        ok = (
            schema.get("type") == "object"
            and sorted(schema.get("required", [])) == sorted(required)
            and set(props) == set(required) | set(optional)
            and all(props[p].get("description") for p in props)
            and bool(tool.description)
        )
        res.check(transport, name, "schema (names, required, descriptions)", ok, json.dumps(schema))

    async def call(name, args):
        return await session.call_tool(name, args)

    async def ok_json(name, args, what="valid input"):
        r = await call(name, args)
        text = text_of(r)
        good = not is_error(r)
        doc = None
        if good:
            try:
                doc = json.loads(text)
            except ValueError:
                good = False
        res.check(transport, name, what, good, text[:300])
        return doc

    async def ok_sentence(name, args, expected):
        r = await call(name, args)
        text = text_of(r)
        res.check(transport, name, "valid input", not is_error(r) and text == expected, text[:300])

    # ---- valid input, in a flow that feeds each call the ids it needs ----
    agent = await ok_json("grantex_agent_register", {"name": f"mcp-{transport}", "description": "MCP test agent", "scopes": ["read", "write"]})
    sub = await ok_json("grantex_agent_register", {"name": f"mcp-{transport}-sub", "description": "sub-agent", "scopes": ["read"]}, "valid input (sub-agent)")
    if not agent or not sub:
        return
    aid, sid = agent["agentId"], sub["agentId"]
    lst = await ok_json("grantex_agent_list", {})
    res.check(transport, "grantex_agent_list", "lists the new agent", bool(lst) and any(a["agentId"] == aid for a in lst["agents"]))
    got = await ok_json("grantex_agent_get", {"agentId": aid})
    res.check(transport, "grantex_agent_get", "returns the agent", bool(got) and got["agentId"] == aid and got["did"] == f"did:grantex:{aid}")
    upd = await ok_json("grantex_agent_update", {"agentId": aid, "description": "updated"})
    res.check(transport, "grantex_agent_update", "applies the change", bool(upd) and upd["description"] == "updated")
    auth = await ok_json("grantex_authorize", {"agentId": aid, "userId": "user-1", "scopes": ["read", "write"], "expiresIn": "2h"})
    if not auth:
        return
    res.check(transport, "grantex_authorize", "sandbox answer has code and consentUrl", bool(auth.get("code")) and "/consent?req=" in auth["consentUrl"])
    tok = await ok_json("grantex_token_exchange", {"code": auth["code"], "agentId": aid})
    if not tok:
        return
    ver = await ok_json("grantex_token_verify", {"token": tok["grantToken"]})
    res.check(transport, "grantex_token_verify", "valid:true with grantId", bool(ver) and ver["valid"] is True and ver["grantId"] == tok["grantId"])
    ref = await ok_json("grantex_token_refresh", {"refreshToken": tok["refreshToken"], "agentId": aid})
    res.check(transport, "grantex_token_refresh", "same grant, new refresh token", bool(ref) and ref["grantId"] == tok["grantId"] and ref["refreshToken"] != tok["refreshToken"])
    grants = await ok_json("grantex_grant_list", {"agentId": aid, "status": "active"})
    res.check(transport, "grantex_grant_list", "lists the grant", bool(grants) and any(g["grantId"] == tok["grantId"] for g in grants["grants"]))
    grant = await ok_json("grantex_grant_get", {"grantId": tok["grantId"]})
    res.check(transport, "grantex_grant_get", "returns the grant", bool(grant) and grant["status"] == "active")
    child = await ok_json("grantex_grant_delegate", {"parentGrantToken": ref["grantToken"], "subAgentId": sid, "scopes": ["read"], "expiresIn": "30m"})
    res.check(transport, "grantex_grant_delegate", "child grant token", bool(child) and child["scopes"] == ["read"] and child["grantId"] != tok["grantId"])
    entry = await ok_json("grantex_audit_log", {"agentId": aid, "agentDid": agent["did"], "grantId": tok["grantId"], "principalId": "user-1", "action": "email.sent", "metadata": {"to": "a@example.com", "n": 1}, "status": "success"})
    res.check(transport, "grantex_audit_log", "hash chained entry", bool(entry) and len(entry["hash"]) == 64)
    entries = await ok_json("grantex_audit_list", {"agentId": aid, "action": "email.sent", "since": "2000-01-01T00:00:00Z"})
    res.check(transport, "grantex_audit_list", "lists the entry", bool(entries) and any(e["entryId"] == entry["entryId"] for e in entries["entries"]))
    sess = await ok_json("grantex_principal_session_create", {"principalId": "user-1", "expiresIn": "10m"})
    res.check(transport, "grantex_principal_session_create", "dashboard URL", bool(sess) and "/permissions#session=" in sess["dashboardUrl"])
    await ok_sentence("grantex_token_revoke", {"tokenId": jti_of(ref["grantToken"])}, "Token revoked successfully.")
    ver2 = await ok_json("grantex_token_verify", {"token": ref["grantToken"]}, "valid input (revoked token)")
    res.check(transport, "grantex_token_verify", "revoked token → valid:false", bool(ver2) and ver2["valid"] is False)
    await ok_sentence("grantex_grant_revoke", {"grantId": tok["grantId"]}, f"Grant {tok['grantId']} revoked successfully.")
    await ok_sentence("grantex_agent_delete", {"agentId": sid}, f"Agent {sid} deleted successfully.")

    # ---- invalid input: a tool error naming the field; the server keeps running ----
    for name, case in INVALID.items():
        if case is None:
            continue
        args, field = case
        r = await call(name, args)
        text = text_of(r)
        try:
            err = json.loads(text)["error"]
            ok = is_error(r) and err["code"] == "INVALID_INPUT" and err.get("field") == field and field in err["message"]
        except (ValueError, KeyError, TypeError):
            ok = False
        res.check(transport, name, f"invalid input names `{field}`", ok, text[:300])

    # ---- API errors: the server's code and message as a tool error ----
    for name, args, code in [
        ("grantex_agent_get", {"agentId": "ag_does_not_exist"}, "NOT_FOUND"),
        ("grantex_grant_revoke", {"grantId": tok["grantId"]}, "NOT_FOUND"),  # already revoked
        ("grantex_token_exchange", {"code": "invalid-code-12345", "agentId": aid}, "BAD_REQUEST"),
    ]:
        r = await call(name, args)
        text = text_of(r)
        try:
            err = json.loads(text)["error"]
            ok = is_error(r) and err["code"] == code and err["message"] and err.get("requestId")
        except (ValueError, KeyError, TypeError):
            ok = False
        res.check(transport, name, f"API error → tool error {code}", ok, text[:300])

    r = await call("grantex_agent_list", {})
    res.check(transport, "grantex_agent_list", "server still answers after the errors", not is_error(r))
    await ok_sentence("grantex_agent_delete", {"agentId": aid}, f"Agent {aid} deleted successfully.")


async def unauthorized(session: ClientSession, transport: str, res: Results):
    await session.initialize()
    r = await session.call_tool("grantex_agent_list", {})
    text = text_of(r)
    try:
        ok = is_error(r) and json.loads(text)["error"]["code"] == "UNAUTHORIZED"
    except (ValueError, KeyError):
        ok = False
    res.check(transport, "grantex_agent_list", "bad API key → tool error UNAUTHORIZED", ok, text[:300])


@asynccontextmanager
async def stdio_session(binary: str, env: dict):
    params = StdioServerParameters(command=binary, args=["mcp"], env=env)
    async with stdio_client(params) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            yield session


@asynccontextmanager
async def http_session(url: str):
    async with _http_client(url) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            yield session


def start_mcp_http(binary: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([binary, "mcp", "--http", f"127.0.0.1:{port}"], env={**os.environ, **env}, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}/mcp"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"grantex mcp --http exited: {proc.stderr.read().decode()}")
            time.sleep(0.1)
    raise RuntimeError("grantex mcp --http did not start listening")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.environ.get("GRANTEX_BIN", "target/debug/grantex"))
    binary = os.path.abspath(parser.parse_args().bin)
    data = tempfile.mkdtemp(prefix="grantex-mcp-")
    server = subprocess.Popen([binary, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir", data], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    res = Results()
    try:
        line = server.stdout.readline()
        base = "http://" + line.strip().rsplit("http://", 1)[1]
        env = {"GRANTEX_API_KEY": "sandbox-api-key-local", "GRANTEX_BASE_URL": base, "XDG_CONFIG_HOME": data}
        bad_env = {**env, "GRANTEX_API_KEY": "not-a-valid-key-0000"}

        async with stdio_session(binary, env) as s:
            await exercise(s, "stdio", res, env)
        async with stdio_session(binary, bad_env) as s:
            await unauthorized(s, "stdio", res)

        proc, url = start_mcp_http(binary, env)
        try:
            async with http_session(url) as s:
                await exercise(s, "http", res, env)
            res.check("http", "*", "mcp --http process still running", proc.poll() is None)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        proc, url = start_mcp_http(binary, bad_env)
        try:
            async with http_session(url) as s:
                await unauthorized(s, "http", res)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)

    print("\nSummary (tool: stdio / http)")
    for tool in ["*", *EXPECTED]:
        cells = []
        for t in ("stdio", "http"):
            rows = [r for r in res.rows if r[0] == t and r[1] == tool]
            cells.append("n/a" if not rows else ("pass" if all(r[3] for r in rows) else "FAIL") + f" ({sum(r[3] for r in rows)}/{len(rows)})")
        print(f"  {tool:<34} {cells[0]:<12} {cells[1]}")
    print(f"\n{len(res.rows) - len(res.failed)}/{len(res.rows)} checks passed")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
