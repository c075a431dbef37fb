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
    """Every command, loaded the way click loads it (the top-level group is lazy)."""
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
    return out


COMMANDS = _commands(main)


def test_the_command_tree_is_complete():
    names = {n for n, _ in COMMANDS}
    assert {"init", "generate", "archive add", "retention dispose", "verify", "search", "index rebuild",
            "watch", "forms list", "templates check", "hold release"} <= names


def test_a_search_loads_no_forms_or_document_libraries(tmp_path: Path):
    """`dangan search` imports the search path only: no forms engine, python-docx, WeasyPrint, pdfium or Pillow."""
    import subprocess
    import sys

    from dangan.config import init_workspace

    ws = init_workspace(tmp_path / "ws")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from dangan.cli import main\n"
        f"r = CliRunner().invoke(main, ['-w', {str(ws.root)!r}, 'search', '装修'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = ('dangan.forms', 'dangan.ingest', 'docx', 'docxtpl', 'weasyprint', 'pypdfium2', 'PIL', 'openpyxl')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    help_mods = subprocess.run([sys.executable, "-c", "import sys\nfrom dangan.cli import main\n"
                                "print(sorted(m for m in sys.modules if m.startswith(('dangan.app', 'dangan.archive', "
                                "'dangan.search', 'whoosh', 'jieba'))))"], capture_output=True, text=True, check=True)
    assert help_mods.stdout.strip() == "[]"


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


_ROW = re.compile(r"^\|\s*`(\[\[?[a-z_]+\]?\])`\s*\|\s*`([a-z_]+)`\s*\|", re.M)


def documented_settings(readme: str) -> set[tuple[str, str]]:
    """(section, key) of every row of the README's settings table: ``| `[fees]` | `payment_days` | …``."""
    return {(sec, key) for sec, key in _ROW.findall(readme)}


def expected_settings() -> set[tuple[str, str]]:
    from dangan.config import SETTINGS, TABLES

    out = {(f"[{s.name.split('.')[0]}]", s.name.split(".", 1)[1]) for s in SETTINGS}
    return out | {(f"[[{name}]]", f.key) for name, spec in TABLES.items() for f in spec}


def settings_problems(readme: str) -> list[str]:
    documented, expected = documented_settings(readme), expected_settings()
    return ([f"README does not document {sec} {key}" for sec, key in sorted(expected - documented)]
            + [f"README documents {sec} {key}, which dangan does not have" for sec, key in sorted(documented - expected)])


def test_every_setting_and_table_field_is_documented_in_readme_with_its_section():
    assert settings_problems(README) == []


def test_the_settings_check_fails_for_a_missing_or_misplaced_row():
    row = "| `[fees]` | `payment_days` |"
    assert row in README
    without = README.replace(row, "| `[fees]` | `payment_dayz` |")
    assert settings_problems(without) == ["README does not document [fees] payment_days",
                                          "README documents [fees] payment_dayz, which dangan does not have"]
    moved = README.replace("| `[[watch]]` | `polling` |", "| `[[rule]]` | `polling` |")
    assert "README does not document [[watch]] polling" in settings_problems(moved)
