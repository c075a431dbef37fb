"""The PostgreSQL search backend passes the whole search backend contract, the evaluation set included."""

from __future__ import annotations

import pytest
from tests.contracts.search_contract import SearchBackendContract

from dangan.search.postgres import PostgresBackend

pytestmark = pytest.mark.postgres


class TestPostgresBackend(SearchBackendContract):
    @pytest.fixture
    def make_backend(self, pg_url: str):
        opened: list[PostgresBackend] = []

        def make() -> PostgresBackend:
            backend = PostgresBackend(pg_url)
            opened.append(backend)
            return backend

        yield make
        for b in opened:
            b.close()
