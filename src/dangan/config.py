"""Workspace discovery and ``dangan.toml``: settings as data.

One table (:data:`SETTINGS`) of (name, type, default, help) drives loading,
validation, the commented ``dangan.toml`` written by ``dangan init`` and the
documentation test.  Array sections (``[[category]]``, ``[[watch]]``,
``[[rule]]``) each have their own field table (:data:`TABLES`).

Unknown keys, wrong types and missing required settings fail at load time and
name the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.errors import ConfigError, WorkspaceError

CONFIG_NAME = "dangan.toml"
ENV_WORKSPACE = "DANGAN_WORKSPACE"


@dataclass(frozen=True)
class Setting:
    """One scalar setting, ``section.key`` in dangan.toml."""

    name: str
    type: type
    default: Any
    help: str
    required: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("company.name", str, None, "物业公司名称（页眉）", required=True),
    Setting("company.centre", str, "客服中心", "客服中心名称"),
    Setting("company.address", str, "", "客服中心地址"),
    Setting("company.phone", str, "", "客服中心电话"),
    Setting("company.fonds_code", str, None, "全宗号，档号的第一段，如 Z001", required=True),
    Setting("fees.late_fee_rate", float, 0.0003, "滞纳金日费率，如 0.0003 表示每日万分之三"),
    Setting("fees.payment_days", int, 15, "缴费通知的缴费期限（天）"),
    Setting("fees.deadline_days", int, 7, "限期缴费通知的宽限天数"),
    Setting("paths.archive", str, "archive", "档案库目录（相对工作区）"),
    Setting("paths.index", str, "index", "全文索引目录（相对工作区）"),
    Setting("paths.templates", str, "templates", "本地模板目录，同名表单覆盖内置模板"),
    Setting("paths.output", str, "output", "生成文件的默认输出目录"),
    Setting("paths.quarantine", str, "quarantine", "无法处理的扫描件隔离目录"),
    Setting("search.user_dict", str, "", "追加的分词词典文件（每行一词），相对工作区"),
    Setting("ingest.stability_seconds", float, 5.0, "文件大小和修改时间保持不变多少秒后才处理"),
    Setting("ingest.rescan_minutes", float, 5.0, "定期全量扫描监视目录的间隔（分钟）"),
    Setting("ingest.max_file_mb", float, 200.0, "超过此大小（MB）的文件进入隔离区"),
    Setting("ingest.ocr", bool, True, "是否对无文字层的扫描件做 OCR（需安装 dangan[ocr]）"),
)


@dataclass(frozen=True)
class TableField:
    key: str
    type: type | tuple[type, ...]
    default: Any
    help: str
    required: bool = False


# Array-of-table sections.  Values of list type hold strings.
TABLES: dict[str, tuple[TableField, ...]] = {
    "category": (
        TableField("code", str, None, "问题代码（档号第四段），如 TS", required=True),
        TableField("name", str, None, "类别名称，如 投诉处理", required=True),
        TableField("period", (str, int), None, "保管期限：Y、D30、D10 或年数", required=True),
        TableField("contents", str, "", "归档范围说明"),
    ),
    "watch": (
        TableField("path", str, None, "监视目录，绝对路径或相对工作区", required=True),
        TableField("category", str, "auto", "类别代码，或 auto 按二维码/规则自动分类"),
        TableField("recursive", bool, False, "是否包含子目录"),
        TableField("polling", bool, False, "网络共享（SMB/NFS）请开启轮询"),
        TableField("include", list, [], "只处理匹配的文件名模式，如 *.pdf"),
        TableField("ignore", list, [], "额外忽略的文件名模式"),
        TableField("on_success", str, "delete", "处理成功后源文件：delete 删除 或 move 移到 processed/"),
        TableField("meta", dict, {}, "默认元数据，如 {building = \"3\"}"),
    ),
    "rule": (
        TableField("category", str, None, "命中后归入的类别代码", required=True),
        TableField("keywords", list, [], "任一关键词出现即命中"),
        TableField("regex", str, "", "正则表达式（不要用 \\b，中文无词边界）"),
    ),
}

SECTIONS = sorted({s.name.split(".")[0] for s in SETTINGS})


@dataclass(frozen=True)
class Config:
    """Validated settings.  ``values`` maps ``section.key`` to a value."""

    values: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass(frozen=True)
class Workspace:
    """A workspace folder: dangan.toml plus archive/, index/, templates/."""

    root: Path
    config: Config

    def path(self, setting: str) -> Path:
        """Resolve a ``paths.*`` setting against the workspace root."""
        return resolve_inside(self.root, self.config[setting])

    @property
    def archive_dir(self) -> Path:
        return self.path("paths.archive")

    @property
    def index_dir(self) -> Path:
        return self.path("paths.index")

    @property
    def templates_dir(self) -> Path:
        return self.path("paths.templates")

    @property
    def output_dir(self) -> Path:
        return self.path("paths.output")

    @property
    def quarantine_dir(self) -> Path:
        return self.path("paths.quarantine")

    @property
    def state_dir(self) -> Path:
        """Small private state (document-number sequences, locks)."""
        return self.root / ".dangan"

    def output_target(self, path: Path | str) -> Path:
        """A user-chosen output path, refused if it lies in the archive, the index or dangan's state.

        Nothing a clerk asks for may overwrite an archived file or the catalogue.
        """
        target = Path(path).expanduser().resolve()
        for managed, what in ((self.archive_dir, "档案库"), (self.index_dir, "全文索引"), (self.state_dir, "dangan 内部")):
            managed = managed.resolve()
            if target == managed or managed in target.parents:
                raise WorkspaceError(f"输出位置 {target} 在{what}目录 {managed} 里面，为保护档案已拒绝；请换一个目录", path=target)
        return target


def resolve_inside(root: Path, rel: str | Path) -> Path:
    """``root / rel`` resolved, refusing anything that leaves ``root``."""
    root = root.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise WorkspaceError(f"路径 {rel} 超出了工作区 {root}，已拒绝")
    return target


def _check_type(value: Any, expected: type | tuple[type, ...], key: str, where: str) -> Any:
    types = expected if isinstance(expected, tuple) else (expected,)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = "或".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        raise ConfigError(
            f"设置项「{key}」应为{names}，实际为 {value!r}", path=where, field=key
        )
    return value


_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "true/false", list: "列表", dict: "表"}


def parse_config(raw: dict[str, Any], *, where: str = CONFIG_NAME) -> Config:
    """Validate a parsed TOML document into a :class:`Config` (pure)."""
    by_section: dict[str, dict[str, Setting]] = {}
    for s in SETTINGS:
        sec, key = s.name.split(".", 1)
        by_section.setdefault(sec, {})[key] = s
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for sec, content in raw.items():
        if sec in TABLES:
            tables[sec] = _parse_tables(sec, content, where)
            continue
        if sec not in by_section:
            raise ConfigError(f"未知的设置节「{sec}」", path=where, field=sec)
        if not isinstance(content, dict):
            raise ConfigError(f"「{sec}」应为一个 [{sec}] 节", path=where, field=sec)
        for key, value in content.items():
            name = f"{sec}.{key}"
            setting = by_section[sec].get(key)
            if setting is None:
                raise ConfigError(f"未知的设置项「{name}」", path=where, field=name)
            values[name] = _check_type(value, setting.type, name, where)
    for s in SETTINGS:
        if s.required and values[s.name] in (None, ""):
            raise ConfigError(f"缺少必填设置项「{s.name}」（{s.help}）", path=where, field=s.name)
    return Config(values=values, tables=tables)


def _parse_tables(sec: str, content: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise ConfigError(f"「{sec}」应写成 [[{sec}]] 表数组", path=where, field=sec)
    spec = {f.key: f for f in TABLES[sec]}
    out = []
    for i, entry in enumerate(content, start=1):
        item: dict[str, Any] = {}
        for key, value in entry.items():
            name = f"{sec}[{i}].{key}"
            f = spec.get(key)
            if f is None:
                raise ConfigError(f"未知的设置项「{name}」", path=where, field=name)
            item[key] = _check_type(value, f.type, name, where)
        for f in TABLES[sec]:
            if f.key not in item:
                if f.required:
                    name = f"{sec}[{i}].{f.key}"
                    raise ConfigError(f"缺少必填设置项「{name}」（{f.help}）", path=where, field=name)
                item[f.key] = f.default.copy() if isinstance(f.default, (list, dict)) else f.default
        out.append(item)
    return out


def load_config(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError("找不到配置文件", path=path) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"配置文件格式错误：{e}", path=path) from e
    return parse_config(raw, where=str(path))


def find_workspace(explicit: Path | str | None = None, *, cwd: Path | None = None) -> Path:
    """--workspace, then $DANGAN_WORKSPACE, then cwd and its parents."""
    if explicit:
        root = Path(explicit)
        if not (root / CONFIG_NAME).is_file():
            raise WorkspaceError(f"{root} 不是 dangan 工作区（没有 {CONFIG_NAME}），可先运行 dangan init {root}")
        return root.resolve()
    env = os.environ.get(ENV_WORKSPACE)
    if env:
        return find_workspace(env)
    here = (cwd or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise WorkspaceError(
        f"当前目录 {here} 及其上级都不是 dangan 工作区；请用 -w 指定，或先运行 dangan init DIR"
    )


def open_workspace(explicit: Path | str | None = None) -> Workspace:
    root = find_workspace(explicit)
    return Workspace(root=root, config=load_config(root / CONFIG_NAME))


def default_toml(*, company: str = "示例物业服务有限公司", fonds_code: str = "Z001") -> str:
    """The commented dangan.toml written by ``dangan init``, made from SETTINGS."""
    lines = ["# dangan 工作区配置。每一项的说明见注释；未知的键会被拒绝。", ""]
    overrides = {
        "company.name": company,
        "company.centre": "示例花园客服中心",
        "company.address": "示例市示例区幸福路 88 号",
        "company.phone": "0755-12345678",
        "company.fonds_code": fonds_code,
    }
    section = None
    for s in SETTINGS:
        sec, key = s.name.split(".", 1)
        if sec != section:
            lines += ["", f"[{sec}]"]
            section = sec
        value = overrides.get(s.name, s.default)
        lines.append(f"# {s.help}")
        lines.append(f"{key} = {_toml_value(value)}")
    lines += [
        "",
        "# 归档类别（文件计划）。写 [[category]] 可覆盖同代码的默认类别或新增类别，例如：",
        "# [[category]]",
        '# code = "TS"',
        '# name = "投诉处理"',
        '# period = "D30"   # 可以延长，低于国家最低期限会给出警告',
        "",
        "# 监视目录（扫描仪投递文件夹），例如：",
        "# [[watch]]",
        '# path = "inbox"',
        '# category = "auto"',
        "",
        "# 内容分类规则，先命中者优先，例如：",
        "# [[rule]]",
        '# category = "SF"',
        '# keywords = ["缴费通知", "物业管理费"]',
        "",
    ]
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_workspace(root: Path) -> Workspace:
    """Create a workspace (idempotent: an existing dangan.toml is kept)."""
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(default_toml(), encoding="utf-8")
    ws = Workspace(root=root.resolve(), config=load_config(cfg))
    for d in (ws.templates_dir, ws.archive_dir, ws.index_dir, ws.state_dir):
        d.mkdir(parents=True, exist_ok=True)
    return ws
