"""`python -m scheduler`: the standalone scheduler process (same as `loaxa playlists scheduler`)."""

import logging
import sys

from core.config import get_settings
from core.db import make_engine, upgrade_database
from scheduler.service import run_standalone

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    settings.ensure_dirs()
    upgrade_database(settings.sqlalchemy_url)
    sys.exit(run_standalone(settings, make_engine(settings.sqlalchemy_url)))
