"""Fixtures: a `grantex serve --dev` process per backend (SQLite always, PostgreSQL with GRANTEX_E2E_PG_URL)."""

from __future__ import annotations

import os
import sys
from typing import Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import Server, create_pg_database, drop_pg_database, pg_admin_url  # noqa: E402


@pytest.fixture(params=["sqlite", "postgres"])
def dev_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """`grantex serve --dev` on a fresh database of the parametrized backend."""
    database_url = None
    admin = pg_admin_url()
    if request.param == "postgres":
        if admin is None:
            pytest.skip("GRANTEX_E2E_PG_URL not set (scripts/test-e2e sets it)")
        database_url = create_pg_database(admin)
    server = Server(dev=True, database_url=database_url)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()
        if database_url and admin:
            drop_pg_database(admin, database_url)
