"""How playlists follows what other packages announce (core.events).

- "content_changed" (campaigns: approved content got its audio, or was withdrawn, archived or
  replaced): submit the task `playlists.tasks.content_changed`, which brings today's playlists
  of the clusters the change touches in line once the publisher's transaction has committed
  (`playlists.changes.apply_content_change`).

`register()` subscribes the handlers; every process entry point calls it through
`api.wiring.wire_events`.
"""

from sqlmodel import Session

from core import events
from core.tasks import submit
from playlists import tasks

# Checked on import: renaming the task function breaks here, at start, not in a worker later.
CONTENT_CHANGED_TASK = f"{tasks.__name__}:{tasks.content_changed.__name__}"


def on_content_changed(*, session: Session, content_id: int, reason: str) -> None:
    """Queue the rebuild of what `content_id` touches (runs after the caller's commit)."""
    submit(session, CONTENT_CHANGED_TASK, title=f"Cập nhật danh sách phát theo tin {content_id}",
           kwargs={"content_id": content_id})


def register() -> None:
    events.subscribe(events.CONTENT_CHANGED, on_content_changed)
