from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel

from core.db import alembic_config, import_all_models, make_engine, upgrade_database
from core.tasks import Task


def test_timestamps_come_back_aware_utc_whatever_offset_went_in(engine):
    hanoi = timezone(timedelta(hours=7))
    sent = datetime(2026, 11, 22, 6, 30, tzinfo=hanoi)
    with Session(engine) as session:
        task = Task(func="x:y", title="t", created_at=sent)
        session.add(task)
        session.commit()
        task_id = task.id
    with Session(engine) as session:
        stored = session.get(Task, task_id).created_at
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 21, 23, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(engine):
    with Session(engine) as session:
        session.add(Task(func="x:y", title="t", created_at=datetime(2026, 1, 1)))
        with pytest.raises(sa.exc.StatementError):
            session.commit()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_build_exactly_the_models_schema(empty_db_url):
    """A model change without a migration fails here (the alembic `check` the CI relies on)."""
    url = empty_db_url
    upgrade_database(url)
    upgrade_database(url)  # idempotent on start
    import_all_models()
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'updown.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")


def test_rollup_migration_backfills_the_events_already_stored(empty_db_url):
    """0009 creates airtime_rollup and fills it from play_event: the same totals ingest keeps."""
    from datetime import date

    from airtime.ingest import ingest_plays
    from airtime.rollups import ROLLUP
    from core.areas import AreaLevel
    from core.db import session_scope
    from tests.airtime.builders import TZ, event, local, make_campaign, make_content
    from tests.factories import area

    url = empty_db_url
    upgrade_database(url)
    engine = make_engine(url)
    day = date(2026, 3, 2)
    with session_scope(engine) as s:
        province = area(s, "Tỉnh", AreaLevel.province)
        cluster = area(s, "Cụm", AreaLevel.cluster, area(s, "Xã", AreaLevel.commune, province)).id
        made = make_campaign(s, "A", day, day)
        campaign = made.id
        a, loose = make_content(s, "Tin A", campaign=made).id, make_content(s, "Tin lẻ").id
        ingest_plays(s, cluster_id=cluster, tz=TZ, events=[
            event(a, local(day, 6), 60_000), event(a, local(day, 7), 30_000, "interrupted"),
            event(a, local(day, 8), 50_000, "failed"), event(loose, local(day, 9), 20_000)])

    def rollups() -> set:
        with engine.connect() as conn:
            return {(d if isinstance(d, date) else date.fromisoformat(d), k, ms, n) for d, k, ms, n in conn.execute(
                sa.select(ROLLUP.c.local_day, ROLLUP.c.campaign_id, ROLLUP.c.aired_ms, ROLLUP.c.plays))}

    kept = rollups()
    assert kept == {(day, campaign, 90_000, 2), (day, 0, 20_000, 1)}
    cfg = alembic_config(url)
    command.downgrade(cfg, "0007")
    command.upgrade(cfg, "head")
    assert rollups() == kept
    engine.dispose()
