"""One blueprint per area of the web interface."""

from __future__ import annotations

from dangan.web.views import (
    api,
    archivist,
    auth,
    dashboard,
    forms,
    intake,
    records,
    registers,
    reports,
    search,
    users,
)

BLUEPRINTS = [auth.bp, dashboard.bp, search.bp, records.bp, forms.bp, registers.bp, reports.bp, archivist.bp, intake.bp, users.bp, api.bp]
