"""The file store's temporary area: which leftovers are stale (their filing died) and which belong to a
filing still running on this or another machine sharing the archive folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from dangan.archive.store import HOST, STALE_AFTER_SECONDS, Store, is_stale_temp


def _touch(path: Path, *, age: float = 0.0) -> Path:
    path.write_bytes(b"filing\n")
    if age:
        t = time.time() - age
        os.utime(path, (t, t))
    return path


def test_a_temp_file_of_a_live_process_here_is_not_stale(tmp_path: Path) -> None:
    store = Store(tmp_path / "archive")
    store.ensure()
    mine = store.new_temp(".journal")
    _touch(mine)
    assert mine.name.startswith(f"{HOST}~{os.getpid()}~")
    assert not is_stale_temp(mine) and store.stale_temp_entries() == []


def test_a_temp_file_of_a_dead_process_here_is_stale(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)
    path = _touch(tmp_path / f"{HOST}~{dead_pid}~abc.journal")
    assert is_stale_temp(path)


def test_another_hosts_temp_file_is_stale_only_when_old(tmp_path: Path) -> None:
    recent = _touch(tmp_path / "node-b~1~abc.journal")
    old = _touch(tmp_path / "node-b~2~def.part", age=STALE_AFTER_SECONDS + 60)
    assert not is_stale_temp(recent) and is_stale_temp(old)


def test_an_old_style_temp_name_is_stale(tmp_path: Path) -> None:
    assert is_stale_temp(_touch(tmp_path / "123-abc.journal"))
