"""Playlists follow approvals through the "content_changed" event (core.events), wired at start
(api.wiring); without the wiring an approval fails loudly instead of leaving playlists behind."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time

import pytest
from sqlmodel import Session, col, select

from api.wiring import PUBLISHED_EVENTS, wire_events
from core import events
from core.tasks import Task, wait
from core.timeutil import now_utc
from devices import hooks as devices_hooks
from playlists import hooks
from playlists.queries import current_playlist, playlist_items
from tests.campaigns.audio import short_mp3
from tests.campaigns.helpers import API, act, create_content
from tests.playlists.helpers import add_slot


def _submitted_with_recording(client, auth, area_id: int) -> int:
    """A content item with a human recording, submitted: approving it publishes "content_changed" at once."""
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[area_id])
    upload = client.post(f"{API}/contents/{item['id']}/audio", headers=op,
                         files={"file": ("tin.mp3", short_mp3(), "audio/mpeg")})
    assert upload.status_code == 200, upload.text
    act(client, op, item["id"], "submit")
    return item["id"]


@contextmanager
def _unwired() -> Iterator[None]:
    """The process as if started without api.wiring.wire_events(): nothing handles "content_changed"."""
    events.unsubscribe(events.CONTENT_CHANGED, hooks.on_content_changed)
    events.unsubscribe(events.CONTENT_CHANGED, devices_hooks.on_content_changed)  # devices push emergencies
    assert events.subscribers(events.CONTENT_CHANGED) == ()
    try:
        yield
    finally:
        wire_events()


@pytest.fixture
def unwired_client(client):
    """The app's client, after its start, with the handler gone."""
    with _unwired():
        yield client


def test_an_approval_puts_the_content_in_todays_playlists(client, engine, world, auth, settings):
    add_slot(engine, world.commune_a.id, "Sáng", time(6, 0), 30)
    content_id = _submitted_with_recording(client, auth, world.commune_a.id)
    approved = act(client, auth("approver_a"), content_id, "approve")
    assert approved["status"] == "approved"
    with Session(engine) as s:
        task = s.exec(select(Task).where(Task.func == hooks.CONTENT_CHANGED_TASK)
                      .order_by(col(Task.id).desc())).first()
    assert task is not None and task.kwargs == {"content_id": content_id}
    assert wait(engine, task.id, 120).status == "done"
    today = now_utc().astimezone(settings.tz).date()
    with Session(engine) as s:
        for cluster in world.clusters_a:
            playlist = current_playlist(s, cluster.id, today)
            assert playlist is not None
            assert content_id in {i.content_id for i in playlist_items(s, playlist.id)}
        assert current_playlist(s, world.clusters_b[0].id, today) is None  # not targeted: not rebuilt


def test_an_approval_without_the_wiring_fails_loudly_and_is_not_kept(unwired_client, engine, world, auth):
    client = unwired_client
    content_id = _submitted_with_recording(client, auth, world.commune_a.id)
    with pytest.raises(events.NoSubscriber, match="content_changed"):
        client.post(f"{API}/contents/{content_id}/approve", headers=auth("approver_a"))
    # The request's transaction was rolled back: the item waits for approval, no task was queued.
    assert client.get(f"{API}/contents/{content_id}", headers=auth("operator_a")).json()["status"] == "submitted"
    with Session(engine) as s:
        assert s.exec(select(Task).where(Task.func == hooks.CONTENT_CHANGED_TASK)).first() is None


def test_a_process_start_without_the_wiring_is_refused():
    with _unwired(), pytest.raises(events.NoSubscriber, match="content_changed"):
        events.require(*PUBLISHED_EVENTS)
    wire_events()  # what create_app and the command line do first
    events.require(*PUBLISHED_EVENTS)
    # Playlists first (the rebuild is queued), then devices (the emergency or its end is pushed).
    assert events.subscribers(events.CONTENT_CHANGED) == (hooks.on_content_changed,
                                                          devices_hooks.on_content_changed)
    assert events.subscribers(events.PLAYLISTS_REPUBLISHED) == (devices_hooks.on_playlists_republished,)


def test_publishing_an_event_nobody_subscribed_to_raises(engine):
    with Session(engine) as s, pytest.raises(events.NoSubscriber, match="no_such_event"):
        events.publish("no_such_event", session=s, content_id=1)
