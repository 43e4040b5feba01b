"""Which package reacts to which event (core.events): the one place where those links are made.

Every process entry point calls `wire_events()` before it does any work: `api.app.create_app` (the
web pages and API, and the thread task backend that runs inside the same process) and the `loaxa`
command line, whose callback runs before every command (`loaxa worker` runs render tasks, which
publish "content_changed"; `loaxa demo` and `loaxa contents render` approve and render content;
`loaxa scheduler` runs tasks too). It fails at start, loudly, if an event that some package
publishes has no handler. (`python -m scheduler`, which may not import `api`, subscribes the
devices handlers itself: its builds publish "playlists_republished"; another event raises there.)
"""

from airtime import hooks as airtime_hooks
from core import events
from devices import hooks as devices_hooks
from playlists import hooks as playlists_hooks

# Events some package publishes; each must have a handler before a process starts its work.
PUBLISHED_EVENTS = (events.CONTENT_CHANGED, events.PLAYLISTS_REPUBLISHED, events.CONTENT_CAMPAIGN_CHANGED)


def wire_events() -> None:
    """Subscribe every package's handlers (idempotent), then check that each published event has one."""
    playlists_hooks.register()  # first: the rebuild is queued before devices are told
    devices_hooks.register()
    airtime_hooks.register()
    events.require(*PUBLISHED_EVENTS)
