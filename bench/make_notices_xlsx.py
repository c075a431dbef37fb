"""Write an XLSX of N payment notices (4 fee rows each) for the forms benchmark."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from openpyxl import Workbook

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂喆赟"


def make(path: Path, n: int, *, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet()
    sheet.append(["房号", "业主", "联系电话", "收费期间", "通知日期", "项目", "计费说明", "金额"])
    for i in range(n):
        unit = f"{i // 200 + 1}栋{(i // 8) % 25 + 1:02d}{i % 8 + 1:02d}室"
        owner = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2)))
        phone = f"13{rnd.randint(100000000, 999999999)}"
        area = rnd.randint(60, 180)
        fees = [("物业管理费", f"{area}㎡ × 2.50元/㎡", area * 2.5), ("水费", "", rnd.randint(5, 40) * 3.5),
                ("电费", "", round(rnd.randint(50, 400) * 0.6, 2)), ("燃气费", "", round(rnd.randint(0, 30) * 3.3, 2))]
        for name, detail, amount in fees:
            sheet.append([unit, owner, phone, "2026年11月", "2026-11-01", name, detail, f"{amount:.2f}"])
    wb.save(path)
    return path


if __name__ == "__main__":
    make(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
