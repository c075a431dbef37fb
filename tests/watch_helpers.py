"""Helpers shared by the watched-folder tests (not a test module)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from dangan.config import Workspace, open_workspace


def configure(
    ws: Workspace, inbox: Path, *, category: str = "KZ", extra: str = "", settings: dict[str, object] | None = None
) -> Workspace:
    """Add a [[watch]] entry (and extra TOML) to the workspace; return it reloaded.

    ``settings`` replaces ``key = value`` lines of the [ingest] section.
    """
    inbox.mkdir(parents=True, exist_ok=True)
    toml = set_ingest((ws.root / "dangan.toml").read_text(encoding="utf-8"), settings or {})
    toml += f'\n[[watch]]\npath = "{inbox}"\ncategory = "{category}"\n{extra}\n'
    (ws.root / "dangan.toml").write_text(toml, encoding="utf-8")
    return open_workspace(ws.root)


def set_ingest(toml: str, settings: dict[str, object]) -> str:
    for key, value in settings.items():
        toml, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", toml)
        assert n == 1, key
    return toml


def backdate(*paths: Path, seconds: float = 60) -> None:
    t = time.time() - seconds
    for p in paths:
        os.utime(p, (t, t))


def run_once(ws: Workspace, **kw):  # -> list[Outcome]
    from dangan.app import Dangan

    with Dangan.open(ws) as app:
        return app.watcher(**kw).run_once()


def records(ws: Workspace):
    from dangan.app import Dangan

    with Dangan.open(ws) as app:
        return app.records()


def duplicate_events(ws: Workspace, code: str) -> int:
    from dangan.app import Dangan

    with Dangan.open(ws) as app:
        return sum(1 for e in app.audit_trail(code) if e.event == "duplicate")


def search_total(ws: Workspace, query: str) -> int:
    import json

    from click.testing import CliRunner

    from dangan.cli import main

    r = CliRunner().invoke(main, ["-w", str(ws.root), "search", query, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["total"]
