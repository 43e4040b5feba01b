"""As-run ingest: idempotency, concurrency, partial acceptance, validation, who may post."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime.chain import verify_cluster
from airtime.ingest import MAX_BATCH, ingest_plays
from airtime.models import PlayChain, PlayEvent
from core.db import session_scope
from tests.airtime.builders import TZ, event, make_content, send_to
from tests.factories import device_headers

TODAY = datetime.now(TZ).date()


@pytest.fixture
def content(engine, world):
    with session_scope(engine) as s:
        item = make_content(s, "Tin phòng chống bão lũ")
        send_to(s, world.clusters_a[0].id, item)  # what a device reports must have reached it
        return item


@pytest.fixture
def cluster(world):
    return world.clusters_a[0]


@pytest.fixture
def device(client, auth, cluster):
    return device_headers(client, auth("admin"), cluster.id)


def _url(cluster_id: int) -> str:
    return f"/api/v1/clusters/{cluster_id}/plays"


def _stored(engine, cluster_id: int) -> list[PlayEvent]:
    with Session(engine) as s:
        return list(s.exec(select(PlayEvent).where(PlayEvent.cluster_id == cluster_id).order_by(col(PlayEvent.seq))))


def _batch(content_id: int, n: int, start: datetime | None = None, prefix: str = "e") -> list[dict]:
    start = start or datetime.now(UTC) - timedelta(hours=12)
    return [event(content_id, start + timedelta(minutes=2 * i), 60_000 + i, event_id=f"{prefix}{i}")
            for i in range(n)]


def test_batch_then_resend_changes_nothing(client, engine, device, cluster, content):
    batch = _batch(content.id, 5)
    first = client.post(_url(cluster.id), json={"events": batch}, headers=device)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 5, "duplicates": 0, "rejected": 0, "errors": []}
    before = [(r.seq, r.event_id, bytes(r.hash)) for r in _stored(engine, cluster.id)]
    again = client.post(_url(cluster.id), json={"events": batch}, headers=device)
    assert again.json() == {"accepted": 0, "duplicates": 5, "rejected": 0, "errors": []}
    assert [(r.seq, r.event_id, bytes(r.hash)) for r in _stored(engine, cluster.id)] == before
    # A half-new batch: only the new half is stored, continuing the chain.
    mixed = batch[3:] + _batch(content.id, 2, prefix="new")
    third = client.post(_url(cluster.id), json={"events": mixed}, headers=device).json()
    assert (third["accepted"], third["duplicates"]) == (2, 2)
    rows = _stored(engine, cluster.id)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    with Session(engine) as s:
        assert verify_cluster(s, cluster.id).ok


def test_stored_values_are_exact(client, engine, device, cluster, content):
    started = datetime(2026, 3, 1, 23, 59, 30, 123456, tzinfo=TZ)
    body = {"events": [{"event_id": "x-1", "content_id": content.id, "started_at": started.isoformat(),
                        "duration_ms": 90_500, "status": "interrupted"}]}
    assert client.post(_url(cluster.id), json=body, headers=device).json()["accepted"] == 1
    (row,) = _stored(engine, cluster.id)
    assert row.started_at == started and row.started_at.tzinfo is not None
    assert row.local_day == date(2026, 3, 1)  # 16:59 UTC is still the 1st in Hà Nội
    assert (row.duration_ms, row.status, row.entered_by) == (90_500, "interrupted", None)


def test_same_id_twice_in_one_batch_is_a_duplicate(client, engine, device, cluster, content):
    e = _batch(content.id, 1)[0]
    res = client.post(_url(cluster.id), json={"events": [e, dict(e)]}, headers=device).json()
    assert (res["accepted"], res["duplicates"]) == (1, 1)
    assert len(_stored(engine, cluster.id)) == 1


def test_same_batch_concurrently_from_two_threads(engine, world, cluster, content):
    """Two senders race with the same batch (and two more with distinct ones): each event is stored once,
    the chain stays gap-free and verifies."""
    same = _batch(content.id, 200, prefix="same")
    batches = [same, same, _batch(content.id, 150, prefix="p"), _batch(content.id, 150, prefix="q")]
    barrier = threading.Barrier(len(batches))
    results, errors = [], []

    def send(batch):
        try:
            barrier.wait()
            with session_scope(engine) as s:
                results.append(ingest_plays(s, cluster_id=cluster.id, events=batch, tz=TZ))
        except Exception as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(r.accepted for r in results) == 500
    assert sum(r.duplicates for r in results) == 200
    rows = _stored(engine, cluster.id)
    assert len(rows) == 500 and len({r.event_id for r in rows}) == 500
    assert [r.seq for r in rows] == list(range(1, 501))
    with Session(engine) as s:
        check = verify_cluster(s, cluster.id)
        assert check.ok and check.checked == 500
        assert s.get(PlayChain, cluster.id).seq == 500


def test_same_batch_concurrently_over_http(client, engine, device, cluster, content):
    batch = _batch(content.id, 100)
    barrier = threading.Barrier(2)
    answers = []

    def post():
        barrier.wait()
        answers.append(client.post(_url(cluster.id), json={"events": batch}, headers=device))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted((a.json()["accepted"], a.json()["duplicates"]) for a in answers) == [(0, 100), (100, 0)]
    assert len(_stored(engine, cluster.id)) == 100


def test_partial_acceptance_reports_bad_events_by_index(client, engine, device, cluster, content):
    now = datetime.now(UTC)
    good = _batch(content.id, 2)
    bad = [
        {**event(content.id, now, 1000), "content_id": 999_999},                        # 2 unknown content
        {**event(content.id, now, 1000), "started_at": "2026-03-01T06:00:00"},          # 3 naive timestamp
        event(content.id, now + timedelta(minutes=30), 1000),                           # 4 future
        event(content.id, now, -5),                                                     # 5 negative
        event(content.id, now, 6 * 3600 * 1000 + 1),                                    # 6 absurd (> 6 h)
        event(content.id, now, 1000, status="paused"),                                  # 7 unknown status
        {"event_id": "only-id"},                                                        # 8 missing fields
        "not an object",                                                                # 9
        {**event(content.id, now, 1000), "started_at": "hôm qua"},                      # 10 not a time
        event(content.id, datetime(1970, 1, 1, tzinfo=UTC), 1000),                      # 11 clock reset
        {**event(content.id, now, 1000), "event_id": ""},                               # 12 empty id
        {**event(content.id, now, 1000), "content_id": True},                           # 13 bool id
        {**event(content.id, now, 1000), "event_id": "x" * 5000},                       # 14 id too long
    ]
    res = client.post(_url(cluster.id), json={"events": good + bad}, headers=device)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 0, len(bad))
    by_index = {}
    for err in body["errors"]:
        by_index.setdefault(err["index"], set()).add(err["field"])
        assert err["message"]
    assert by_index == {2: {"content_id"}, 3: {"started_at"}, 4: {"started_at"}, 5: {"duration_ms"},
                        6: {"duration_ms"}, 7: {"status"},
                        8: {"content_id", "started_at", "duration_ms", "status"}, 9: {"event"},
                        10: {"started_at"}, 11: {"started_at"}, 12: {"event_id"}, 13: {"content_id"},
                        14: {"event_id"}}
    messages = {e["index"]: e["message"] for e in body["errors"]}
    assert "múi giờ" in messages[3] and "tương lai" in messages[4] and "6 giờ" in messages[6]
    assert len(next(e for e in body["errors"] if e["index"] == 14)["event_id"]) == 65  # not echoed whole
    assert [r.event_id for r in _stored(engine, cluster.id)] == [g["event_id"] for g in good]


def test_all_bad_is_422_and_stores_nothing(client, engine, device, cluster, content):
    now = datetime.now(UTC)
    res = client.post(_url(cluster.id), headers=device, json={"events": [
        event(content.id, now, -1), event(999_999, now, 1000)]})
    assert res.status_code == 422
    body = res.json()
    assert "không hợp lệ" in body["detail"] and body["rejected"] == 2
    assert [e["index"] for e in body["errors"]] == [0, 1]
    assert _stored(engine, cluster.id) == []
    with Session(engine) as s:
        assert s.get(PlayChain, cluster.id) is None


@pytest.mark.parametrize("body", [{}, {"events": "x"}, {"events": None}, [], {"events": [{}] * (MAX_BATCH + 1)}])
def test_malformed_requests_are_422(client, device, cluster, body):
    res = client.post(_url(cluster.id), json=body, headers=device)
    assert res.status_code == 422 and "detail" in res.json()


def test_empty_batch_is_fine(client, device, cluster):
    res = client.post(_url(cluster.id), json={"events": []}, headers=device)
    assert res.json() == {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": []}


def test_who_may_post(client, engine, world, auth, cluster, content):
    batch = _batch(content.id, 1)
    other_device = device_headers(client, auth("admin"), world.clusters_b[0].id)
    res = client.post(_url(cluster.id), json={"events": batch}, headers=other_device)
    assert res.status_code == 403 and "cụm loa khác" in res.json()["detail"]
    for name in ("supervisor", "approver_a", "operator_b"):
        assert client.post(_url(cluster.id), json={"events": batch}, headers=auth(name)).status_code == 403
    assert _stored(engine, cluster.id) == []
    manual = client.post(_url(cluster.id), json={"events": batch}, headers=auth("operator_a"))
    assert manual.json()["accepted"] == 1
    (row,) = _stored(engine, cluster.id)
    with Session(engine) as s:
        operator_id = s.execute(sa.text("SELECT id FROM app_user WHERE username = 'operator_a'")).scalar_one()
    assert row.entered_by == operator_id


def test_not_a_cluster(client, auth, world):
    admin = auth("admin")
    assert client.post(_url(world.commune_a.id), json={"events": []}, headers=admin).status_code == 422
    assert client.post(_url(2_000_000), json={"events": []}, headers=admin).status_code == 404


def test_last(client, device, auth, cluster, content):
    url = f"/api/v1/clusters/{cluster.id}/plays/last"
    empty = client.get(url, headers=device).json()
    assert empty["last_started_at"] is None and empty["events"] == 0
    start = datetime(2026, 5, 1, 0, 30, tzinfo=UTC)
    batch = [event(content.id, start + timedelta(minutes=m), 1000, event_id=f"l{m}") for m in (5, 40, 20)]
    client.post(_url(cluster.id), json={"events": batch}, headers=device)
    last = client.get(url, headers=auth("supervisor_a")).json()
    assert last["last_started_at"] == "2026-05-01T08:10:00+07:00"  # answered in +07:00
    assert last["last_event_id"] == "l40" and last["events"] == 3
    # An older event sent late does not move "last" back.
    client.post(_url(cluster.id), json={"events": [event(content.id, start, 1000, event_id="late")]}, headers=device)
    assert client.get(url, headers=device).json()["last_event_id"] == "l40"


def test_a_device_reports_only_what_reached_its_cluster(client, engine, auth, device, cluster, content, world):
    """Another commune's draft, content never sent here and a made-up id are refused alike; an emergency
    alert for the cluster's commune and a play-now command are what reached it too."""
    from campaigns.models import ContentArea, ContentRevision
    from core.levels import ContentLevel
    from devices.models import DeviceCommand

    with session_scope(engine) as s:
        foreign_draft = make_content(s, "Bản nháp của xã khác", approved=False)
        never_sent = make_content(s, "Tin chưa gửi tới cụm")
        alert = make_content(s, "Cảnh báo lũ quét")
        alert_revision = s.get(ContentRevision, alert.airing_revision_id)
        alert_revision.level = ContentLevel.emergency
        s.add(ContentArea(revision_id=alert.airing_revision_id, content_id=alert.id, area_id=world.commune_a.id))
        played_now = make_content(s, "Thông báo phát ngay")
        s.add(DeviceCommand(command_id="cmd-1", cluster_id=cluster.id, type="play_now",
                            payload={"content_id": played_now.id}, expires_at=datetime.now(UTC)))
        ids = (foreign_draft.id, never_sent.id, alert.id, played_now.id)
    now = datetime.now(UTC) - timedelta(minutes=5)
    events = [event(cid, now, 1000, event_id=f"x{cid}") for cid in (*ids, 999_999)]
    res = client.post(_url(cluster.id), json={"events": events}, headers=device)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    refused = {err["index"]: err["message"] for err in body["errors"]}
    assert set(refused) == {0, 1, 4}
    # Same words for a content that exists elsewhere and one that does not: nothing learnt about others.
    assert refused[0] == f"Không có tin, bài mã {ids[0]}." and refused[4] == "Không có tin, bài mã 999999."
    assert {e.content_id for e in _stored(engine, cluster.id)} == {ids[2], ids[3]}
    # An operator entering plays by hand for the cluster is trusted with any content of the system.
    typed = client.post(_url(cluster.id), headers=auth("operator_a"),
                        json={"events": [event(ids[1], now, 1000, event_id="by-hand")]})
    assert typed.status_code == 200 and typed.json()["accepted"] == 1
