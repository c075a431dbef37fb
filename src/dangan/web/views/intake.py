"""Intake: scans uploaded through the same pipeline as the watched folders, and each watched folder's status.

An upload is accepted once its bytes are saved in the workspace's state folder
(``.dangan/web-uploads/<id>/``, with who sent it); a background job then puts
it through ``app.ingest`` (QR, OCR, rules, quarantine), which removes it after
the catalogue commit.  Uploads left there by a stopped server are taken again
at the next start.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from dangan.app import Actor, Permission
from dangan.web.security import needs

bp = Blueprint("intake", __name__)

UPLOADS = "web-uploads"
SIDECAR = ".upload.json"
STATUS_NAMES = {"filed": "已归档", "signed": "签字件已归到原档案", "duplicate": "重复（已归档过）",
                "quarantined": "已进入隔离区", "changed": "稍后再处理", "gone": "文件已不存在", "error": "出错"}


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    while len(base.encode("utf-8")) > 180:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:-1] + dot + ext) if dot and stem else base[:-1]
    return base or "upload"


def _uploads_dir() -> Path:
    return Path(current_app.extensions["dangan"].ws.state_dir) / UPLOADS


def _submit(flask_app: Any, path: Path, actor: Actor, category: str) -> Any:
    dangan = flask_app.extensions["dangan"]
    runner = flask_app.extensions["dangan_jobs"]["upload"]

    def work(progress: Any) -> Any:
        outcome = dangan.acting_as(actor).ingest(path, category=category)
        (path.parent / SIDECAR).unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass  # the pipeline left the file (changed while read): taken at the next start
        return outcome

    return runner.submit("upload", path.name, actor.name, work)


def accept_upload(storage: Any, actor: Actor, *, category: str = "auto") -> Any:
    """Save an uploaded file (durably) and queue it for the intake pipeline; the Job."""
    folder = _uploads_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / _clean_name(storage.filename or "")
    tmp = folder / ".receiving"
    storage.save(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    (folder / SIDECAR).write_text(json.dumps({"actor": actor.to_dict(), "category": category}, ensure_ascii=False),
                                  encoding="utf-8")
    os.replace(tmp, target)
    return _submit(current_app._get_current_object(), target, actor, category)  # type: ignore[attr-defined]


def recover_uploads(flask_app: Any) -> None:
    """Queue the uploads a stopped server accepted but did not finish."""
    root = Path(flask_app.extensions["dangan"].ws.state_dir) / UPLOADS
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        sidecar = folder / SIDECAR
        files = [p for p in folder.iterdir() if p.name not in (SIDECAR, ".receiving")] if folder.is_dir() else []
        if not sidecar.is_file() or not files:
            continue
        info = json.loads(sidecar.read_text(encoding="utf-8"))
        _submit(flask_app, files[0], Actor.from_dict(info["actor"]), info.get("category", "auto"))


def job_dict(job: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"job": job.id, "file": job.label, "state": job.state, "accepted": True,
                           "status_url": url_for("api.upload_status", job_id=job.id)}
    outcome = job.result
    if outcome is not None:
        out.update(status=str(outcome.status), status_label=STATUS_NAMES.get(str(outcome.status), ""),
                   archival_code=outcome.code, how=outcome.how, message=outcome.message, warnings=outcome.warnings,
                   record_url=url_for("records.show", code=outcome.code) if outcome.code else None)
    if job.error:
        out["error"] = job.error
    return out


@bp.route("/intake", methods=["GET", "POST"])
@needs(Permission.UPLOAD)
def upload_page() -> Any:
    runner = current_app.extensions["dangan_jobs"]["upload"]
    if request.method == "POST":
        files = [f for f in request.files.getlist("file") if f and f.filename]
        if not files:
            flash("请选择要上传的扫描件", "error")
        for f in files:
            accept_upload(f, g.identity.actor, category=request.form.get("category") or "auto")
        if files:
            flash(f"已接收 {len(files)} 个文件，正在处理", "ok")
        return redirect(url_for("intake.upload_page"))
    mine = runner.jobs(owner=None if g.identity.may(Permission.ARCHIVE) else g.identity.name)[:30]
    template = "_upload_jobs.html" if request.headers.get("HX-Request") else "intake.html"
    return render_template(template, jobs=mine, names=STATUS_NAMES, categories=g.app.categories().categories)


@bp.route("/intake/folders")
@needs(Permission.UPLOAD)
def folders() -> Any:
    quarantined = g.app.quarantine.entries() if g.identity.may(Permission.ARCHIVE) else []
    rows = []
    for entry in g.app.watch_entries():
        folder = Path(entry.folder)
        waiting = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) \
            if folder.is_dir() else []
        processed = folder / "processed"
        last = max((p for p in processed.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime, default=None) \
            if processed.is_dir() else None
        errors = [q for q in quarantined if q.origin.startswith(str(folder))]
        rows.append({"folder": str(folder), "exists": folder.is_dir(), "category": entry.category,
                     "polling": entry.polling, "on_success": str(entry.on_success), "waiting": waiting,
                     "last": last.name if last else None,
                     "last_time": last.stat().st_mtime if last else None, "errors": errors})
    return render_template("folders.html", rows=rows)
