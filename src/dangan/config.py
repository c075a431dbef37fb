"""Workspace discovery and ``dangan.toml``: settings as data.

Each section (``[company]`` …) and each table (``[[category]]``, ``[[watch]]``,
``[[rule]]``) is a typed dataclass whose fields state the type, the default
(once) and the help text.  From them come :data:`SETTINGS` and :data:`TABLES`,
which drive loading, validation, the commented ``dangan.toml`` written by
``dangan init`` and the documentation test; :attr:`Config.settings` is the
typed result.  A new section (``[database]``, ``[web]``) is a dataclass added
to :data:`SECTION_TYPES`.

Unknown keys, wrong types and missing required settings fail at load time and
name the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from dangan.errors import ConfigError, WorkspaceError

CONFIG_NAME = "dangan.toml"
ENV_WORKSPACE = "DANGAN_WORKSPACE"


def setting(default: Any = None, *, help: str, required: bool = False) -> Any:
    """A field of a settings section or table: its default, stated here once, and its help text."""
    meta = {"help": help, "required": required}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


# -- the sections of dangan.toml ([company] …) and its tables ([[watch]] …), as typed objects ---------------


@dataclass(frozen=True)
class CompanySettings:
    name: str = setting("", help="物业公司名称（页眉）", required=True)
    centre: str = setting("客服中心", help="客服中心名称")
    address: str = setting("", help="客服中心地址")
    phone: str = setting("", help="客服中心电话")
    fonds_code: str = setting("", help="全宗号，档号的第一段，如 Z001", required=True)


@dataclass(frozen=True)
class FeesSettings:
    late_fee_rate: float = setting(0.0003, help="滞纳金日费率，如 0.0003 表示每日万分之三")
    payment_days: int = setting(15, help="缴费通知的缴费期限（天）")
    deadline_days: int = setting(7, help="限期缴费通知的宽限天数")


@dataclass(frozen=True)
class PathsSettings:
    archive: str = setting("archive", help="档案库目录（相对工作区）；使用数据库时可写各节点共同挂载的共享目录的绝对路径")
    index: str = setting("index", help="全文索引目录（相对工作区）")
    templates: str = setting("templates", help="本地模板目录，同名表单覆盖内置模板")
    output: str = setting("output", help="生成文件的默认输出目录")
    quarantine: str = setting("quarantine", help="无法处理的扫描件隔离目录")


@dataclass(frozen=True)
class SearchSettings:
    user_dict: str = setting("", help="追加的分词词典文件（每行一词），相对工作区")


@dataclass(frozen=True)
class IngestSettings:
    stability_seconds: float = setting(5.0, help="文件大小和修改时间保持不变多少秒后才处理")
    rescan_minutes: float = setting(5.0, help="定期全量扫描监视目录的间隔（分钟）")
    max_file_mb: float = setting(200.0, help="超过此大小（MB）的文件进入隔离区")
    max_pages: int = setting(200, help="PDF 或多页图片（TIFF）超过此页数时进入隔离区，不做渲染和解码")
    max_megapixels: float = setting(100.0, help="一页图像（PDF 页按 200 dpi 计，或图片的一帧）超过此百万像素数时进入隔离区，不解码")
    ocr: bool = setting(True, help="是否对无文字层的扫描件做 OCR（需安装 dangan[ocr]）")


@dataclass(frozen=True)
class OutputsSettings:
    renditions: str = setting("demand", help="何时制作加盖归档章的归档副本：demand 按需（dangan archive stamp、移交时）或 filing 归档时")
    receiving_unit: str = setting("", help="移交与接收登记表上的接收单位（如 集团档案室），可在移交时用 --receiver 指定")


@dataclass(frozen=True)
class LedgerSettings:
    area: str = setting("", help="片区名称：关账的登记表和统计报表的“片区”栏（空：用客服中心名称）")
    staff: str = setting("", help="报表的编制人/统计人、催缴和限期缴费通知书的片区管理员（空：用当前用户名）")


@dataclass(frozen=True)
class CategoryTable:
    code: str = setting(None, help="问题代码（档号第四段），如 TS", required=True)
    name: str = setting(None, help="类别名称，如 投诉处理", required=True)
    period: str | int = setting(None, help="保管期限：Y、D30、D10 或年数", required=True)
    contents: str = setting("", help="归档范围说明")


@dataclass(frozen=True)
class WatchTable:
    path: str = setting(None, help="监视目录，绝对路径或相对工作区", required=True)
    category: str = setting("auto", help="类别代码，或 auto 按二维码/规则自动分类")
    recursive: bool = setting(False, help="是否包含子目录")
    polling: bool = setting(False, help="网络共享（SMB/NFS）请开启轮询")
    include: list[str] = setting([], help="只处理匹配的文件名模式，如 *.pdf")
    ignore: list[str] = setting([], help="额外忽略的文件名模式")
    on_success: str = setting("delete", help="处理成功后源文件：delete 删除 或 move 移到 processed/")
    meta: dict[str, Any] = setting({}, help="默认元数据，如 {building = \"3\"}")


@dataclass(frozen=True)
class RuleTable:
    category: str = setting(None, help="命中后归入的类别代码", required=True)
    keywords: list[str] = setting([], help="任一关键词出现即命中")
    regex: str = setting("", help="正则表达式（不要用 \\b，中文无词边界）")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting("", help="公司共用的 PostgreSQL 数据库地址，如 postgresql://dangan@db.example/dangan；"
                                "留空则使用本机的 SQLite 和 Whoosh。地址中不要写密码")
    password_file: str = setting("", help="数据库密码文件（.pgpass 格式，权限 600），相对工作区或绝对路径；"
                                          "也可用环境变量 PGPASSWORD 或 ~/.pgpass")
    pool_size: int = setting(4, help="每个进程到数据库的最多连接数")


@dataclass(frozen=True)
class AuditSettings:
    key_file: str = setting("", help="审计锚点的 HMAC 密钥文件（由管理员另外保管，不要放在工作区或档案库里）；留空则锚点不签名")


#: ``[section]`` → its dataclass.  A new section (``[database]``, ``[web]``) is one more entry here.
SECTION_TYPES: dict[str, type] = {
    "company": CompanySettings, "fees": FeesSettings, "paths": PathsSettings, "search": SearchSettings,
    "ingest": IngestSettings, "database": DatabaseSettings, "outputs": OutputsSettings, "ledger": LedgerSettings,
    "audit": AuditSettings,
}
#: ``[[table]]`` → the dataclass of one entry.
TABLE_TYPES: dict[str, type] = {"category": CategoryTable, "watch": WatchTable, "rule": RuleTable}


@dataclass(frozen=True)
class Settings:
    """dangan.toml, typed: one object per section, a tuple of entries per table."""

    company: CompanySettings
    fees: FeesSettings
    paths: PathsSettings
    search: SearchSettings
    ingest: IngestSettings
    database: DatabaseSettings
    outputs: OutputsSettings
    ledger: LedgerSettings
    audit: AuditSettings
    categories: tuple[CategoryTable, ...] = ()
    watch: tuple[WatchTable, ...] = ()
    rules: tuple[RuleTable, ...] = ()


#: The annotations a settings field may have, and the TOML value types each accepts.  (Read from the
#: annotation text: evaluating annotations with typing.get_type_hints cost every command ~20 ms at start-up.)
_RUNTIME_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (float,), "bool": (bool,), "str | int": (str, int),
    "list[str]": (list,), "dict[str, Any]": (dict,),
}


def _field_specs(cls: type) -> list[tuple[str, tuple[type, ...], Any, str, bool]]:
    """(key, runtime types, default, help, required) of each field of a section or table type."""
    out = []
    for f in fields(cls):
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc, operator]
        out.append((f.name, _RUNTIME_TYPES[str(f.type)], default, f.metadata["help"], f.metadata["required"]))
    return out


@dataclass(frozen=True)
class Setting:
    """One scalar setting, ``section.key`` in dangan.toml (derived from the section types)."""

    name: str
    type: type | tuple[type, ...]
    default: Any
    help: str
    required: bool = False


@dataclass(frozen=True)
class TableField:
    key: str
    type: type | tuple[type, ...]
    default: Any
    help: str
    required: bool = False


def _one(t: tuple[type, ...]) -> type | tuple[type, ...]:
    return t[0] if len(t) == 1 else t


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f"{sec}.{key}", _one(t), default, help_, required)
    for sec, cls in SECTION_TYPES.items() for key, t, default, help_, required in _field_specs(cls)
)

TABLES: dict[str, tuple[TableField, ...]] = {
    name: tuple(TableField(key, _one(t), None if required else default, help_, required)
                for key, t, default, help_, required in _field_specs(cls))
    for name, cls in TABLE_TYPES.items()
}

SECTIONS = sorted(SECTION_TYPES)


@dataclass(frozen=True)
class Config:
    """Validated settings: :attr:`settings` typed; ``values`` maps ``section.key`` to a value (the flat
    view that forms' derive rules name, ``setting:fees.late_fee_rate``), ``tables`` the entries as dicts."""

    values: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        def section(name: str, cls: type) -> Any:
            return cls(**{k: v for k, v in self.values.items() if k.split(".", 1)[0] == name
                          for k in [k.split(".", 1)[1]]})

        def table(name: str) -> tuple[Any, ...]:
            return tuple(TABLE_TYPES[name](**entry) for entry in self.tables.get(name, []))

        return Settings(**{name: section(name, cls) for name, cls in SECTION_TYPES.items()},
                        categories=table("category"), watch=table("watch"), rules=table("rule"))

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


#: The ``[paths]`` settings, each with what it holds in words.  None may be the workspace root, equal
#: another, lie inside another or inside dangan's state folder (``.dangan/``).
PATH_KEYS: tuple[tuple[str, str], ...] = (
    ("paths.archive", "档案库"), ("paths.index", "全文索引"), ("paths.templates", "模板"),
    ("paths.output", "输出"), ("paths.quarantine", "隔离区"),
)
STATE_NAME = ".dangan"


@dataclass(frozen=True)
class Area:
    """One folder of the workspace's own data: the setting that names it, what it is, where it is."""

    key: str
    label: str
    path: Path  # resolved

    def holds(self, path: Path) -> bool:
        """``path`` (resolved) is this folder or lies inside it."""
        return path == self.path or self.path in path.parents


def layout_problem(root: Path, paths: dict[str, Path]) -> tuple[str, str] | None:
    """(key, message) of the first ``[paths]`` entry that overlaps the workspace's own data, or None (pure).

    ``paths`` maps each key of :data:`PATH_KEYS` to its resolved folder; ``root`` is resolved.
    """
    labels = dict(PATH_KEYS)
    state = root / STATE_NAME
    config = root / CONFIG_NAME
    keys = [k for k, _ in PATH_KEYS]
    for key in keys:
        path, label = paths[key], labels[key]
        if path == root:
            return key, f"{label}目录「{key}」不能是工作区根目录 {root}（请用子目录，如 {key.split('.')[1]}）"
        if path == config:
            return key, f"{label}目录「{key}」不能是配置文件 {CONFIG_NAME}"
        if path == state or state in path.parents or path in state.parents:
            return key, f"{label}目录「{key}」不能与 dangan 内部目录 {state} 重叠"
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            pa, pb = paths[a], paths[b]
            if pa == pb:
                return b, f"「{b}」与「{a}」是同一个目录 {pa}：{labels[b]}和{labels[a]}必须分开"
            if pa in pb.parents:
                return b, f"{labels[b]}目录「{b}」({pb}) 在{labels[a]}目录「{a}」({pa}) 里面：两者必须分开"
            if pb in pa.parents:
                return a, f"{labels[a]}目录「{a}」({pa}) 在{labels[b]}目录「{b}」({pb}) 里面：两者必须分开"
    return None


@dataclass(frozen=True)
class Workspace:
    """A workspace folder: dangan.toml plus archive/, index/, templates/.

    Made only with a layout that keeps its data apart: a ``[paths]`` entry that is the root, another
    entry, or nests in one is refused here, naming the key (:func:`layout_problem`).
    """

    root: Path
    config: Config

    def __post_init__(self) -> None:
        root = self.root.resolve()
        paths: dict[str, Path] = {}
        for key, _ in PATH_KEYS:
            try:
                paths[key] = self._area_path(key).resolve()
            except WorkspaceError as e:
                raise ConfigError(e.message, path=root / CONFIG_NAME, field=key) from e
        problem = layout_problem(root, paths)
        if problem is not None:
            raise ConfigError(problem[1], path=root / CONFIG_NAME, field=problem[0])

    def areas(self) -> list[Area]:
        """The folders of the workspace's own data (archive, index, templates, quarantine, ``.dangan``):
        nothing is watched in them and no output is written into them."""
        out = [Area(key, label, self._area_path(key).resolve()) for key, label in PATH_KEYS if key != "paths.output"]
        out.append(Area(STATE_NAME, "dangan 内部", self.state_dir.resolve()))
        return out

    def _area_path(self, key: str) -> Path:
        return self.archive_dir if key == "paths.archive" else self.path(key)  # the archive may be a shared mount

    def path(self, setting: str) -> Path:
        """Resolve a ``paths.*`` setting against the workspace root."""
        return resolve_inside(self.root, self.config[setting])

    @property
    def archive_dir(self) -> Path:
        """The archive folder; with a database it may be an absolute path: the share every node mounts."""
        value = Path(str(self.config["paths.archive"])).expanduser()
        if value.is_absolute() and self.config.get("database.url"):
            return shared_archive_dir(self.root, value)
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
    def database_url(self) -> str | None:
        """The PostgreSQL catalogue's URL (with ``passfile`` when a password file is set), or None for SQLite."""
        db = self.config.settings.database
        if not db.url:
            return None
        if not db.password_file:
            return str(db.url)
        from urllib.parse import urlencode

        passfile = resolve_file(self.root, db.password_file)
        return f"{db.url}{'&' if '?' in db.url else '?'}{urlencode({'passfile': str(passfile)})}"

    @property
    def state_dir(self) -> Path:
        """Small private state (document-number sequences, locks)."""
        return self.root / STATE_NAME

    def output_target(self, path: Path | str) -> Path:
        """A user-chosen output path, refused if it is the workspace's dangan.toml or lies in the archive,
        the index, dangan's state, the templates or the quarantine (:meth:`areas`).

        Nothing a clerk asks for may overwrite an archived file, the catalogue or the configuration.
        (Whether an existing file may be replaced is :func:`dangan.outfiles.output_file`'s rule.)
        """
        target = Path(path).expanduser().resolve()
        if target == (self.root / CONFIG_NAME).resolve():
            raise WorkspaceError(f"输出位置 {target} 是工作区的配置文件，已拒绝；请换一个文件名", path=target)
        for area in self.areas():
            if area.holds(target):
                raise WorkspaceError(f"输出位置 {target} 在{area.label}目录 {area.path} 里面，为保护档案已拒绝；请换一个目录",
                                     path=target)
        return target

    def watch_problem(self, folder: Path, *, recursive: bool) -> str | None:
        """Why ``folder`` may not be a watched folder, or None.

        A watched folder's files are filed and then deleted or moved: it must not be the workspace root,
        nor lie in (or be) the archive, the index, the templates, the quarantine, the output folder or
        ``.dangan/``, nor contain one of them when it is watched with its subfolders.
        """
        folder = folder.resolve()
        root = self.root.resolve()
        if folder == root:
            return f"监视目录 {folder} 是工作区根目录（其中有 {CONFIG_NAME} 和档案库），不能监视；请用单独的投递目录"
        output = Area("paths.output", "输出", self.output_dir)
        for area in [*self.areas(), output]:
            if area.holds(folder):
                return f"监视目录 {folder} 在{area.label}目录 {area.path} 里面：其中的文件会被当作扫描件归档后删除，已拒绝"
            if recursive and folder in area.path.parents:
                return (f"监视目录 {folder} 包含{area.label}目录 {area.path}，又设了 recursive = true："
                        "其中的文件会被当作扫描件归档后删除，已拒绝")
        return None


def resolve_inside(root: Path, rel: str | Path) -> Path:
    """``root / rel`` resolved, refusing anything that leaves ``root``."""
    root = root.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise WorkspaceError(f"路径 {rel} 超出了工作区 {root}，已拒绝")
    return target


def shared_archive_dir(root: Path, folder: Path) -> Path:
    """An absolute archive folder (the nodes' shared mount), refused where it would hold or be held by the workspace."""
    target = folder.resolve()
    root = root.resolve()
    if target == root or target in root.parents or target == Path(target.anchor):
        raise WorkspaceError(f"档案库目录 {target} 与工作区 {root} 重叠（一个包含另一个），已拒绝；"
                             "共享档案库请挂载到工作区以外的单独目录", path=target)
    return target


def resolve_file(root: Path, name: str | Path) -> Path:
    """A file the administrator names in dangan.toml: absolute, or relative to the workspace."""
    path = Path(name).expanduser()
    return path if path.is_absolute() else (root / path).resolve()


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
    if values["database.url"]:
        check_database_url(values["database.url"], where=where, field="database.url")
    return Config(values=values, tables=tables)


# -- the database URL: PostgreSQL only, never with a password in it --------------------------------------

DATABASE_SCHEMES = ("postgresql", "postgres")


def mask_password(text: str) -> str:
    """``text`` with the password of any database URL in it replaced by ``***`` (for every message shown)."""
    import re

    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def check_database_url(url: str, *, where: str = "", field: str = "database.url") -> str:
    """A ``postgresql://`` URL without a password (the password comes from PGPASSWORD or a .pgpass file)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError as e:
        raise ConfigError(f"数据库地址「{mask_password(url)}」格式不对：{e}", path=where or None, field=field) from e
    if parts.scheme not in DATABASE_SCHEMES:
        raise ConfigError(f"数据库地址「{mask_password(url)}」应以 postgresql:// 开头", path=where or None,
                          field=field)
    if password is not None:
        raise ConfigError(f"数据库地址「{mask_password(url)}」中不能写密码：配置文件人人可读。请把密码放在环境变量 "
                          "PGPASSWORD，或 [database] password_file 指定的 .pgpass 格式文件中",
                          path=where or None, field=field)
    return url


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
    """Read dangan.toml: UTF-8, with or without the byte-order mark Windows Notepad writes."""
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError as e:
        raise ConfigError("找不到配置文件", path=path) from e
    except UnicodeDecodeError as e:
        hint = "（看起来是 GBK/GB18030 编码）" if _is_gb18030(path) else ""
        raise ConfigError(f"配置文件不是 UTF-8 编码{hint}：请用记事本“另存为”，编码选 UTF-8 后保存", path=path,
                          detail=f"第 {e.start} 字节：{e.reason}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"配置文件格式错误：{e}", path=path) from e
    return parse_config(raw, where=str(path))


def _is_gb18030(path: Path) -> bool:
    try:
        path.read_bytes().decode("gb18030")
    except (OSError, UnicodeDecodeError):
        return False
    return True


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


def default_toml(*, company: str = "示例物业服务有限公司", fonds_code: str = "Z001", database_url: str = "") -> str:
    """The commented dangan.toml written by ``dangan init``, made from SETTINGS."""
    lines = ["# dangan 工作区配置。每一项的说明见注释；未知的键会被拒绝。", ""]
    overrides = {
        "company.name": company,
        "company.centre": "示例花园客服中心",
        "company.address": "示例市示例区幸福路 88 号",
        "company.phone": "0755-12345678",
        "company.fonds_code": fonds_code,
        "database.url": database_url,
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


def set_database_url(root: Path, url: str) -> None:
    """Point the workspace at ``url``: ``[database] url`` rewritten in dangan.toml (comments kept), atomically."""
    import re

    check_database_url(url)
    cfg = root / CONFIG_NAME
    text = cfg.read_text(encoding="utf-8")
    line = f"url = {_toml_value(url)}"
    section = re.search(r"(?ms)^\[database\]\s*$(.*?)(?=^\[|\Z)", text)
    if section is None:
        text = text.rstrip("\n") + f"\n\n[database]\n{line}\n"
    elif re.search(r"(?m)^url\s*=.*$", section.group(1)):
        body = re.sub(r"(?m)^url\s*=.*$", lambda _: line, section.group(1), count=1)
        text = text[:section.start(1)] + body + text[section.end(1):]
    else:
        text = text[:section.end(0)] + ("" if section.group(0).endswith("\n") else "\n") + line + "\n" + text[section.end(0):]
    parse_config(tomllib.loads(text), where=str(cfg))  # never write a file that does not load
    tmp = cfg.with_name(cfg.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, cfg)


def init_workspace(root: Path, *, database: str | None = None) -> Workspace:
    """Create a workspace (idempotent: an existing dangan.toml is kept).

    ``database``: the PostgreSQL URL written as ``[database] url`` (checked first: no password in it).
    """
    if database:
        check_database_url(database, field="--database")
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(default_toml(database_url=database or ""), encoding="utf-8")
    ws = Workspace(root=root.resolve(), config=load_config(cfg))
    if database and ws.config.settings.database.url != database:
        raise WorkspaceError(f"{cfg} 已存在，其中的数据库地址是「{mask_password(ws.config.settings.database.url) or '（未设置）'}」；"
                             "请直接修改其中的 [database] url", path=cfg)
    for d in (ws.templates_dir, ws.archive_dir, ws.index_dir, ws.state_dir):
        d.mkdir(parents=True, exist_ok=True)
    return ws
