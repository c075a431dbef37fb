"""The form catalogue: definitions from ``templates/<id>/form.yaml``.

Built-in forms ship in the package (``dangan/builtin_templates`` in a wheel,
the repository's ``templates/`` in a checkout); a workspace folder
``templates/<id>/`` of the same id overrides the built-in one.  Each
definition, and its sample data, is validated at load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

import dangan
from dangan.config import Workspace
from dangan.errors import FormError
from dangan.forms.checks import Check, CheckSyntaxError, parse_check
from dangan.forms.derive import FUNCTIONS, Derivation
from dangan.forms.fields import MASKS, TYPES, FieldDef

KINDS = ("notice", "register", "report")
PAPERS = ("A4", "A5", "A4-landscape")
KIND_NAMES = {"notice": "通知", "register": "登记表", "report": "报表"}
DEFINITION = "form.yaml"
HTML_TEMPLATE = "template.html"
DOCX_TEMPLATE = "template.docx"

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
_TOP_KEYS = {
    "id", "title", "aliases", "kind", "category", "prefix", "paper", "rule", "description", "title_field",
    "date_field", "unit_field", "owner_field", "building_field", "room_field", "fields", "derive", "checks",
    "sample",
}
_FIELD_KEYS = {
    "id", "label", "type", "required", "help", "max_length", "pattern", "mask", "choices", "min", "max",
    "min_rows", "max_rows", "columns",
}


@dataclass(frozen=True)
class FormDef:
    """One form of the catalogue (validated)."""

    id: str
    title: str
    kind: str
    category: str
    prefix: str
    paper: str
    folder: Path
    fields: tuple[FieldDef, ...]
    derive: tuple[Derivation, ...] = ()
    checks: tuple[Check, ...] = ()
    sample: Mapping[str, Any] = field(default_factory=dict)
    rule: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()  # other names the rules use for the form (业主投诉记录表…)
    title_field: str | None = None
    date_field: str | None = None
    unit_field: str | None = None
    owner_field: str | None = None
    building_field: str | None = None
    room_field: str | None = None
    local: bool = False

    @property
    def html_path(self) -> Path:
        return self.folder / HTML_TEMPLATE

    @property
    def docx_path(self) -> Path:
        return self.folder / DOCX_TEMPLATE

    def field(self, field_id: str) -> FieldDef | None:
        return next((f for f in self.fields if f.id == field_id), None)

    @property
    def table_field(self) -> FieldDef | None:
        """The (first) table field: where a register's batch rows go."""
        return next((f for f in self.fields if f.type == "table"), None)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "category": self.category,
            "prefix": self.prefix, "paper": self.paper, "rule": self.rule, "local": self.local,
            "aliases": list(self.aliases),
        }


def builtin_dir() -> Path:
    """``dangan/builtin_templates`` (wheel) or the repository's ``templates/``."""
    pkg = Path(dangan.__file__).parent
    wheel = pkg / "builtin_templates"
    if wheel.is_dir():
        return wheel
    return pkg.parent.parent / "templates"


def template_dirs(ws: Workspace | None) -> list[Path]:
    """Template search path: the workspace's folder first, then the built-ins."""
    dirs = [builtin_dir()]
    if ws is not None and ws.templates_dir.is_dir() and not _same_dir(ws.templates_dir, dirs[0]):
        dirs.insert(0, ws.templates_dir)
    return dirs


def _same_dir(a: Path, b: Path) -> bool:
    """True when two paths are the same folder (the repository root used as a workspace)."""
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


class _Problem(Exception):
    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def _decimal(value: Any, key: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as e:
        raise _Problem(f"应为数字：{value!r}", key) from e


def _parse_field(raw: Any, key: str, *, in_table: bool = False) -> FieldDef:
    if not isinstance(raw, Mapping):
        raise _Problem("每个字段应写成 {id: ..., label: ..., type: ...}", key)
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise _Problem(f"未知的键：{'、'.join(sorted(map(str, unknown)))}", key)
    fid = raw.get("id")
    if not isinstance(fid, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", fid):
        raise _Problem(f"字段 id 应为小写英文/数字/下划线：{fid!r}", key)
    key = f"{key}({fid})"
    ftype = raw.get("type", "text")
    if ftype not in TYPES or (in_table and ftype == "table"):
        raise _Problem(f"未知的字段类型：{ftype!r}，可用：{'、'.join(TYPES)}", f"{key}.type")
    if not isinstance(raw.get("label"), str) or not raw["label"].strip():
        raise _Problem("缺少中文标签 label", f"{key}.label")
    mask = raw.get("mask")
    if mask is not None and mask not in MASKS:
        raise _Problem(f"mask 应为 phone 或 id：{mask!r}", f"{key}.mask")
    choices = tuple(str(c) for c in raw.get("choices") or ())
    if ftype == "choice" and not choices:
        raise _Problem("choice 字段需要 choices 列表", f"{key}.choices")
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise _Problem(f"pattern 不是有效的正则表达式：{e}", f"{key}.pattern") from e
    columns: tuple[FieldDef, ...] = ()
    if ftype == "table":
        cols = raw.get("columns")
        if not isinstance(cols, list) or not cols:
            raise _Problem("table 字段需要 columns 列表", f"{key}.columns")
        columns = tuple(_parse_field(c, f"{key}.columns[{i}]", in_table=True) for i, c in enumerate(cols))
    return FieldDef(
        id=fid, label=raw["label"].strip(), type=ftype, required=bool(raw.get("required", False)),
        help=str(raw.get("help") or ""), max_length=raw.get("max_length"), pattern=pattern, mask=mask,
        choices=choices, min=_decimal(raw.get("min"), f"{key}.min"), max=_decimal(raw.get("max"), f"{key}.max"),
        min_rows=int(raw.get("min_rows") or 0), max_rows=raw.get("max_rows"), columns=columns,
    )


def _parse_derive(raw: Any, names: set[str], tables: dict[str, set[str]]) -> tuple[Derivation, ...]:
    out = []
    for i, entry in enumerate(raw or []):
        key = f"derive[{i}]"
        if not isinstance(entry, Mapping) or not {"id", "fn"} <= set(entry):
            raise _Problem("每项应写成 {id: ..., fn: ..., args: [...]}", key)
        fn, did, args = entry["fn"], str(entry["id"]), tuple(entry.get("args") or ())
        spec = FUNCTIONS.get(fn)
        if spec is None:
            raise _Problem(f"未知的函数 {fn!r}，可用：{'、'.join(FUNCTIONS)}", f"{key}.fn")
        if not spec.min_args <= len(args) <= spec.max_args:
            raise _Problem(f"{fn} 需要 {spec.min_args}–{spec.max_args} 个参数，实际 {len(args)} 个", f"{key}.args")
        for j, a in enumerate(args):
            literal = spec.literal_from is not None and j >= spec.literal_from
            if isinstance(a, str) and not literal and not a.startswith("setting:"):
                _check_path(a, names, tables, f"{key}.args[{j}]")
        if "." in did:
            table, col = did.split(".", 1)
            if table not in tables:
                raise _Problem(f"{table} 不是表格字段", f"{key}.id")
            tables[table].add(col)
        else:
            names.add(did)
        out.append(Derivation(id=did, fn=fn, args=args))
    return tuple(out)


def _parse_checks(raw: Any, names: set[str], tables: dict[str, set[str]]) -> tuple[Check, ...]:
    if raw is not None and not isinstance(raw, list):
        raise _Problem("checks 应为列表", "checks")
    out = []
    for i, entry in enumerate(raw or []):
        key = f"checks[{i}]"
        try:
            check = parse_check(entry)
        except CheckSyntaxError as e:
            raise _Problem(str(e), key) from e
        for path in check.all_paths:
            _check_path(path, names, tables, key)
        if len({p.split(".", 1)[0] for p in check.all_paths if "." in p}) > 1:
            raise _Problem("一项检查只能涉及一个表格", key)
        out.append(check)
    return tuple(out)


def _check_path(path: str, names: set[str], tables: dict[str, set[str]], key: str) -> None:
    if "." in path:
        table, col = path.split(".", 1)
        if table in tables and col in tables[table]:
            return
    elif path in names:
        return
    raise _Problem(f"引用了未定义的字段 {path!r}", key)


def parse_definition(raw: Any, folder: Path, *, local: bool = False) -> FormDef:
    """Validate a parsed form.yaml (raises FormError naming the key)."""
    form_id = folder.name
    try:
        return _parse_definition(raw, folder, local=local)
    except _Problem as e:
        raise FormError(f"表单定义有误：{e}", form=form_id, path=folder / DEFINITION, field=e.key) from e


def _require(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...] | None = None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Problem("缺少必填项", key)
    if allowed and value not in allowed:
        raise _Problem(f"{value!r} 不可用，应为：{'、'.join(allowed)}", key)
    return value.strip()


def _parse_definition(raw: Any, folder: Path, *, local: bool) -> FormDef:
    if not isinstance(raw, Mapping):
        raise _Problem("form.yaml 应为一个映射（键: 值）", "form.yaml")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise _Problem(f"未知的键：{'、'.join(sorted(map(str, unknown)))}", sorted(map(str, unknown))[0])
    form_id = _require(raw, "id")
    if form_id != folder.name or not _ID.match(form_id):
        raise _Problem(f"id {form_id!r} 应为小写 ASCII 加连字符，并与文件夹名 {folder.name} 相同", "id")
    prefix = _require(raw, "prefix")
    if not _PREFIX.match(prefix):
        raise _Problem(f"文号前缀应为 1–8 个大写字母/数字：{prefix!r}", "prefix")
    if not isinstance(raw.get("fields"), list) or not raw["fields"]:
        raise _Problem("缺少 fields 列表", "fields")
    fields = tuple(_parse_field(f, f"fields[{i}]") for i, f in enumerate(raw["fields"]))
    ids = [f.id for f in fields]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise _Problem(f"字段 id 重复：{'、'.join(sorted(dup))}", "fields")
    names = set(ids)
    tables = {f.id: {c.id for c in f.columns} for f in fields if f.type == "table"}
    derive = _parse_derive(raw.get("derive"), names, tables)
    checks = _parse_checks(raw.get("checks"), names, tables)
    for key in ("title_field", "date_field", "unit_field", "owner_field", "building_field", "room_field"):
        if raw.get(key) is not None and raw[key] not in names:
            raise _Problem(f"引用了未定义的字段 {raw[key]!r}", key)
    sample = raw.get("sample")
    if not isinstance(sample, Mapping) or not sample:
        raise _Problem("缺少 sample 示例数据", "sample")
    return FormDef(
        id=form_id, title=_require(raw, "title"), kind=_require(raw, "kind", KINDS),
        category=_require(raw, "category"), prefix=prefix, paper=str(raw.get("paper") or "A4"),
        folder=folder, fields=fields, derive=derive, checks=checks, sample=dict(sample), rule=str(raw.get("rule") or ""),
        description=str(raw.get("description") or ""), aliases=_aliases(raw.get("aliases")),
        title_field=raw.get("title_field"),
        date_field=raw.get("date_field"), unit_field=raw.get("unit_field"), owner_field=raw.get("owner_field"),
        building_field=raw.get("building_field"), room_field=raw.get("room_field"), local=local,
    )


def _aliases(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
        raise _Problem("aliases 应为名称列表，如 [业主投诉记录表]", "aliases")
    return tuple(a.strip() for a in raw)


def _check_paper(form: FormDef) -> None:
    if form.paper not in PAPERS:
        raise FormError(f"纸张 {form.paper!r} 不可用，应为：{'、'.join(PAPERS)}", form=form.id,
                        path=form.folder / DEFINITION, field="paper")


@lru_cache(maxsize=256)
def _load_cached(path: Path, mtime_ns: int, size: int, local: bool) -> FormDef:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise FormError(f"无法读取表单定义：{e}", form=path.parent.name, path=path) from e
    form = parse_definition(raw, path.parent, local=local)
    _check_paper(form)
    _check_sample(form)
    return form


def _check_sample(form: FormDef) -> None:
    from dangan.forms.validate import validate_data

    try:
        validate_data(form, form.sample)
    except FormError as e:
        raise FormError(f"示例数据 sample 不符合字段定义：{e.message}", form=form.id,
                        path=form.folder / DEFINITION, field=f"sample.{e.field}" if e.field else "sample") from e


def _load_folder(folder: Path, *, local: bool) -> FormDef:
    path = folder / DEFINITION
    st = path.stat()
    return _load_cached(path, st.st_mtime_ns, st.st_size, local)


def _form_folders(ws: Workspace | None) -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    dirs = template_dirs(ws)
    for base in reversed(dirs):
        local = ws is not None and len(dirs) > 1 and base == dirs[0]
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name.startswith(("_", ".")) or not (folder / DEFINITION).is_file():
                continue
            found[folder.name] = (folder, local)
    return found


def list_forms(ws: Workspace | None) -> list[FormDef]:
    """Every form of the catalogue, built-in overridden by local, sorted by id."""
    return [_load_folder(p, local=loc) for _, (p, loc) in sorted(_form_folders(ws).items())]


def form_ids(ws: Workspace | None) -> list[str]:
    return sorted(_form_folders(ws))


def load_form(ws: Workspace | None, form_id: str) -> FormDef:
    """One form by id (or by its Chinese title or another name of it); FormError if unknown."""
    folders = _form_folders(ws)
    if form_id not in folders:
        by_title = [f for f in list_forms(ws) if f.title == form_id or form_id in f.aliases]
        if by_title:
            return by_title[0]
        raise FormError(f"没有这个表单；可用 dangan forms list 查看全部表单（共 {len(folders)} 个）", form=form_id)
    folder, local = folders[form_id]
    return _load_folder(folder, local=local)
