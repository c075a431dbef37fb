#!/usr/bin/env bash
# Idempotent set-up: Debian packages (fonts, HarfBuzz subsetting, Pango, poppler, LibreOffice Writer, and
# the PostgreSQL server the test suite starts for itself), then a virtual env in .venv with dangan and its
# extras (ocr, web, test, dev, postgres).
# chromium is for the browser tests (Playwright drives Debian's chromium; it cannot download its own).
# libreoffice-writer-nogui: the tests turn every form's DOCX into a PDF with it (tests/test_forms_parity.py),
# as a clerk's Word or WPS would show it, and bench/bench_forms.py times the docx + soffice route.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils postgresql chromium
              libreoffice-writer-nogui)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [[ $SUDO == none ]]; then
    echo "缺少系统软件包：${missing[*]}"
    echo "请先运行：sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  echo "安装系统软件包：${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.dangan-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[ocr,web,test,dev,postgres]"
  touch "$stamp"
fi

# The GB2312 subset of Noto Serif CJK SC that PDFs use first (src/dangan/forms/fonts.py):
# built once into ~/.cache/dangan/fonts (about a second); otherwise it is built on first use.
.venv/bin/python -c "from dangan.forms.catalog import builtin_dir; from dangan.forms.fonts import fast_fonts; \
fonts = fast_fonts(builtin_dir()); print('快速字体：' + ('、'.join(f.path.name for f in fonts) or '未生成（仍可使用完整字体）'))"
