"""The README's "pair and run an agent against the demo server in three commands", run for real: the
demo loaded and served (what `make run` ends with), the pairing code made by the second command, the
command it prints run as printed, and the agent playing a demo slot through a real player (ffplay with
SDL's dummy audio driver) until the server has what it played."""

import os
import re
import shlex
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.agent.harness import FAST, ROOT, TZ, VENV, LoaxaServer, wait_for

MARKER = "<!-- readme-agent:"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(MARKER):]
    block = block[block.index("```sh\n") + 6:]
    block = block[:block.index("```")]
    return [line.split("  #")[0].strip() for line in block.strip().splitlines()]


def test_the_readme_shows_three_commands_that_pair_and_run_an_agent() -> None:
    serve, code, pair_and_run = readme_commands()
    assert serve.endswith("make run")
    assert code.startswith(".venv/bin/loaxa devices pair-code ")
    pair, run = pair_and_run.split(" && ")
    assert pair.startswith(".venv/bin/loaxa agent pair --server http://127.0.0.1:8000 --code ")
    assert run.startswith(".venv/bin/loaxa agent run --state ")


def _local(words: list[str]) -> list[str]:
    """`.venv/bin/loaxa ...` as typed in the clone, pointing at this checkout's venv."""
    assert words[0] in (".venv/bin/loaxa", "loaxa"), words
    return [str(VENV / "loaxa"), *words[1:]]


def _last_finished_slot(client: httpx.Client, cluster: int) -> dict[str, Any]:
    now = datetime.now(TZ)
    slots = []
    for day in (now.date() - timedelta(days=1), now.date()):
        res = client.get(f"/clusters/{cluster}/playlists/{day.isoformat()}")
        if res.status_code == 200:
            slots += [s for s in res.json()["slots"] if s["items"]]
    past = [s for s in slots if datetime.fromisoformat(s["ends_at"]) < now - timedelta(minutes=1)]
    assert past, "the demo has playlists for yesterday and today"
    return past[-1]


@pytest.mark.skipif(shutil.which("ffplay") is None, reason="ffplay (Debian package ffmpeg) is needed")
def test_the_readme_commands_pair_and_run_an_agent_against_the_demo(tmp_path: Path) -> None:
    _, code_line, pair_and_run = readme_commands()
    server = LoaxaServer(tmp_path / "data")
    # `make run` serves on LOAXA_PORT (8000 by default): the port the printed command names
    server.env["LOAXA_PORT"] = str(server.port)
    server.cli("demo")
    server.start()
    work = tmp_path / "clone"
    work.mkdir()
    agent: subprocess.Popen[bytes] | None = None
    try:
        made = subprocess.run(_local(shlex.split(code_line)), cwd=work, env=server.env, capture_output=True,
                              text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        printed = made.stdout.strip().splitlines()[-1].strip()
        code = re.search(r"--code (\S+)", printed)
        assert code is not None, made.stdout
        pair_line, run_line = pair_and_run.split(" && ")
        # the printed command is the README's, with the fresh code (and this server's port)
        expected = pair_line.replace("K7QM-2XPA", code.group(1)).replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        assert "loaxa " + printed.split("loaxa ", 1)[1] == expected.replace(".venv/bin/loaxa", "loaxa")
        cluster = int(re.search(r"\(id (\d+)\)", made.stdout).group(1))  # type: ignore[union-attr]
        assert re.search(r"Hết hạn lúc \d\d:\d\d \d\d/\d\d/\d{4}", made.stdout), made.stdout  # local time

        paired = subprocess.run(_local(shlex.split(printed)), cwd=work, capture_output=True, text=True, timeout=60)
        assert paired.returncode == 0, paired.stderr
        assert (work / "var" / "agent" / "device.json").exists()

        token = httpx.post(f"{server.url}/api/v1/auth/token", data={"username": "admin",
                                                                     "password": "loaxa-demo-2026"}).json()
        client = httpx.Client(base_url=f"{server.url}/api/v1", timeout=60,
                              headers={"Authorization": f"Bearer {token['access_token']}"})
        slot = _last_finished_slot(client, cluster)
        before = {e["event_id"] for e in client.get(f"/clusters/{cluster}/plays", params={"limit": 1000}).json()
                  ["events"]}
        first = slot["items"][0]
        clock = datetime.fromisoformat(first["starts_at"]) - timedelta(seconds=3)
        log = (tmp_path / "agent.log").open("wb")
        # the README's run command, its clock set just before a demo slot (its --clock tip)
        agent = subprocess.Popen([*_local(shlex.split(run_line)), "--clock", clock.isoformat()], cwd=work,
                                 env={**os.environ, **FAST, "SDL_AUDIODRIVER": "dummy"}, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)

        def new_events() -> list[dict[str, Any]]:
            events = client.get(f"/clusters/{cluster}/plays", params={"limit": 1000}).json()["events"]
            return [e for e in events if e["event_id"] not in before]

        played = wait_for(new_events, 240, "what the agent played, on the server", interval=1)
    finally:
        if agent is not None and agent.poll() is None:
            os.killpg(agent.pid, 15)
            agent.wait(timeout=30)
        server.stop()
    output = (tmp_path / "agent.log").read_text(errors="replace")
    assert "Tự chọn trình phát: ffplay" in output, output[-3000:]
    event = played[0]
    assert event["status"] == "played", (event, output[-3000:])
    assert abs((datetime.fromisoformat(event["started_at"]) -
                datetime.fromisoformat(first["starts_at"])).total_seconds()) < 1.5
    assert event.get("content_id") == first.get("content_id") or event.get("kind") == first.get("kind")
