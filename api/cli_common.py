"""What every `loaxa` command group shares: the database it works on, and how a command fails."""

from typing import NoReturn

import typer
from sqlalchemy.engine import Engine

from core.config import get_settings
from core.db import make_engine, upgrade_database


def open_engine() -> Engine:
    """The configured database, migrated to the latest schema first."""
    settings = get_settings()
    settings.ensure_dirs()
    upgrade_database(settings.sqlalchemy_url)
    return make_engine(settings.sqlalchemy_url)


def fail(message: str) -> NoReturn:
    """The Vietnamese message on stderr, exit status 1."""
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)
