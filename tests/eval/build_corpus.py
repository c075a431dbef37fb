"""Build the search evaluation corpus: ``corpus.jsonl`` and ``queries.json``.

Run once, commit the output:  ``.venv/bin/python tests/eval/build_corpus.py``
(takes a few minutes: every form document is really rendered).

Form documents come from the forms engine itself: for a spread of the
centre's forms (缴费通知单, 催缴通知书, 限期缴费通知书, 装修违规整改通知单,
装修巡检表, 装修审批及竣工验收表, 客户投诉管理登记表, 巡访回访记录表,
空置房屋巡查记录表, 空置房屋登记表, 社区活动通知, 前台交接日志,
特约服务登记表) the data is built from varied random values (names with rare
characters and compound surnames, units written 3栋1201室 or 3-1201, dates
across 2023–2026, amounts, violation kinds, complaint facts …), rendered with
``dangan.forms.render_form`` into a scratch workspace (PDF; for every fourth
document of some forms also DOCX, whose text is then used instead), and the
text is taken with ``dangan.ingest.extract.extract`` -- exactly the text the
archive would index, including the engine's masking of phone numbers and the
line breaks the PDF layout puts inside table cells.  The document number is
passed to ``render_form`` so numbering is per year and deterministic.

Free-text documents (handover notes, residents' letters, e-mails, public-area
repair notes) are written here from text templates; no form of the engine
produces them.

Deterministic: seeded, and the rendered text does not depend on the clock.

Each query's expected documents are computed by an oracle that knows nothing
about the index: a document is relevant when its text (or title) contains
every one of the query's ``must`` strings and it passes the query's filters.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "尉迟", "公孙"]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰"
RARE = "喆珺赟昇玥堃淼翀犇琮彧炜旻骞婧缙璟翊钰琛鑫禤蒨"
STAFF = ["刘晓燕", "陈美玲", "赵磊", "钱芳", "孙丽华", "何志强", "黄志华", "周敏"]
FACILITIES = ["电梯", "水泵房", "地下车库", "消防通道", "楼道灯", "门禁", "雨污管道", "屋面防水层", "外墙瓷砖", "垃圾房"]
ISSUES = ["噪音扰民", "漏水", "渗水", "异味", "乱停车", "高空抛物", "宠物扰民", "违规搭建", "堵塞", "损坏"]
AREAS = ["翠湖苑一期（1—6栋）", "翠湖苑二期（7—12栋）", "示例花园商业街", "示例花园地下车库"]
CATS = {
    "TS": ("投诉处理", "D10"), "ZX": ("装修管理", "D30"), "SF": ("收费管理", "D30"), "KZ": ("空置房管理", "D10"),
    "WX": ("公共区域维修", "D30"), "SQ": ("社区文化/通知通告", "D10"), "XF": ("巡访回访", "D10"),
    "ZB": ("值班记录", "D10"), "TY": ("特约服务", "D10"), "QT": ("其他资料", "D10"),
}
# form id -> (how many documents, every n-th one also rendered as DOCX and indexed from the DOCX text)
FORMS: dict[str, tuple[int, int]] = {
    "payment-notice": (80, 4), "dunning-notice": (45, 4), "deadline-payment-notice": (30, 0),
    "renovation-violation": (60, 4), "renovation-inspection": (30, 0), "renovation-approval": (20, 4),
    "complaint-register": (45, 0), "visit-record": (45, 0), "vacant-inspection": (35, 0),
    "vacant-register": (15, 0), "community-notice": (40, 4), "front-desk-log": (40, 4),
    "special-service-register": (20, 0),
}
UNIT_RE = re.compile(r"(\d+)栋(\d+)室")


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
        room = f"{self.r.randint(1, 32):02d}{self.r.randint(1, 4):02d}"
        return b, room, f"{b}栋{room}室"

    def unit_text(self, b: str, room: str) -> str:
        """How a unit is written in a register row: mostly 3栋1201室, sometimes 3-1201."""
        return f"{b}-{room}" if self.r.random() < 0.3 else f"{b}栋{room}室"

    def date(self) -> dt.date:
        return dt.date(2023, 1, 1) + dt.timedelta(days=self.r.randint(0, 3 * 365 + 330))

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

    def money(self, lo: float, hi: float) -> str:
        return f"{self.r.uniform(lo, hi):,.2f}"

    def phone(self) -> str:
        return self.r.choice(["13", "15", "18", "17"]) + str(self.r.randint(100000000, 999999999))

    def dtm(self, d: dt.date, lo: int = 8, hi: int = 20) -> dt.datetime:
        return dt.datetime(d.year, d.month, d.day, self.r.randint(lo, hi), self.r.randint(0, 59))

    def ts(self, t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%d %H:%M")

    def month_text(self, d: dt.date) -> str:
        return f"{d.year}年{d.month}月"

    # ------------------------------------------------------ form data (from each form's sample)
    # Each returns (data, names of residents in it); data is the form's ``sample`` with values replaced.

    def payment_notice(self, sample: dict) -> tuple[dict, list[str]]:
        d, u, who = self.date(), self.unit()[2], self.name()
        area = round(self.r.uniform(55, 180), 2)
        rate = self.r.choice([1.8, 2.2, 2.5, 3.0])
        water, power = self.r.randint(3, 40), self.r.randint(40, 600)
        items = [
            {"name": "物业管理费", "detail": f"{area:.2f}㎡ × {rate:.2f}元/㎡", "amount": f"{area * rate:,.2f}"},
            {"name": "水费", "detail": f"{water}吨 × 3.50元", "amount": f"{water * 3.5:,.2f}"},
            {"name": "电费", "detail": f"{power}度 × 0.60元", "amount": f"{power * 0.6:,.2f}"},
        ]
        if self.r.random() < 0.5:
            items.append({"name": "停车费", "detail": "地下车位", "amount": self.r.choice(["150.00", "200.00", "300.00"])})
        if self.r.random() < 0.3:
            items.append({"name": "燃气费", "detail": f"{self.r.randint(1, 30)}吨 × 3.30元", "amount": self.money(3, 99)})
        data = {**sample, "unit": u, "owner": who, "phone": self.phone(), "period": self.month_text(d),
                "issue_date": d.isoformat(), "items": items,
                "remark": self.r.choice(["请于缴费期限前到客服中心或通过物业APP缴纳。", "可通过微信缴费。", ""])}
        return data, [who]

    def dunning_notice(self, sample: dict) -> tuple[dict, list[str]]:
        d, u, who = self.date(), self.unit()[2], self.name()
        m = self.r.randint(1, 9)
        arrears = [{"item": "物业管理费", "period": f"{d.year}年{m}月—{m + self.r.randint(0, 3)}月",
                    "amount": self.money(180, 2400)}]
        for item in self.r.sample(["水费", "电费", "燃气费", "停车费", "有偿服务费（管道疏通）"], self.r.randint(0, 3)):
            arrears.append({"item": item, "period": f"{d.year}年{m}月", "amount": self.money(20, 400)})
        data = {**sample, "unit": u, "owner": who, "issue_date": d.isoformat(),
                "notice_date": (d - dt.timedelta(days=self.r.randint(20, 60))).isoformat(), "arrears": arrears,
                "handler": self.r.choice(STAFF)}
        return data, [who]

    def deadline_payment_notice(self, sample: dict) -> tuple[dict, list[str]]:
        d, u, who = self.date(), self.unit()[2], self.name(rare=self.r.random() < 0.3)
        due = d - dt.timedelta(days=self.r.randint(30, 120))
        arrears = [{"item": it, "period": f"{due.year}年{due.month}月", "amount": self.money(40, 1800),
                    "due_date": due.isoformat()}
                   for it in ["物业管理费", *self.r.sample(["水费", "电费", "燃气费"], self.r.randint(0, 2))]]
        data = {**sample, "unit": u, "owner": who, "issue_date": d.isoformat(),
                "dunning_date": (d - dt.timedelta(days=self.r.randint(14, 28))).isoformat(),
                "dunning_number": f"CJ-{d.year}-{self.r.randint(1, 60):04d}", "arrears": arrears,
                "handler": self.r.choice(STAFF)}
        return data, [who]

    def renovation_violation(self, sample: dict) -> tuple[dict, list[str]]:
        d, u, who = self.date(), self.unit()[2], self.name()
        kind, desc = self.r.choice([
            ("破坏承重墙", "巡检发现客厅与卧室之间的承重墙被凿开门洞，钢筋外露。"),
            ("破坏承重墙", "主卧承重墙开槽深度超过规定，墙体出现裂缝。"),
            ("改动外立面", "阳台被封闭并外挑约0.6米，改变建筑外立面。"),
            ("改动外立面", "在外墙开洞安装排风管道，未经审批。"),
            ("破坏厨卫防水层", "卫生间地面凿除后未做防水即铺贴，楼下天花板出现渗水。"),
            ("破坏厨卫防水层", "厨房改造破坏原防水层，未做闭水试验。"),
            ("其他", "夜间22点后仍在电锤施工，噪音扰民。"),
            ("其他", "装修垃圾堆放在消防通道，未按指定地点清运。"),
            ("其他", "擅自改动燃气管道位置。"),
        ])
        found = self.dtm(d)
        data = {**sample, "unit": u, "owner": who,
                "contractor": self.r.choice(["自装（业主自行组织施工）", "鑫宇装饰 李强", "美居装饰 孙海涛", "华庭装饰 吴刚"]),
                "found_at": self.ts(found), "violation": kind, "description": desc,
                "rectification": self.r.choice(["立即停止违规施工，恢复原状并报管理处复查。",
                                                "按原设计恢复，经工程部验收。", "限期清运，恢复通道畅通。"]),
                "deadline": (d + dt.timedelta(days=self.r.choice([3, 5, 7, 15]))).isoformat(),
                "inspector": self.r.choice(STAFF), "issue_date": d.isoformat()}
        return data, [who]

    def renovation_inspection(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        start = d - dt.timedelta(days=self.r.randint(2, 6))
        rows, names = [], []
        for _ in range(self.r.randint(3, 6)):
            b, room, _u = self.unit()
            lead = self.name()
            names.append(lead)
            viol = self.r.choice(["无", "无", "无", "装修垃圾堆放在消防通道", "中午12:30仍在电钻作业", "未办理装修许可证"])
            rows.append({"date": (start + dt.timedelta(days=self.r.randint(0, (d - start).days))).isoformat(),
                         "unit": self.unit_text(b, room),
                         "contractor": f"{self.r.choice(['鑫宇装饰', '美居装饰', '华庭装饰', '自装'])} {lead}",
                         "checked": self.r.choice(["装修许可证、消防器材、施工时间", "水电改造、防水层", "墙体改动、门窗", "垃圾清运"]),
                         "violations": viol, "rectified": viol == "无" or self.r.random() < 0.5,
                         "inspector": self.r.choice(STAFF)})
        data = {**sample, "area": self.r.choice(AREAS), "start_date": start.isoformat(), "end_date": d.isoformat(),
                "rows": rows, "reviewer": self.r.choice(STAFF)}
        return data, names

    def renovation_approval(self, sample: dict) -> tuple[dict, list[str]]:
        d, u, who = self.date(), self.unit()[2], self.name(rare=self.r.random() < 0.3)
        start = d + dt.timedelta(days=7)
        end = start + dt.timedelta(days=self.r.randint(30, 90))
        data = {**sample, "unit": u, "owner": who, "owner_phone": self.phone(), "contractor_phone": self.phone(),
                "contractor_lead": self.name(), "application_date": d.isoformat(),
                "planned_start": start.isoformat(), "planned_end": end.isoformat(),
                "approval_date": (d + dt.timedelta(days=2)).isoformat(),
                "completion_date": (end - dt.timedelta(days=2)).isoformat(), "acceptance_date": end.isoformat(),
                "deposit": self.r.choice(["2,000.00", "3,000.00", "5,000.00"]),
                "approval": self.r.choice(["同意", "有条件同意"]), "approver": self.r.choice(STAFF),
                "engineer": self.r.choice(STAFF), "acceptance": self.r.choice(["验收合格", "整改后复验"])}
        return data, [who]

    def complaint_register(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        end = d
        rows, names = [], []
        for _ in range(self.r.randint(2, 5)):
            b, room, _u = self.unit()
            who = self.name(rare=self.r.random() < 0.4)
            names.append(who)
            day = dt.date(d.year, d.month, self.r.randint(1, d.day))
            got = self.dtm(day)
            fac, issue = self.r.choice(FACILITIES), self.r.choice(ISSUES)
            valid = self.r.random() < 0.75
            rows.append({
                "received_at": self.ts(got), "complainant": who, "phone": self.phone(),
                "unit": f"{b}栋{room}室",
                "target": self.r.choice(["工程部", "保洁员", "秩序维护部门岗", "收费处", f"{fac}维保单位", "楼上装修施工方"]),
                "facts": f"反映{fac}{issue}，已持续多日，影响正常生活，要求尽快处理",
                "type": self.r.choice(["服务投诉", "业务投诉"]), "channel": self.r.choice(["电话", "聊天工具"]),
                "validity": "有效" if valid else "无效",
                "severity": self.r.choice(["一般", "恶性"] if valid else ["一般无效", "恶意"]),
                "proposed_at": self.ts(got + dt.timedelta(minutes=self.r.randint(5, 80))),
                "escalation": self.r.choice(["无", "无", "已上报客服主管"]),
                "result": self.r.choice(["已更换损坏部件，回访业主满意", "已联系相关住户协调", "已报请开发商维修", "已张贴温馨提示"]),
                "handler": self.r.choice(STAFF)})
        data = {**sample, "month": self.month_text(d), "end_date": end.isoformat(), "rows": rows}
        return data, names

    def visit_record(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        start = d - dt.timedelta(days=self.r.randint(2, 10))
        rows, names = [], []
        for _ in range(self.r.randint(3, 6)):
            b, room, _u = self.unit()
            who = self.name(rare=self.r.random() < 0.5)
            names.append(who)
            rows.append({"date": (start + dt.timedelta(days=self.r.randint(0, (d - start).days))).isoformat(),
                         "kind": self.r.choice(["巡访", "回访"]), "unit": self.unit_text(b, room), "resident": who,
                         "opinions": f"前期{self.r.choice(ISSUES)}问题" + self.r.choice(["已处理", "仍未解决", "处理及时"]),
                         "follow_up": self.r.choice(["无需跟进", "已报工程部", "助理将上门协调"]),
                         "satisfaction": self.r.choice(["非常满意", "满意", "基本满意", "不满意"]),
                         "visitor": self.r.choice(STAFF)})
        data = {**sample, "area": self.r.choice(AREAS), "start_date": start.isoformat(), "end_date": d.isoformat(),
                "rows": rows, "reviewer": self.r.choice(STAFF)}
        return data, names

    def vacant_inspection(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        start = d - dt.timedelta(days=14)
        rows = []
        for _ in range(self.r.randint(2, 5)):
            b, room, _u = self.unit()
            leak = self.r.random() < 0.2
            rows.append({"date": (start + dt.timedelta(days=self.r.randint(0, 14))).isoformat(),
                         "unit": f"{b}栋{room}室", "doors_windows": self.r.choice(["正常", "正常", "异常"]),
                         "water": "异常" if leak else "正常", "power": "正常", "gas": self.r.choice(["正常", "已关闭"]),
                         "leaks": "有" if leak else "无",
                         "action": "发现渗水，关闭进户水阀，报工程部" if leak else self.r.choice(["无", "开窗通风后关好门窗"]),
                         "inspector": self.r.choice(STAFF)})
        data = {**sample, "area": self.r.choice(AREAS), "start_date": start.isoformat(), "end_date": d.isoformat(),
                "rows": rows, "reviewer": self.r.choice(STAFF)}
        return data, []

    def vacant_register(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        rows, names = [], []
        for _ in range(self.r.randint(2, 5)):
            b, room, _u = self.unit()
            who = self.name()
            names.append(who)
            holder = self.r.choice(["管理处代管", "业主自留", "委托中介"])
            rows.append({"unit": f"{b}栋{room}室", "floor_area": f"{self.r.uniform(60, 180):.2f}",
                         "vacant_since": (d - dt.timedelta(days=self.r.randint(30, 700))).isoformat(),
                         "key_holder": holder, "key_count": 0 if holder == "业主自留" else self.r.randint(1, 3),
                         "owner": who, "owner_phone": self.phone(),
                         "note": self.r.choice(["业主在外地工作", "计划明年装修", "放盘出租中", "已断燃气总阀"])})
        data = {**sample, "area": self.r.choice(AREAS), "rows": rows, "recorder": self.r.choice(STAFF),
                "record_date": d.isoformat()}
        return data, names

    def community_notice(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        topic, content = self.r.choice([
            ("停水", "因市政管网检修，小区将暂停供水，请提前储水。"),
            ("停电", "因供电局线路改造，小区将暂停供电，电梯暂停运行。"),
            ("消防演练", "客服中心将组织消防演练，请业主配合疏散。"),
            ("中秋游园活动", "会所举办中秋游园活动，设猜灯谜、做月饼等项目，欢迎参加。"),
            ("电梯年检", "各栋电梯将依次年检，年检期间暂停使用。"),
            ("外墙清洗", "外墙清洗作业期间请关好门窗，勿在阳台晾晒衣物。"),
            ("垃圾分类宣传", "开展垃圾分类宣传，现场发放分类垃圾袋。"),
            ("端午节包粽子活动", "端午节包粽子活动，材料由管理处准备。"),
        ])
        start = self.dtm(d + dt.timedelta(days=self.r.randint(2, 10)), 8, 15)
        data = {**sample, "subject": f"关于{topic}的通知", "audience": "示例花园全体业主、住户",
                "start": self.ts(start), "end": self.ts(start + dt.timedelta(hours=self.r.randint(2, 8))),
                "place": self.r.choice(["会所一楼多功能厅", "中心广场", "小区各栋", "客服中心门前"]),
                "content": content + "如有疑问请联系客服中心前台。",
                "contact": f"{self.r.choice(STAFF)} 0755-1234 5678", "issuer": "示例花园客服中心",
                "issue_date": d.isoformat()}
        return data, []

    def front_desk_log(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        shift = self.r.choice(["早班", "中班", "晚班"])
        names = []
        unfinished = []
        for _ in range(self.r.randint(1, 3)):
            b, room, _u = self.unit()
            who = self.name()
            names.append(who)
            unfinished.append({"task": f"{self.unit_text(b, room)}{who}{self.r.choice(['预约验收复验', '门禁卡补办', '钥匙待交回', '报修待回复'])}",
                               "status": self.r.choice(["已通知工程部", "待业主确认时间", "建议晚班送达"])})
        mail = []
        for _ in range(self.r.randint(0, 3)):
            b, room, _u = self.unit()
            mail.append({"unit": self.unit_text(b, room), "kind": self.r.choice(["信件", "报纸", "刊物", "包裹"]),
                         "quantity": self.r.randint(1, 4), "note": self.r.choice(["", "须本人签收", "到付已付"])})
        hand, recv = self.r.sample(STAFF, 2)
        data = {**sample, "date": d.isoformat(), "shift": shift,
                "handover_at": self.ts(self.dtm(d, 7, 22)), "unfinished": unfinished, "mail": mail,
                "notes": f"{self.r.choice(FACILITIES)}报修单已转工程部。", "handed_by": hand, "received_by": recv}
        return data, names

    def special_service_register(self, sample: dict) -> tuple[dict, list[str]]:
        d = self.date()
        rows, names = [], []
        for _ in range(self.r.randint(2, 5)):
            b, room, _u = self.unit()
            who = self.name(rare=self.r.random() < 0.3)
            names.append(who)
            day = dt.date(d.year, d.month, self.r.randint(1, d.day))
            rows.append({"received_at": self.ts(self.dtm(day)), "channel": self.r.choice(["当面", "电话", "前台转交"]),
                         "unit": f"{b}栋{room}室", "client": who,
                         "request": self.r.choice(["厨房下水道疏通", "更换水龙头", "全屋深度保洁", "空调清洗", "更换灯具"]),
                         "department": self.r.choice(["工程维修队", "绿洁家政服务有限公司", "美凯家电服务部"]),
                         "fee": self.money(30, 400), "follow_up": "已完成，业主签字确认", "completed": True,
                         "quality": self.r.choice(["优", "良", "合格"]), "receiver": self.r.choice(STAFF)})
        data = {**sample, "month": self.month_text(d), "end_date": d.isoformat(), "rows": rows}
        return data, names

    # ------------------------------------------------------------ free text (no form produces these)

    def repair(self) -> dict:
        d, fac = self.date(), self.r.choice(FACILITIES)
        b = str(self.r.randint(1, 12))
        worker = self.name()
        text = (
            f"公共区域维修记录\n位置：{b}栋{fac}  报修时间：{self.fmt(d)}\n故障：{fac}{self.r.choice(ISSUES)}。\n"
            f"维修人：{worker}，更换{self.r.choice(['水泵密封圈', '灯管', '门禁读卡器', '排水管', '电梯门机皮带'])}，"
            f"{self.r.choice(['当日修复', '次日修复', '待配件到货'])}。"
        )
        return self._doc("WX", d, f"公共区域维修 {b}栋{fac}", text, building=b, names=[worker], kind="repair")

    def free_text(self) -> dict:
        d, (b, room, u) = self.date(), self.unit()
        a, c = self.name(), self.name(rare=True)
        kind = self.r.choice(["handover", "letter", "email"])
        if kind == "handover":
            text = (
                f"前台交接班记录 {self.fmt(d)}\n交班人{a}，接班人{c}。未完成事项：{u}钥匙已交回，"
                f"快递{self.r.randint(1, 9)}件未领取；{self.r.choice(FACILITIES)}报修单已转工程部。门禁卡补办2张。"
            )
            return self._doc("ZB", d, f"前台交接班手记 {self.fmt(d)}", text, names=[a, c], kind=kind)
        if kind == "letter":
            text = (
                f"致物业公司的一封信\n我是{u}的住户{c}。近来楼上{self.r.choice(['装修', '住户'])}"
                f"{self.r.choice(ISSUES)}，多次反映未果。希望管理处认真对待，尽快协调解决。\n{c} {self.fmt(d)}"
            )
            return self._doc("TS", d, f"住户来信 {u}", text, unit=u, building=b, room=room, names=[c], kind=kind)
        text = (
            f"邮件：关于{b}栋{self.r.choice(FACILITIES)}的情况说明\n发件人：{a}\n"
            f"经核查，问题系{self.r.choice(['设备老化', '使用不当', '施工遗留问题'])}所致，建议列入年度维修计划，"
            f"费用从公共维修基金列支，需经业主大会表决。Ref: WO-{d.year}-{self.r.randint(100, 999)}"
        )
        return self._doc("QT", d, f"情况说明 {b}栋", text, building=b, names=[a], kind=kind)

    def _doc(self, cat: str, d: dt.date, title: str, text: str, **meta: object) -> dict:
        return {
            "archival_code": self.code(cat, d.year), "title": title, "category": cat, "period": CATS[cat][1],
            "date": d.isoformat(), "year": d.year, "text": text,
            **{k: v for k, v in meta.items() if v is not None},
        }


def build_docs(g: Gen) -> list[dict]:
    """Form documents rendered by the forms engine, then the free-text documents, in a seeded order."""
    from dangan.config import init_workspace
    from dangan.content.extract import extract
    from dangan.forms import load_form, render_form

    plan: list[str] = [fid for fid, (n, _) in FORMS.items() for _ in range(n)]
    plan += ["free_text"] * 80 + ["repair"] * 30
    g.r.shuffle(plan)
    docs: list[dict] = []
    count: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws")
        forms = {fid: load_form(ws, fid) for fid in FORMS}
        t0 = time.monotonic()
        for i, what in enumerate(plan, 1):
            if what == "free_text":
                docs.append(g.free_text())
                continue
            if what == "repair":
                docs.append(g.repair())
                continue
            form = forms[what]
            data, names = getattr(g, what.replace("-", "_"))(dict(form.sample))
            count[what] = count.get(what, 0) + 1
            every = FORMS[what][1]
            use_docx = bool(every) and count[what] % every == 0
            date = dt.date.fromisoformat(str(data[form.date_field]))
            number = g.number(form.prefix, date.year)
            doc = render_form(ws, what, data, formats=("pdf", "docx") if use_docx else ("pdf",),
                              out_dir=Path(tmp) / "out", doc_number=number)
            fmt = "docx" if use_docx else "pdf"
            text = extract(doc.files[fmt]).text or ""
            for f in doc.files.values():
                f.unlink()
            assert doc.date == date and doc.doc_number == number, (what, doc.date, doc.doc_number)
            m = UNIT_RE.fullmatch(doc.unit or "")
            docs.append(g._doc(
                doc.category, doc.date, doc.title, text, form=what, doc_number=doc.doc_number, format=fmt,
                unit=doc.unit, building=m.group(1) if m else None, room=m.group(2) if m else None,
                names=names or None))
            if i % 50 == 0:
                print(f"  {i}/{len(plan)} ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    return docs


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
    r = g.r
    by_form: dict[str, list[dict]] = {}
    for d in docs:
        by_form.setdefault(d.get("form") or d.get("kind", "?"), []).append(d)

    def expected(must: list[str], filters: dict) -> list[str]:
        return [d["archival_code"] for d in docs if relevant(d, must, filters)]

    out: list[dict] = []

    def add(q: str, must: list[str], filters: dict, kind: str) -> bool:
        exp = expected(must, filters)
        if 1 <= len(exp) <= 10 and not any(o["query"] == q and o["filters"] == filters for o in out):
            out.append({"query": q, "must": must, "filters": filters, "kind": kind, "expected": exp})
            return True
        return False

    def take(pool: list, n: int, make: Any) -> None:
        """Add queries made from a shuffled pool until n were kept (make returns a spec or None)."""
        pool = list(pool)
        r.shuffle(pool)
        kept = 0
        for item in pool:
            if kept == n:
                break
            spec = make(item)
            if spec and add(*spec):
                kept += 1

    def names_in(d: dict) -> list[str]:  # resident names that survived layout intact
        return [n for n in d.get("names", []) if n in d["text"]]

    named = [(d, n) for d in docs if d.get("form") for n in names_in(d)]
    # 3-character names with rare characters, and compound surnames (from the rendered forms)
    take([x for x in named if len(x[1]) == 3 and any(ch in RARE for ch in x[1])], 8,
         lambda x: (x[1], [x[1]], {}, "name (rare character)"))
    take([x for x in named if x[1][:2] in COMPOUND], 3, lambda x: (x[1], [x[1]], {}, "compound surname"))
    # room + 装修违规, with and without spaces
    viol = [d for d in by_form["renovation-violation"] if d["building"] not in ("1", "2")]
    for d in r.sample(viol, min(4, len(viol))):
        u = d["unit"].removesuffix("室")
        add(f"{u} 装修违规", [u, "装修", "违规"], {}, "room + words (spaces)")
        add(f"{u}装修违规", [u, "装修", "违规"], {}, "room + words (no spaces)")
    add("装修 违规", ["装修", "违规"], {"category": "ZX", "from": "2024-03-01", "to": "2024-03-31"}, "2-char words + filters")
    add("装修违规", ["装修", "违规"], {"category": "ZX", "from": "2024-03-01", "to": "2024-03-31"}, "2-char words + filters")
    # name + 投诉 (complaint register rows)
    take([(d, n) for d in by_form["complaint-register"] for n in names_in(d)], 3,
         lambda x: (f"{x[1]} 投诉", [x[1], "投诉"], {}, "name + 2-char word"))
    # name + words (限期缴费 / 装修审批)
    take([(d, n) for d in by_form["deadline-payment-notice"] for n in names_in(d)], 2,
         lambda x: (f"{x[1]} 限期缴费", [x[1], "限期缴费"], {}, "name + words"))
    # document numbers (mixed ASCII), alone and with a Chinese word
    for form in ["payment-notice", "dunning-notice", "deadline-payment-notice", "renovation-violation"]:
        take(by_form[form], 1, lambda d: (d["doc_number"], [d["doc_number"]], {}, "document number"))
    for form in ["payment-notice", "dunning-notice", "complaint-register"]:
        take(by_form[form], 1, lambda d: (f"{d['doc_number']} 物业", [d["doc_number"], "物业"], {}, "mixed Chinese/ASCII"))
    # room numbers alone, with category + year filters (vacant-house inspection rows)
    rooms = [(d, m.group(2)) for d in by_form["vacant-inspection"] for m in UNIT_RE.finditer(d["text"])
             if int(m.group(2)) >= 1000]
    take(rooms, 3, lambda x: (x[1], [x[1]], {"category": "KZ", "year": x[0]["year"]}, "room number + filters"))
    # 3栋1201室 form (complaint rows) and 3-1201 form (visit rows, front-desk log)
    units = [(d, m.group(0)) for d in by_form["complaint-register"] for m in UNIT_RE.finditer(d["text"])
             if m.group(1) not in ("1", "2")]
    take(units, 3, lambda x: (x[1], [x[1]], {}, "3栋1201室 form"))
    dashed = [(d, m.group(0)) for form in ["visit-record", "front-desk-log", "renovation-inspection"]
              for d in by_form[form] for m in re.finditer(r"(?<![\d-])([3-9]|1[0-2])-\d{4}(?!\d)", d["text"])]
    take(dashed, 3, lambda x: (x[1], [x[1]], {}, "3-1201 form"))
    # 回访 + room, with a date range
    visits = [(d, m.group(2)) for d in by_form["visit-record"]
              for m in re.finditer(r"(?<![\d-])(\d{1,2})(?:栋|-)(\d{4})(?!\d)", d["text"]) if "回访" in d["text"]]
    take(visits, 3, lambda x: ("回访 " + x[1], ["回访", x[1]],
                               {"from": f"{x[0]['year']}-01-01", "to": f"{x[0]['year']}-12-31"}, "word + room + date filter"))
    # 2-character (and longer) words with a category and a date window narrow enough for ≤ 10 results
    for word, cat in [("投诉", "TS"), ("装修", "ZX"), ("滞纳金", "SF"), ("渗水", "KZ"), ("停水", "SQ"),
                      ("消防演练", "SQ"), ("包裹", "ZB"), ("疏通", "TY")]:
        windows = [(f"{y}-{m:02d}-01", (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat())
                   for y in range(2023, 2027) for m in range(1, 13)]
        years = [{"category": cat, "year": y} for y in range(2023, 2027)]
        opts = years + [{"category": cat, "from": a, "to": b} for a, b in windows]
        take(opts, 1, lambda f, word=word: (word, [word], f, "word + category/date filter"))
    # free text: name + facility, ASCII references
    take(by_form["repair"], 2, lambda d: (f"{d['names'][0]} {d['title'].split('栋', 1)[1]}",
                                          [d["names"][0], d["title"].split("栋", 1)[1]], {}, "name + facility (free text)"))
    take(by_form["email"], 2, lambda d: (d["text"].rsplit("Ref: ", 1)[1], [d["text"].rsplit("Ref: ", 1)[1]], {},
                                         "ASCII reference (free text)"))
    take(by_form["letter"], 2, lambda d: (d["names"][0], [d["names"][0]], {}, "name (free text)"))
    return out


def main() -> None:
    g = Gen()
    docs = build_docs(g)
    queries = make_queries(g, docs)
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    (HERE / "queries.json").write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    forms: dict[str, int] = {}
    for d in docs:
        forms[d.get("form") or "free text"] = forms.get(d.get("form") or "free text", 0) + 1
    print(f"{len(docs)} documents, {len(queries)} queries")
    for k, v in sorted(forms.items(), key=lambda kv: -kv[1]):
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
