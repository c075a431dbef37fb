"""Shared fixtures: a fresh workspace in tmp_path and a CLI runner.

Area-specific fixtures live in their own test modules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from dangan.clock import FixedClock
from dangan.config import Workspace, init_workspace

#: The day every CLI test runs on (the product uses the real clock; tests never depend on today's date).
TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# Property tests never depend on the machine's speed: hypothesis's 200 ms deadline per example (and its
# too-slow health check) fail them on a loaded 2-core machine (test_expiry_property did, at load 8).
settings.register_profile("dangan", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("dangan")


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A new workspace; DANGAN_WORKSPACE is cleared so nothing leaks in."""
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def clock() -> FixedClock:
    """The clock the ``cli`` fixtures run on; a test may move it (``clock.set(...)``)."""
    return FixedClock(TODAY)


@pytest.fixture
def cli(ws: Workspace, runner: CliRunner, clock: FixedClock):
    """``cli("archive", "list", "--json")`` runs dangan on the ``ws`` workspace, on the fixed ``clock``."""
    from dangan.cli import main

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["-w", str(ws.root), *args], input=input, catch_exceptions=False,
                             obj={"clock": clock})

    return run


@pytest.fixture
def cli_for(runner: CliRunner, clock: FixedClock):
    """``cli_for(ws)("verify")`` runs dangan on any workspace, on the fixed ``clock``."""
    from dangan.cli import main

    def make(workspace: Workspace):
        def run(*args: str, input: str | None = None):
            return runner.invoke(main, ["-w", str(workspace.root), *args], input=input, catch_exceptions=False,
                                 obj={"clock": clock})

        return run

    return make


@pytest.fixture(scope="session")
def pg_server():
    """The suite's own PostgreSQL server (started on first use, stopped at the end).

    If it cannot start the tests that need it fail with the reason (they are never skipped).
    """
    from tests.pgserver import PgServer

    server = PgServer()
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A new, empty database on the suite's server."""
    url: str = pg_server.new_database()
    return url


@pytest.fixture
def pg_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Workspace:
    """A new workspace whose catalogue (and search) is a new PostgreSQL database."""
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    return init_workspace(tmp_path / "pg-ws", database=pg_url)
