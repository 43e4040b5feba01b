#!/usr/bin/env bash
# Set up, migrate, load the demo and serve loaxa on http://127.0.0.1:8000/ (embedded defaults:
# SQLite and media under ./var, in-process scheduler and task workers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/loaxa db upgrade
.venv/bin/loaxa demo
host=${LOAXA_HOST:-127.0.0.1}
port=${LOAXA_PORT:-8000}
echo
echo "==> Mở http://$host:$port/ và đăng nhập, ví dụ: bientap / loaxa-demo-2026 (biên tập viên),"
echo "    pheduyet / loaxa-demo-2026 (người duyệt), giamsat / loaxa-demo-2026 (giám sát), admin / loaxa-demo-2026."
echo "    API: http://$host:$port/docs"
exec .venv/bin/loaxa serve --host "$host" --port "$port"
