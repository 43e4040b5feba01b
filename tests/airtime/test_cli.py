"""`loaxa reports ...` against the test database."""

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import api.cli_reports as cli
from airtime.ingest import ingest_plays, sqlite_timestamp
from core.db import UTCDateTime, session_scope
from tests.airtime.builders import TZ, event, local, make_content
from tests.airtime.scenario import FROM


@pytest.fixture
def run(engine, settings, monkeypatch):
    monkeypatch.setattr(cli, "open_engine", lambda: engine)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args))


def test_airtime_to_stdout_and_files(run, scenario, world, tmp_path):
    shown = run("airtime", "--from", "2026-03-02", "--to", "2026-03-15", "--group-by", "area",
                "--area-id", str(world.province.id), "--area-level", "commune")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert {r["label"] for r in body["rows"]} == {"Phường Cam Đường", "Xã Gia Phú"}
    assert body["totals"]["aired_seconds"] > 0
    pdf = tmp_path / "bao-cao.pdf"
    made = run("airtime", "--from", FROM.isoformat(), "--to", "2026-03-15", "--format", "pdf", "-o", str(pdf))
    assert made.exit_code == 0, made.output
    assert pdf.read_bytes().startswith(b"%PDF") and not list(tmp_path.glob(".*.tmp"))
    people = tmp_path / "bao-cao.vi.csv"
    made = run("airtime", "--from", FROM.isoformat(), "--to", "2026-03-15", "--format", "csv_vi", "-o", str(people))
    assert made.exit_code == 0, made.output
    text = people.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "STT;Chiến dịch;Kế hoạch (phút)" in text.decode("utf-8-sig")
    assert run("airtime", "--from", "2026-03-15", "--to", "2026-03-01").exit_code == 1
    assert run("airtime", "--from", "15/03/2026", "--to", "2026-03-20").exit_code == 1
    assert run("airtime", "--from", "2026-03-01", "--to", "2026-03-20", "--format", "docx").exit_code == 1


def test_verify_exit_code(run, engine, world):
    with session_scope(engine) as s:
        content = make_content(s, "Tin")
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=world.clusters_a[0].id, tz=TZ,
                     events=[event(content.id, local(FROM, 6, m), 1000) for m in range(5)])
    ok = run("verify")
    assert ok.exit_code == 0 and "toàn vẹn, 5 sự kiện" in ok.output
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM play_event WHERE seq = 3"))
    broken = run("verify", "--cluster-id", str(world.clusters_a[0].id))
    assert broken.exit_code == 1 and "HỎNG tại vị trí 3" in broken.output


def test_anomalies_listing(run, engine, world):
    with session_scope(engine) as s:
        content = make_content(s, "Bản tin chưa duyệt", approved=False)
    with session_scope(engine) as s:
        ingest_plays(s, cluster_id=world.clusters_a[0].id, tz=TZ, events=[event(content.id, local(FROM, 7), 1000)])
    out = run("anomalies", "--from", FROM.isoformat(), "--to", FROM.isoformat())
    assert out.exit_code == 0, out.output
    assert "1 lần phát bất thường" in out.output and "Bản tin chưa duyệt" in out.output


def test_sqlite_timestamps_are_written_as_the_column_type_writes_them(engine):
    """Ingest writes SQLite timestamps itself (speed): they must equal what UTCDateTime would store."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    for value in (datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=TZ), datetime(2026, 1, 1, tzinfo=UTC),
                  datetime(2001, 6, 1, 12, 0, 0, 5, tzinfo=UTC) + timedelta(hours=3)):
        assert sqlite_timestamp(value) == process(value)
