"""Shared fixtures: vector files, signing keys, a local JWKS server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors"
KEYS = VECTORS / "keys"
# Until the generated corpus exists the upstream golden file is the fallback for development.
SHARED_UPSTREAM = REPO.parent / "shared" / "vectors" / "upstream" / "grant-tokens.json"


def load_json(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_proxy_for_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours *_proxy variables; the local JWKS server must be reached directly.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class JwksServer:
    """A local HTTP server for JWKS documents: ``routes[path] = (status, body, headers)``; counts hits."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.hits: dict[str, int] = {}
        self.delay: float = 0.0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                import time

                with server._lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    route = server.routes.get(self.path)
                if server.delay:
                    time.sleep(server.delay)
                status, body, headers = route if route is not None else (404, b"not found", {})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def serve(
        self, path: str, jwks: Any, *, status: int = 200, cache_control: Optional[str] = None
    ) -> str:
        body = jwks if isinstance(jwks, bytes) else json.dumps(jwks).encode()
        headers = {"Cache-Control": cache_control} if cache_control is not None else {}
        with self._lock:
            self.routes[path] = (status, body, headers)
        return self.base + path

    def hit_count(self, path: str) -> int:
        with self._lock:
            return self.hits.get(path, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    try:
        yield server
    finally:
        server.close()


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def private_key_pem(name: str) -> bytes:
    return (KEYS / name).read_bytes()


def sign_rs256(claims: dict[str, Any], key_file: str = "rsa-2048-upstream.pem", **header: Any) -> str:
    """An RS256 token signed with one of the test keys (PyJWT, which the upstream SDK brings)."""
    jwt = pytest.importorskip("jwt")
    token: str = jwt.encode(claims, private_key_pem(key_file), algorithm="RS256", headers=header or None)
    return token


def public_jwk(key_file: str, kid: Optional[str]) -> dict[str, Any]:
    """The public JWK of a test RSA key (via PyJWT/cryptography)."""
    jwt_algorithms = pytest.importorskip("jwt.algorithms")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    key = serialization.load_pem_private_key(private_key_pem(key_file), password=None)
    jwk: dict[str, Any] = json.loads(jwt_algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"alg": "RS256", "use": "sig"})
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def grant_claims(issuer: str, now: int, **extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": "user_abc123",
        "agt": "did:grantex:ag_01J0000000000000000000000A",
        "dev": "dev_01J0000000000000000000000D",
        "scp": ["calendar:read", "payments:initiate:max_500"],
        "jti": "tok_01J0000000000000000000000T",
        "grnt": "grnt_01J0000000000000000000000G",
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(extra)
    return claims


Factory = Callable[..., str]
