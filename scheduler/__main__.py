"""`python -m scheduler`: the standalone scheduler process (same as `loaxa playlists scheduler`)."""

import logging
import sys

from core import events
from core.config import get_settings
from core.db import make_engine, upgrade_database
from devices import hooks as devices_hooks
from scheduler.service import run_standalone

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    # This process may not import api (api.wiring), but its builds republish playlists: devices tell players.
    devices_hooks.register()
    events.require(events.PLAYLISTS_REPUBLISHED)
    settings.ensure_dirs()
    upgrade_database(settings.sqlalchemy_url)
    sys.exit(run_standalone(settings, make_engine(settings.sqlalchemy_url)))
