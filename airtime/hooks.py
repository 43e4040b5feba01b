"""How airtime follows what other packages announce (core.events).

- "content_campaign_changed" (campaigns: a content now serves another campaign): move its aired
  totals in the roll-ups, in the publisher's transaction (`airtime.rollups.rebuild_for_content`),
  so a report never sees the content under both campaigns or neither.

`register()` subscribes the handlers; every process entry point calls it through `api.wiring.wire_events`.
"""

from sqlmodel import Session

from airtime.rollups import rebuild_for_content
from core import events


def on_content_campaign_changed(*, session: Session, content_id: int, old_campaign_id: int | None) -> None:
    rebuild_for_content(session, content_id, old_campaign_id)


def register() -> None:
    events.subscribe(events.CONTENT_CAMPAIGN_CHANGED, on_content_campaign_changed)
