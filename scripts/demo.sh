#!/usr/bin/env bash
# The demo job (make demo): the repository root is the default workspace.
# Generates every form from its sample data (PDF + DOCX, filed into archive/),
# a batch of payment notices from a spreadsheet with a merged print file,
# then shows the archive and a search.  Idempotent: re-running adds new
# documents with new numbers; nothing is ever deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
WS=$PWD
dangan init "$WS"
out=$WS/output/demo
mkdir -p "$out"

echo "== 按示例数据生成全部表单 =="
ids=$(dangan -w "$WS" forms list --json | python3 -c 'import json,sys; print(" ".join(f["id"] for f in json.load(sys.stdin)))')
for id in $ids; do
  dangan -w "$WS" generate "$id" --sample --format pdf,docx --out "$out/$id" >/dev/null
  echo "  $id"
done

echo "== 批量缴费通知单（每户一份 + 合并打印文件） =="
python bench/make_notices_xlsx.py "$out/缴费清单.xlsx" 50
dangan -w "$WS" generate payment-notice --batch "$out/缴费清单.xlsx" --merge --out "$out/batch"

echo "== 档案 =="
dangan -w "$WS" archive list | tail -n 8
echo "== 检索「装修」 =="
dangan -w "$WS" search 装修 --limit 3
echo
echo "演示完成：生成的文件在 $out，档案在 $WS/archive，可用 pdftoppm -png 查看 PDF。"
