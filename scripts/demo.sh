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

echo "== 网页界面的演示账户（每个角色一个） =="
existing=$(dangan -w "$WS" user list --json | python3 -c 'import json,sys; print(" ".join(u["name"] for u in json.load(sys.stdin)))')
pwfile=$(mktemp); trap 'rm -f "$pwfile"' EXIT
for pair in "qiantai:staff:qiantai-demo" "danganyuan:archivist:danganyuan-demo" "shenpiren:approver:shenpiren-demo" "guanliyuan:admin:guanliyuan-demo"; do
  IFS=: read -r name role pw <<<"$pair"
  if [[ " $existing " != *" $name "* ]]; then
    printf '%s\n' "$pw" >"$pwfile"
    dangan -w "$WS" user add "$name" --role "$role" --password-file "$pwfile" >/dev/null
  fi
  printf '  %-12s %-10s 密码 %s\n' "$name" "$role" "$pw"
done
port=${DANGAN_DEMO_PORT:-8000}
if [[ -n ${DANGAN_DEMO_NO_SERVE:-} ]]; then
  echo "（DANGAN_DEMO_NO_SERVE 已设置，不启动网页服务）"
  exit 0
fi
echo "== 网页界面：http://127.0.0.1:$port/ （用上面的账户登录；Ctrl+C 停止） =="
exec dangan -w "$WS" serve --host 127.0.0.1 --port "$port"
