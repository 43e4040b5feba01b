"""An acknowledged event is never lost: a real `loaxa serve` on SQLite, killed with SIGKILL right after
answering 200, comes back with every acknowledged event (and its chain intact)."""

import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from airtime.chain import verify_cluster
from core.areas import AreaLevel
from core.db import make_engine, saved_id, session_scope, upgrade_database
from core.users import issue_device_token
from tests.airtime.builders import make_content, send_to
from tests.factories import area
from tests.ports import free_port
from tests.processes import loaxa_env, start_serve, stop


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    env = loaxa_env(data_dir, None, LOAXA_SCHEDULER_ENABLED="false")
    return start_serve(env, port, data_dir / "serve.log")


@pytest.fixture
def served(tmp_path):
    """A data dir with the schema, one cluster, one content item and the cluster's device token."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    url = f"sqlite:///{(data_dir / 'loaxa.db').resolve()}"
    upgrade_database(url)  # the migrations `serve` runs, made first so the test can add its rows
    engine = make_engine(url)
    with session_scope(engine) as s:
        province = area(s, "Tỉnh Lào Cai", AreaLevel.province, code="15")
        commune = area(s, "Xã Gia Phú", AreaLevel.commune, province, code="02923")
        cluster = area(s, "Cụm loa bản 1", AreaLevel.cluster, commune, code="B1")
        content = make_content(s, "Tin phòng chống cháy rừng")
        send_to(s, saved_id(cluster), content)
        token, _ = issue_device_token(s, cluster)
    engine.dispose()
    return data_dir, url, cluster.id, content.id, token


def test_sigkill_right_after_the_answer_loses_nothing(served):
    data_dir, url, cluster_id, content_id, token = served
    port = free_port()
    headers = {"Authorization": f"Bearer {token}"}
    start = datetime.now(UTC) - timedelta(hours=8)
    acknowledged: list[str] = []
    proc = _start(data_dir, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers=headers, timeout=30) as client:
            for batch in range(4):
                events = [{"event_id": f"b{batch}-{i}", "content_id": content_id,
                           "started_at": (start + timedelta(seconds=10 * (batch * 250 + i))).isoformat(),
                           "duration_ms": 9_000, "status": "played"} for i in range(250)]
                res = client.post(f"/clusters/{cluster_id}/plays", json={"events": events})
                assert res.status_code == 200, res.text
                assert res.json()["accepted"] == 250
                acknowledged += [e["event_id"] for e in events]
            # The last acknowledgement has just arrived: kill the server before it can do anything else.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    finally:
        stop(proc)

    proc = _start(data_dir, port)
    try:
        last = httpx.get(f"http://127.0.0.1:{port}/api/v1/clusters/{cluster_id}/plays/last", headers=headers,
                         timeout=30).json()
        assert last["events"] == 1000 and last["last_event_id"] == "b3-249"
    finally:
        stop(proc)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            stored = set(s.execute(sa.text("SELECT event_id FROM play_event WHERE cluster_id = :c"),
                                   {"c": cluster_id}).scalars())
            assert stored == set(acknowledged)
            assert verify_cluster(s, cluster_id).ok
    finally:
        engine.dispose()
