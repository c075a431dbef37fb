"""The web interface and JSON API: Flask + Jinja2 pages, htmx for partial updates, served by waitress.

``create_app(dangan)`` builds the Flask application on one open
:class:`dangan.app.Dangan` (one per workspace, opened at start-up); each
request acts through ``dangan.acting_as(Actor(user, role))`` so the audit
trail names the user.  Views import :mod:`dangan.app` only.  One blueprint per
area, in :mod:`dangan.web.views`; authorisation for every route is in
:mod:`dangan.web.security`; masking and labels in :mod:`dangan.web.present`.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from dangan.app import Dangan

#: Called with the app at server start-up, before the first request (issue 10: the index drift check).
StartupHook = Callable[[Dangan], None]


def catch_up_index(dangan: Dangan) -> None:
    """Bring the search index level with the catalogue (by fingerprint, not a rebuild) before serving, so a
    web-only deployment catches up after a crash or a failed index write as the watcher does.  A failure
    is logged and serving starts anyway (``dangan index check`` and verify name the drift)."""
    if not dangan.follows_index:
        return
    log = logging.getLogger("dangan.web")
    try:
        result = dangan.catch_up_index()
    except Exception:  # noqa: BLE001 - the index is unavailable now; pages say so when they search
        log.warning("启动时补齐全文索引失败（请运行 dangan index check）", exc_info=True)
        return
    if result.changed:
        log.warning("%s", result.notice())


STARTUP_HOOKS: list[StartupHook] = [catch_up_index]

MAX_UPLOAD_MB = 200


def create_app(dangan: Dangan, *, secret_key: str | None = None, warm: bool = True) -> Flask:
    """The Flask application serving ``dangan``.

    ``warm``: open the search index now (rebuilt first if there is none or it has an older format), and load
    the query cutter in the background (a run of 3+ Chinese characters is cut into words: its dictionary
    takes seconds to load), so no clerk's first search pays for either and serving starts at once.
    """
    from dangan.web import jobs, present, security
    from dangan.web.views import BLUEPRINTS

    flask_app = Flask(__name__)
    flask_app.config.update(
        SECRET_KEY=secret_key or dangan.accounts.session_secret(),
        MAX_CONTENT_LENGTH=int(MAX_UPLOAD_MB * 1024 * 1024),
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        JSON_AS_ASCII=False,
    )
    flask_app.json.ensure_ascii = False  # type: ignore[attr-defined]
    flask_app.extensions["dangan"] = dangan
    flask_app.extensions["dangan_jobs"] = {"batch": jobs.JobRunner(), "upload": jobs.JobRunner()}
    security.install(flask_app)
    present.install(flask_app)
    for bp in BLUEPRINTS:
        flask_app.register_blueprint(bp)
    from dangan.web.views import intake

    intake.recover_uploads(flask_app)
    for hook in STARTUP_HOOKS:
        hook(dangan)
    if warm:
        dangan.search("档案", limit=1)
        threading.Thread(target=_load_cutter, args=(dangan,), name="dangan-warm", daemon=True).start()
    return flask_app


def _load_cutter(dangan: Dangan) -> None:
    try:
        dangan.search("档案管理", limit=1)
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the first search its time; say so in the log
        logging.getLogger("dangan.web").warning("检索预热失败（第一次检索会慢一些）", exc_info=True)


def stop_jobs(flask_app: Flask) -> None:
    for runner in flask_app.extensions["dangan_jobs"].values():
        runner.stop()


def serve(flask_app: Flask, *, host: str, port: int, threads: int = 8,
          ready: Callable[[Any], None] | None = None) -> None:
    """Serve with waitress until SIGTERM or Ctrl-C; the running jobs finish first."""
    from waitress.server import create_server

    server = create_server(flask_app, host=host, port=port, threads=threads, ident="dangan",
                           clear_untrusted_proxy_headers=True)
    if ready is not None:
        ready(server)

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.close, daemon=True).start()
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.close()
        stop_jobs(flask_app)
