"""The Whoosh backend passes the whole search backend contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.contracts.search_contract import MakeBackend, SearchBackendContract

from dangan.search.whoosh import WhooshBackend


class TestWhooshBackend(SearchBackendContract):
    @pytest.fixture
    def make_backend(self, tmp_path: Path) -> MakeBackend:
        return lambda: WhooshBackend(tmp_path / "index", processes=1)
