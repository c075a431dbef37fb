"""Build the search evaluation corpus: ``corpus.jsonl`` and ``queries.json``.

Run once, commit the output:  ``.venv/bin/python tests/eval/build_corpus.py``

The forms engine's Python API (``dangan.forms.render_form``) was not usable
when this set was made, so documents are rendered here from templates of the
centre's standard notices and registers (the same wording as the forms),
filled from varied random data, plus free-text documents (emails, shift
notes, scanned letters).  Deterministic: seeded.

Each query's expected documents are computed by an oracle that knows nothing
about the index: a document is relevant when its text (or title) contains
every one of the query's ``must`` strings and it passes the query's filters.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "尉迟", "公孙"]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰"
RARE = "喆珺赟昇玥堃淼翀犇琮彧炜旻骞婧缙璟翊钰琛鑫禤蒨"
FACILITIES = ["电梯", "水泵房", "地下车库", "消防通道", "楼道灯", "门禁", "雨污管道", "屋面防水层", "外墙瓷砖", "垃圾房"]
ISSUES = ["噪音扰民", "漏水", "渗水", "异味", "乱停车", "高空抛物", "宠物扰民", "违规搭建", "堵塞", "损坏"]
CATS = {
    "TS": ("投诉处理", "D10"), "ZX": ("装修管理", "D30"), "SF": ("收费管理", "D30"), "KZ": ("空置房管理", "D10"),
    "WX": ("公共区域维修", "D30"), "SQ": ("社区文化/通知通告", "D10"), "XF": ("巡访回访", "D10"),
    "ZB": ("值班记录", "D10"), "QT": ("其他资料", "D10"),
}


class Gen:
    def __init__(self, seed: int = 20260301) -> None:
        self.r = random.Random(seed)
        self.used_names: set[str] = set()
        self.seq: dict[tuple[str, int], int] = {}
        self.docnum: dict[tuple[str, int], int] = {}

    def name(self, *, rare: bool = False) -> str:
        while True:
            sur = self.r.choice(COMPOUND) if self.r.random() < 0.1 else self.r.choice(SURNAMES)
            tail = self.r.choice(RARE) if rare or self.r.random() < 0.25 else self.r.choice(GIVEN)
            n = sur + (self.r.choice(GIVEN) + tail if len(sur) == 1 else tail)
            if n not in self.used_names:
                self.used_names.add(n)
                return n

    def unit(self) -> tuple[str, str, str]:
        b = str(self.r.randint(1, 12))
        room = f"{self.r.randint(1, 32)}{self.r.randint(1, 4):02d}"
        return b, room, f"{b}栋{room}室"

    def date(self) -> dt.date:
        return dt.date(2023, 1, 1) + dt.timedelta(days=self.r.randint(0, 3 * 365 + 120))

    def code(self, cat: str, year: int) -> str:
        k = (cat, year)
        self.seq[k] = self.seq.get(k, 0) + 1
        return f"Z001-{year}-{CATS[cat][1]}-{cat}-{self.seq[k]:04d}"

    def number(self, prefix: str, year: int) -> str:
        k = (prefix, year)
        self.docnum[k] = self.docnum.get(k, 0) + 1
        return f"{prefix}-{year}-{self.docnum[k]:04d}"

    def fmt(self, d: dt.date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    # -------------------------------------------------------------- documents

    def complaint(self) -> dict:
        d, (b, room, u), who = self.date(), self.unit(), self.name(rare=self.r.random() < 0.4)
        issue, fac = self.r.choice(ISSUES), self.r.choice(FACILITIES)
        kind = self.r.choice(["服务投诉", "业务投诉"])
        channel = self.r.choice(["电话", "微信", "来访"])
        text = (
            f"客户投诉管理登记表\n编号：{self.number('TS', d.year)}\n投诉人：{who}  房号：{u}  "
            f"联系电话：13{self.r.randint(100000000, 999999999)}\n投诉渠道：{channel}  投诉类型：{kind}\n"
            f"投诉内容：{u}业主{who}反映{fac}{issue}，已持续多日，影响正常生活，要求物业尽快处理。\n"
            f"受理时间：{self.fmt(d)} {self.r.randint(8, 18)}:{self.r.randint(0, 59):02d}\n"
            f"处理方案：客服中心于30分钟内答复，安排工程部人员到场查看{fac}，"
            f"{self.r.choice(['已更换损坏部件', '已联系相关住户协调', '已报请开发商维修', '已张贴温馨提示'])}。\n"
            f"处理结果：{self.r.choice(['业主满意', '业主基本满意', '待回访'])}。有效性：{self.r.choice(['有效', '无效'])}投诉。"
        )
        return self._doc("TS", d, f"客户投诉登记 {u}", text, unit=u, building=b, room=room, form="complaint-register", names=[who])

    def violation(self) -> dict:
        d, (b, room, u), who = self.date(), self.unit(), self.name()
        what = self.r.choice(["拆除承重墙", "封闭阳台", "改动燃气管道", "破坏防水层", "在外墙开洞", "夜间施工"])
        num = self.number("ZG", d.year)
        text = (
            f"装修违规整改通知书\n文号：{num}\n{u}业主/装修负责人{who}：\n"
            f"经巡查发现，贵户在装修过程中存在{what}的违规行为，违反《装修管理规定》及装修协议。"
            f"请于{self.fmt(d + dt.timedelta(days=7))}前完成整改，恢复原状，逾期未整改的，管理处将暂停装修许可证并"
            f"报相关部门处理，由此产生的后果由贵户承担。\n特此通知。\n客服中心\n{self.fmt(d)}"
        )
        return self._doc("ZX", d, f"装修违规整改通知 {u}", text, unit=u, building=b, room=room, form="renovation-violation",
                         doc_number=num, names=[who])

    def payment(self, *, dunning: bool) -> dict:
        d, (b, room, u), who = self.date(), self.unit(), self.name()
        prefix = "CJ" if dunning else "JF"
        num = self.number(prefix, d.year)
        fee = self.r.randint(180, 980) + self.r.choice([0, 0.5])
        months = self.r.randint(1, 6)
        if dunning:
            text = (
                f"物业管理费催缴通知\n文号：{num}\n尊敬的{u}业主{who}：\n截至{self.fmt(d)}，您尚欠物业管理费{months}个月，"
                f"共计人民币{fee * months:.2f}元。请于收到本通知后7日内缴清，逾期将按日万分之三计收滞纳金。"
                f"如有疑问请致电客服中心。\n客服中心 {self.fmt(d)}"
            )
            title = f"催缴通知 {u}"
        else:
            text = (
                f"缴费通知单\n文号：{num}\n房号：{u}  业主：{who}\n收费项目：物业服务费 {fee:.2f} 元，"
                f"水电费 {self.r.randint(50, 400)}.00 元，停车费 {self.r.choice([150, 200, 300])}.00 元。\n"
                f"请于{self.fmt(d + dt.timedelta(days=15))}前到客服中心前台缴纳或通过微信缴费。"
            )
            title = f"缴费通知单 {u}"
        return self._doc("SF", d, title, text, unit=u, building=b, room=room,
                         form="dunning-notice" if dunning else "payment-notice", doc_number=num, names=[who])

    def vacant(self) -> dict:
        d, (b, room, u) = self.date(), self.unit()
        inspector = self.name()
        text = (
            f"空置房巡查记录\n房号：{u}  巡查人：{inspector}  日期：{self.fmt(d)}\n"
            f"门窗：{self.r.choice(['完好', '窗户未关', '门锁松动'])}；水电：{self.r.choice(['已关闭总闸', '水表走字', '正常'])}；"
            f"卫生：{self.r.choice(['良好', '有积灰', '有积水'])}。空置房{self.r.choice(['无异常', '发现渗水，已通知业主'])}。"
        )
        return self._doc("KZ", d, f"空置房巡查 {u}", text, unit=u, building=b, room=room, form="vacant-inspection",
                         names=[inspector])

    def repair(self) -> dict:
        d, fac = self.date(), self.r.choice(FACILITIES)
        b = str(self.r.randint(1, 12))
        worker = self.name()
        text = (
            f"公共区域维修记录\n位置：{b}栋{fac}  报修时间：{self.fmt(d)}\n故障：{fac}{self.r.choice(ISSUES)}。\n"
            f"维修人：{worker}，更换{self.r.choice(['水泵密封圈', '灯管', '门禁读卡器', '排水管', '电梯门机皮带'])}，"
            f"{self.r.choice(['当日修复', '次日修复', '待配件到货'])}。"
        )
        return self._doc("WX", d, f"公共区域维修 {b}栋{fac}", text, building=b, form="public-repair", names=[worker])

    def notice(self) -> dict:
        d = self.date()
        topic = self.r.choice(["停水", "停电", "消防演练", "中秋游园活动", "电梯年检", "外墙清洗", "垃圾分类宣传", "端午节包粽子活动"])
        text = (
            f"通知\n各位业主、住户：\n因{topic}安排，{self.fmt(d)}上午9:00至下午17:00"
            f"{self.r.choice(['小区部分区域将受影响', '请大家合理安排出行', '欢迎踊跃参加'])}。"
            f"如有疑问请联系客服中心前台。\n客服中心 {self.fmt(d)}"
        )
        return self._doc("SQ", d, f"{topic}通知", text)

    def visit(self) -> dict:
        d, (b, room, u), who = self.date(), self.unit(), self.name(rare=True)
        text = (
            f"回访记录\n回访对象：{u}业主{who}\n回访方式：{self.r.choice(['电话回访', '上门回访'])}  日期：{self.fmt(d)}\n"
            f"回访内容：就前期{self.r.choice(ISSUES)}问题的处理结果进行回访，业主表示{self.r.choice(['满意', '基本满意', '不满意，要求再次处理'])}。"
        )
        return self._doc("XF", d, f"回访记录 {u}", text, unit=u, building=b, room=room, form="visit-record", names=[who])

    def free_text(self) -> dict:
        d, (b, room, u) = self.date(), self.unit()
        a, c = self.name(), self.name(rare=True)
        kind = self.r.choice(["handover", "letter", "email"])
        if kind == "handover":
            text = (
                f"前台交接班记录 {self.fmt(d)}\n交班人{a}，接班人{c}。未完成事项：{u}钥匙已交回，"
                f"快递{self.r.randint(1, 9)}件未领取；{self.r.choice(FACILITIES)}报修单已转工程部。门禁卡补办2张。"
            )
            return self._doc("ZB", d, f"前台交接日志 {self.fmt(d)}", text, names=[a, c])
        if kind == "letter":
            text = (
                f"致物业公司的一封信\n我是{u}的住户{c}。近来楼上{self.r.choice(['装修', '住户'])}"
                f"{self.r.choice(ISSUES)}，多次反映未果。希望管理处认真对待，尽快协调解决。\n{c} {self.fmt(d)}"
            )
            return self._doc("TS", d, f"住户来信 {u}", text, unit=u, building=b, room=room, names=[c])
        text = (
            f"邮件：关于{b}栋{self.r.choice(FACILITIES)}的情况说明\n发件人：{a}\n"
            f"经核查，问题系{self.r.choice(['设备老化', '使用不当', '施工遗留问题'])}所致，建议列入年度维修计划，"
            f"费用从公共维修基金列支，需经业主大会表决。Ref: WO-{d.year}-{self.r.randint(100, 999)}"
        )
        return self._doc("QT", d, f"情况说明 {b}栋", text, building=b, names=[a])

    def _doc(self, cat: str, d: dt.date, title: str, text: str, **meta: object) -> dict:
        return {
            "archival_code": self.code(cat, d.year), "title": title, "category": cat, "period": CATS[cat][1],
            "date": d.isoformat(), "year": d.year, "text": text,
            **{k: v for k, v in meta.items() if v is not None},
        }


def build_docs(g: Gen, n: int = 560) -> list[dict]:
    makers = [g.complaint] * 4 + [g.violation] * 2 + [lambda: g.payment(dunning=False)] * 2 + [
        lambda: g.payment(dunning=True), g.vacant, g.repair, g.notice, g.visit, g.free_text, g.free_text]
    return [g.r.choice(makers)() for _ in range(n)]


# ------------------------------------------------------------------ queries


def relevant(doc: dict, must: list[str], filters: dict) -> bool:
    hay = (doc["title"] + "\n" + doc["text"]).lower()
    if not all(m.lower() in hay for m in must):
        return False
    if filters.get("category") and doc["category"] != filters["category"]:
        return False
    if filters.get("year") and doc["year"] != filters["year"]:
        return False
    if filters.get("from") and doc["date"] < filters["from"]:
        return False
    return not (filters.get("to") and doc["date"] > filters["to"])


def make_queries(g: Gen, docs: list[dict]) -> list[dict]:
    specs: list[tuple[str, list[str], dict, str]] = []
    r = g.r
    by_cat: dict[str, list[dict]] = {}
    for d in docs:
        by_cat.setdefault(d["category"], []).append(d)
    rare = [d for d in docs if d.get("names") and any(ch in RARE for ch in d["names"][0])]
    for d in r.sample(rare, 8):  # 3-char names incl. rare characters
        specs.append((d["names"][0], [d["names"][0]], {}, "name"))
    for d in r.sample([x for x in docs if x.get("names") and x["names"][0][:2] in COMPOUND], 2):
        specs.append((d["names"][0], [d["names"][0]], {}, "compound surname"))
    for d in r.sample(by_cat["ZX"], 4):  # room + topic, with and without spaces
        u = d["unit"].removesuffix("室")
        specs.append((f"{u} 装修违规", [u, "装修", "违规"], {}, "room + words"))
        specs.append((f"{u}装修违规", [u, "装修", "违规"], {}, "no spaces"))
    for d in r.sample(by_cat["TS"], 4):
        specs.append((f"{d['names'][0]} 投诉", [d["names"][0], "投诉"], {}, "name + 2-char word"))
    for d in r.sample(by_cat["SF"], 4):  # document numbers, mixed ASCII
        specs.append((d["doc_number"], [d["doc_number"]], {}, "document number"))
    for d in r.sample(by_cat["SF"], 3):
        specs.append((f"{d['doc_number']} 物业", [d["doc_number"], "物业"], {}, "mixed Chinese/ASCII"))
    for d in r.sample(by_cat["KZ"], 3):  # room numbers alone, with a 2-char filter
        specs.append((d["room"], [d["room"]], {"category": "KZ", "year": d["year"]}, "room number + filters"))
    for d in r.sample(by_cat["TS"], 3):
        specs.append((f"{d['building']}栋{d['room']}室", [f"{d['building']}栋{d['room']}室"], {}, "3栋1201室 form"))
    for d in r.sample(by_cat["XF"], 3):
        y = d["year"]
        specs.append(("回访 " + d["room"], ["回访", d["room"]], {"from": f"{y}-01-01", "to": f"{y}-12-31"},
                      "date filter"))
    for word, cat, year in [("投诉", "TS", 2023), ("装修", "ZX", 2024), ("滞纳金", "SF", 2025), ("渗水", "KZ", 2024),
                            ("停水", "SQ", 2025), ("消防演练", "SQ", 2024)]:
        specs.append((word, [word], {"category": cat, "year": year}, "2-char word + category/year"))
    for d in r.sample(by_cat["WX"], 2):
        fac = d["title"].split("栋", 1)[1]
        specs.append((f"{d['names'][0]} {fac}", [d["names"][0], fac], {}, "name + facility"))
    for d in r.sample(by_cat["QT"], 2):
        ref = d["text"].rsplit("Ref: ", 1)[1]
        specs.append((ref, [ref], {}, "ASCII reference"))
    out = []
    for q, must, filters, kind in specs:
        expected = [d["archival_code"] for d in docs if relevant(d, must, filters)]
        if 1 <= len(expected) <= 10:
            out.append({"query": q, "must": must, "filters": filters, "kind": kind, "expected": expected})
    return out


def main() -> None:
    g = Gen()
    docs = build_docs(g)
    queries = make_queries(g, docs)
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    (HERE / "queries.json").write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(docs)} documents, {len(queries)} queries")


if __name__ == "__main__":
    main()
