"""The agent's command line: `loaxa-agent`, `python -m agent` and `loaxa agent` all land here.

    pair --server URL --code CODE --state DIR [--name N] [--force]
    run --state DIR [--player auto|mpv|ffplay|aplay|none] [--clock ISO-TIMESTAMP]
    status --state DIR
    install-service [--state DIR] [--user U] [--output PATH] [--player P]
"""

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from agent import __version__
from agent.clock import parse_instant
from agent.pairing import PairingError, pair
from agent.player import CHOICES, PlayerError
from agent.service import DEFAULT_OUTPUT, DEFAULT_STATE, install
from agent.settings import SettingsError
from agent.state import StateError

log = logging.getLogger("agent")


def _clock(raw: str) -> datetime:
    try:
        return parse_instant(raw, "--clock")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser(prog: str = "loaxa-agent") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Tác tử phát thanh loaxa cho một cụm loa.")
    parser.add_argument("--version", action="version", version=f"loaxa-agent {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    p = sub.add_parser("pair", help="ghép thiết bị với cụm loa bằng mã ghép một lần")
    p.add_argument("--server", required=True, help="địa chỉ máy chủ, ví dụ http://192.168.1.10:8000")
    p.add_argument("--code", required=True, help="mã ghép 8 ký tự, ví dụ K7QM-2XPA")
    p.add_argument("--state", required=True, type=Path, help="thư mục trạng thái, ví dụ /var/lib/loaxa-agent")
    p.add_argument("--name", help="tên thiết bị (hiện trên trang quản trị)")
    p.add_argument("--force", action="store_true", help="ghép lại khi thư mục đã ghép")

    r = sub.add_parser("run", help="chạy phát theo lịch (chạy liên tục)")
    r.add_argument("--state", required=True, type=Path, help="thư mục trạng thái")
    r.add_argument("--player", choices=CHOICES, default="auto", help="trình phát (mặc định: tự chọn)")
    r.add_argument("--clock", type=_clock, help="bắt đầu đồng hồ của tác tử ở thời điểm này (thử nghiệm)")

    s = sub.add_parser("status", help="xem tình trạng: bộ nhớ đệm, mục sắp phát, nhật ký chưa gửi, lỗi")
    s.add_argument("--state", required=True, type=Path, help="thư mục trạng thái")

    i = sub.add_parser("install-service", help="ghi tệp dịch vụ systemd để tác tử tự chạy")
    i.add_argument("--state", type=Path, default=DEFAULT_STATE, help=f"thư mục trạng thái (mặc định {DEFAULT_STATE})")
    i.add_argument("--user", help="người dùng chạy dịch vụ (mặc định: người đang chạy lệnh)")
    i.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"tệp đơn vị (mặc định {DEFAULT_OUTPUT})")
    i.add_argument("--player", choices=CHOICES, default="auto", help="trình phát")
    return parser


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "paho"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None, prog: str = "loaxa-agent") -> int:
    args = build_parser(prog).parse_args(argv)
    _setup_logging(args.verbose)
    try:
        if args.command == "pair":
            device = pair(server=args.server, code=args.code, state_dir=args.state, name=args.name,
                          force=args.force)
            print(f"Đã ghép với cụm loa {device.cluster_name or device.cluster_id} (mã {device.cluster_id}). "
                  f"Trạng thái lưu ở {args.state}.")
            print(f"Chạy thử: {prog} run --state {args.state}")
            print(f"Chạy như dịch vụ: sudo {prog} install-service --state {args.state}")
            return 0
        if args.command == "run":
            from agent.runner import Agent

            return Agent(args.state, player=args.player, clock_start=args.clock).run()
        if args.command == "status":
            from agent.status import report

            print(report(args.state))
            return 0
        print(install(state_dir=args.state, user=args.user, output=args.output, player=args.player))
        return 0
    except (PairingError, StateError, SettingsError, PlayerError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"Lỗi: không có quyền ghi {exc.filename}: chạy lại với sudo hoặc chọn --output khác", file=sys.stderr)
        return 1
