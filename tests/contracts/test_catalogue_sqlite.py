"""The SQLite catalogue passes the whole catalogue contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.contracts.catalogue_contract import CatalogueContract


class TestSqliteCatalogue(CatalogueContract):
    @pytest.fixture
    def catalogue_url(self, tmp_path: Path) -> str:
        return f"sqlite://{tmp_path / 'archive' / 'catalog.sqlite'}"
