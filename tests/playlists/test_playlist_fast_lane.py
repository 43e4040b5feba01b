"""The playlist 304 fast lane (api/playlist_fast_lane.py): a device with its own playlist's ETag gets the
route's very 304 from one SQL statement; every other caller and case still gets the route's answer, so a
revoked token, another cluster's device or a stale ETag are never answered 304."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from core.db import session_scope
from core.timeutil import now_utc
from core.users import AccessToken, issue_device_token
from tests.playlists.helpers import add_content, add_slot, make_mp3

URL = "/api/v1/clusters/{}/playlists/{}"


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def built(client, world, auth, engine, store, settings):
    """Today's playlists of commune A's two clusters; a device token for each."""
    from datetime import time

    add_content(engine, "Tin thử", [world.commune_a.id], make_mp3(store, 2))
    add_slot(engine, world.commune_a.id, "Bản tin sáng", time(6, 0), 2)
    day = now_utc().astimezone(settings.tz).date()
    answer = client.post("/api/v1/playlists/build", json={"date": day.isoformat(), "area_id": world.commune_a.id},
                         headers=auth("operator"))
    assert answer.status_code == 200, answer.text
    tokens = {}
    with session_scope(engine) as s:
        for cluster in world.clusters_a:
            tokens[cluster.id] = {"Authorization": f"Bearer {issue_device_token(s, cluster)[0]}"}
    return day, tokens


def test_a_device_with_its_etag_gets_the_routes_304_from_one_statement(client, world, engine, built) -> None:
    day, tokens = built
    cluster = world.clusters_a[0].id
    url = URL.format(cluster, day.isoformat())
    first = client.get(url, headers=tokens[cluster])
    assert first.status_code == 200
    etag = first.headers["etag"]
    with statements(engine) as seen:
        fast = client.get(url, headers=tokens[cluster] | {"If-None-Match": etag})
    assert fast.status_code == 304 and fast.content == b"" and len(seen) == 1
    # The same answer as the route gives another reader (an operator: not the fast lane).
    with statements(engine) as seen:
        slow = client.get(url, headers={"If-None-Match": etag} | _operator(client, world))
    assert slow.status_code == 304 and len(seen) > 1
    same = ("etag", "cache-control", "x-content-type-options", "x-frame-options", "content-security-policy")
    assert {h: fast.headers.get(h) for h in same} == {h: slow.headers.get(h) for h in same}
    assert "content-length" not in fast.headers or fast.headers["content-length"] == "0"
    # A list, a weak tag, "*": as the route compares them.
    for sent in (f'"x", {etag}', f"W/{etag}", "*"):
        assert client.get(url, headers=tokens[cluster] | {"If-None-Match": sent}).status_code == 304


def _operator(client, world) -> dict[str, str]:
    from tests.factories import PASSWORD

    answer = client.post("/api/v1/auth/token", data={"username": "operator_a", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_everything_else_gets_the_routes_own_answer(client, world, engine, built) -> None:
    day, tokens = built
    mine, other = world.clusters_a[0].id, world.clusters_a[1].id
    url = URL.format(mine, day.isoformat())
    etag = client.get(url, headers=tokens[mine]).headers["etag"]
    # Another cluster's device, even with the right ETag: 403.
    assert client.get(url, headers=tokens[other] | {"If-None-Match": etag}).status_code == 403
    # A stale ETag: the whole playlist; no token: 401; a query string: the route.
    stale = client.get(url, headers=tokens[mine] | {"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.json()["cluster_id"] == mine
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 401
    assert client.get(url, headers={"If-None-Match": etag, "Authorization": "Bearer nope"}).status_code == 401
    assert client.get(url + "?x=1", headers=tokens[mine] | {"If-None-Match": etag}).status_code == 304
    # A day without a playlist: the route's 404; a bad date: its 422.
    tomorrow = URL.format(mine, (day + timedelta(days=1)).isoformat())
    assert client.get(tomorrow, headers=tokens[mine] | {"If-None-Match": etag}).status_code == 404
    assert client.get(URL.format(mine, "2026-02-30"), headers=tokens[mine] | {"If-None-Match": etag}).status_code == 422
    # Revoked, or (for any token that has one) expired: 401, never the 304.
    with session_scope(engine) as s:
        row = s.exec(select(AccessToken).where(AccessToken.cluster_id == mine)).one()
        row.expires_at = now_utc() - timedelta(seconds=1)
        s.add(row)
    assert client.get(url, headers=tokens[mine] | {"If-None-Match": etag}).status_code == 401
    with session_scope(engine) as s:
        row = s.exec(select(AccessToken).where(AccessToken.cluster_id == mine)).one()
        row.expires_at, row.revoked_at = None, now_utc()
        s.add(row)
    revoked = client.get(url, headers=tokens[mine] | {"If-None-Match": etag})
    assert revoked.status_code == 401 and "thu hồi" in revoked.json()["detail"]
