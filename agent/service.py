"""`loaxa agent install-service`: a systemd unit that keeps the agent running (restart always, after
the network is up), and how to enable it."""

import getpass
import os
import shlex
import sys
from pathlib import Path

DEFAULT_OUTPUT = Path("/etc/systemd/system/loaxa-agent.service")
DEFAULT_STATE = Path("/var/lib/loaxa-agent")


def unit_text(*, state_dir: Path, user: str, python: str, player: str = "auto") -> str:
    command = " ".join(shlex.quote(part) for part in
                       (python, "-m", "agent", "run", "--state", str(state_dir), "--player", player))
    return f"""[Unit]
Description=loaxa agent - phát danh sách phát cho cụm loa
Wants=network-online.target
After=network-online.target sound.target

[Service]
Type=simple
User={user}
SupplementaryGroups=audio
ExecStart={command}
Restart=always
RestartSec=5
Environment=PYTHONUNBUFFERED=1
# SIGTERM lets the agent record the item on air as interrupted before it exits.
KillSignal=SIGTERM
TimeoutStopSec=20

[Install]
WantedBy=multi-user.target
"""


def install(*, state_dir: Path, user: str | None, output: Path, player: str = "auto") -> str:
    """Write the unit file; returns what to tell the operator."""
    text = unit_text(state_dir=state_dir.resolve(), user=user or getpass.getuser(), python=sys.executable,
                     player=player)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, output)
    name = output.name
    return (f"Đã ghi {output}.\n"
            f"Bật dịch vụ (chạy cùng máy, tự khởi động lại khi lỗi):\n"
            f"  sudo systemctl daemon-reload\n"
            f"  sudo systemctl enable --now {name}\n"
            f"Xem nhật ký: journalctl -u {name} -f\n"
            f"Xem tình trạng: {shlex.quote(sys.executable)} -m agent status --state {shlex.quote(str(state_dir))}")
