"""Named events between domain packages: a package announces that something happened, others react.

A package that must tell another one something it may not import (campaigns may not import
playlists) publishes a named event; the package that reacts subscribes a handler to it. The link
is made explicit at start, not by a string found at run time: every process entry point (the API's
`create_app`, the `loaxa` command line) subscribes the handlers (`api.wiring.wire_events`) and
then calls `require(...)` for the events it may publish, which raises when nothing handles one.
Publishing an event nobody subscribed to raises too: a missed reaction is a bug, never a log line.

Handlers run in the publisher's thread and transaction (`session=`), in the order subscribed, and
take keyword arguments only: `handler(session=..., **payload)`. Keep them short: a handler that
has real work to do submits a task (`core.tasks.submit`), which runs after the commit.

Events (name: payload):
- "content_changed": content_id, reason. Approved content got its audio, or was withdrawn,
  archived, replaced or (an emergency) ended (published by campaigns; playlists follows it on
  today's playlists, devices push an emergency or its end).
- "content_campaign_changed": content_id, old_campaign_id. A content now serves another campaign (or
  none), already flushed (published by campaigns; airtime moves its aired totals between campaigns in
  the same transaction, `airtime.rollups.rebuild_for_content`).
- "playlists_republished": day, cluster_ids. These clusters' current playlists of `day` were
  replaced by a new version (published by playlists after the flip commits; devices tell the
  clusters' players to sync).
"""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

CONTENT_CHANGED = "content_changed"
PLAYLISTS_REPUBLISHED = "playlists_republished"
CONTENT_CAMPAIGN_CHANGED = "content_campaign_changed"

Handler = Callable[..., object]

_handlers: dict[str, list[Handler]] = {}


class NoSubscriber(RuntimeError):
    """An event that something must react to has no handler: the process was started without its wiring."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No handler is subscribed to the event {name!r}: call api.wiring.wire_events() "
                         f"when the process starts.")
        self.name = name


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler(session=..., **payload)` on each `publish(name, ...)`; subscribing twice is harmless."""
    handlers = _handlers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    """Forget a handler (tests that check what happens without it)."""
    handlers = _handlers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(name: str) -> tuple[Handler, ...]:
    return tuple(_handlers.get(name, ()))


def require(*names: str) -> None:
    """Raise NoSubscriber unless every event in `names` has a handler (call at process start)."""
    for name in names:
        if not _handlers.get(name):
            raise NoSubscriber(name)


def publish(name: str, *, session: Session, **payload: Any) -> None:
    """Run every handler of `name` in the caller's transaction; NoSubscriber if there is none."""
    handlers = subscribers(name)
    if not handlers:
        raise NoSubscriber(name)
    for handler in handlers:
        handler(session=session, **payload)
