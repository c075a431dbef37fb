"""Shared fixtures: a fresh workspace in tmp_path and a CLI runner.

Area-specific fixtures live in their own test modules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dangan.config import Workspace, init_workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A new workspace; DANGAN_WORKSPACE is cleared so nothing leaks in."""
    monkeypatch.delenv("DANGAN_WORKSPACE", raising=False)
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(ws: Workspace, runner: CliRunner):
    """``cli("archive", "list", "--json")`` runs dangan on the ``ws`` workspace."""
    from dangan.cli import main

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["-w", str(ws.root), *args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def cli_for(runner: CliRunner):
    """``cli_for(ws)("verify")`` runs dangan on any workspace."""
    from dangan.cli import main

    def make(workspace: Workspace):
        def run(*args: str, input: str | None = None):
            return runner.invoke(main, ["-w", str(workspace.root), *args], input=input, catch_exceptions=False)

        return run

    return make
