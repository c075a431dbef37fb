"""The file plan (归档范围): categories, their codes and default periods.

The defaults are DOMAIN.md §2.  ``[[category]]`` entries in dangan.toml
replace a default of the same code or add a new category.  A period given as
a number of years becomes ``D<years>`` (see :mod:`dangan.archive.retention`).
The defaults are the national minimums: a configured period below one gives
a warning.  档案销毁清册 (XH) is always permanent.
"""

from __future__ import annotations

from dataclasses import dataclass

from dangan.archive.codes import is_category_code
from dangan.archive.retention import PERMANENT, parse_period, period_label, shorter_than_minimum
from dangan.config import Workspace
from dangan.errors import ArchiveError, ConfigError

DISPOSAL_CATEGORY = "XH"
RECORDS_OFFICE_CATEGORY = "DA"  # the archive's own work: 四性检测报告, 移交与接收登记表, 档案借阅登记表


@dataclass(frozen=True)
class Category:
    """A category of the file plan: its code, name, retention period and what it holds."""

    code: str
    name: str
    period: str
    contents: str = ""
    minimum: str | None = None  # national minimum (the default), None for custom categories


DEFAULT_CATEGORIES: tuple[Category, ...] = tuple(
    Category(code, name, period, contents, minimum=period)
    for code, name, period, contents in (
        ("YH", "业户资料", "Y", "收楼表格、遗留修缮问题记录、住户基本情况、产权与租赁"),
        ("SF", "收费管理", "D30", "缴费通知、催缴通知、收缴统计"),
        ("ZX", "装修管理", "D30", "装修审批及竣工验收表、巡查表、违规整改通知"),
        ("TS", "投诉处理", "D10", "投诉记录/登记表、分析报告"),
        ("XF", "巡访回访", "D10", "巡访、回访记录，调查问卷"),
        ("KZ", "空置房管理", "D10", "登记表、巡查签到与记录"),
        ("ZB", "值班记录", "D10", "前台交接日志、值班记录"),
        ("XJ", "楼宇巡检", "D10", "楼宇巡检记录、标识巡查记录、标识使用清单"),
        ("WX", "公共区域维修", "D30", "公共区域维修记录"),
        ("QJ", "清洁卫生", "D10", "清洁卫生记录"),
        ("LH", "绿化管理", "D10", "绿化管理记录"),
        ("TY", "特约服务", "D10", "登记表、月统计"),
        ("SQ", "社区文化/通知通告", "D10", "活动通知、张贴的通知通告"),
        ("ZT", "质量体系文件", "Y", "质量体系文件"),
        ("ZL", "质量管理资料", "D30", "质量记录"),
        ("QT", "其他资料", "D10", "其他"),
        ("XH", "档案销毁清册", "Y", "档案销毁清册（永久保存）"),
        ("DA", "档案管理", "Y", "四性检测报告、移交与接收登记表、档案借阅登记表（永久保存）"),
    )
)


@dataclass(frozen=True)
class FilePlan:
    """The workspace's categories (the defaults with its ``[[category]]`` entries applied), and the warnings about them."""

    categories: tuple[Category, ...]
    warnings: tuple[str, ...] = ()

    def get(self, code: str) -> Category:
        """The category with this code (or name); ArchiveError naming the valid codes otherwise."""
        key = code.strip()
        for c in self.categories:
            if c.code == key.upper() or c.name == key:
                return c
        codes = "、".join(f"{c.code}（{c.name}）" for c in self.categories)
        raise ArchiveError(f"没有类别「{code}」。可用的类别：{codes}", field="category")

    def find(self, code: str) -> Category | None:
        try:
            return self.get(code)
        except ArchiveError:
            return None


def build_plan(entries: list[dict]) -> FilePlan:
    """The default plan with ``[[category]]`` entries applied (pure)."""
    by_code = {c.code: c for c in DEFAULT_CATEGORIES}
    order = [c.code for c in DEFAULT_CATEGORIES]
    warnings: list[str] = []
    for i, entry in enumerate(entries, start=1):
        cat = _category_from_entry(entry, i, by_code.get(str(entry["code"]).upper()))
        if cat.code == DISPOSAL_CATEGORY and cat.period != PERMANENT:
            warnings.append("档案销毁清册（XH）必须永久保存，配置的保管期限已忽略")
            cat = Category(cat.code, cat.name, PERMANENT, cat.contents, minimum=PERMANENT)
        if shorter_than_minimum(cat.period, cat.minimum):
            warnings.append(
                f"类别 {cat.code}（{cat.name}）配置的保管期限{period_label(cat.period)}"
                f"短于国家规定的最低期限{period_label(cat.minimum or '')}"
            )
        if cat.code not in by_code:
            order.append(cat.code)
        by_code[cat.code] = cat
    return FilePlan(categories=tuple(by_code[c] for c in order), warnings=tuple(warnings))


def _category_from_entry(entry: dict, i: int, default: Category | None) -> Category:
    code = str(entry["code"]).strip().upper()
    if not is_category_code(code):
        raise ConfigError(
            f"类别代码「{entry['code']}」无效：应为大写字母开头的 1–8 位字母数字（不能含 -）",
            field=f"category[{i}].code",
        )
    try:
        period = parse_period(entry["period"])
    except ConfigError as e:
        raise ConfigError(e.message, field=f"category[{i}].period") from e
    contents = entry.get("contents") or (default.contents if default else "")
    return Category(code, str(entry["name"]), period, contents, minimum=default.minimum if default else None)


def load_plan(ws: Workspace) -> FilePlan:
    return build_plan(ws.config.tables.get("category", []))
