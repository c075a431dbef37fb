"""The documentation is complete: every command has help and is in the README;
the README's test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from dangan.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
    return out


COMMANDS = _commands(main)


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_readme(name: str, cmd: click.Command):
    assert (cmd.help or "").strip(), f"dangan {name} has no help text"
    assert f"dangan {name}" in README, f"README does not mention `dangan {name}`"


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## 快速开始.*?```bash\n(.*?)```", README, re.S)
    assert block, "README has no quick-start block"
    cmds = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.split("#")[0].strip()]
    assert len(cmds) == 2, cmds
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert cmds[1] in ci, f"CI does not run the README test command {cmds[1]!r}"


def test_every_setting_is_documented_in_readme():
    from dangan.config import SETTINGS

    missing = [s.name for s in SETTINGS if s.name.split(".", 1)[1] not in README]
    assert not missing, f"README does not document settings: {missing}"
