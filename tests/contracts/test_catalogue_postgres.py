"""The PostgreSQL catalogue passes the whole catalogue contract (on the suite's own server)."""

from __future__ import annotations

import pytest
from tests.contracts.catalogue_contract import CatalogueContract

pytestmark = pytest.mark.postgres


class TestPostgresCatalogue(CatalogueContract):
    @pytest.fixture
    def catalogue_url(self, pg_url: str) -> str:
        return pg_url
