"""The demo schedule on the test world (its province is named Lào Cai): idempotent, builds today and tomorrow."""

from datetime import timedelta

from sqlmodel import Session, func, select

from core.db import session_scope
from core.timeutil import now_utc
from playlists.demo import load_demo_schedule
from playlists.models import SlotTemplateRow
from playlists.queries import current_playlist
from tests.playlists.helpers import add_campaign, add_content, make_mp3


def test_demo_schedule_is_idempotent_and_publishes_today_and_tomorrow(engine, world, settings, store):
    campaign = add_campaign(engine, "Thi đua", [world.province.id], target_minutes_per_week=1)
    add_content(engine, "Tin mẫu", [world.province.id], make_mp3(store, 4), campaign_id=campaign)
    lines: list[str] = []
    with session_scope(engine) as session:
        load_demo_schedule(session, settings, echo=lines.append)
    with session_scope(engine) as session:
        load_demo_schedule(session, settings, echo=lines.append)
    today = now_utc().astimezone(settings.tz).date()
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SlotTemplateRow)).one() == 4
        for day in (today, today + timedelta(days=1)):
            for cluster in world.clusters_a + world.clusters_b:
                playlist = current_playlist(s, cluster.id, day)
                assert playlist is not None and playlist.version == 1 and playlist.item_count >= 2
        assert current_playlist(s, world.other_cluster.id, today) is None  # another province
    assert any("không đổi" in line for line in lines)
    assert any(line.startswith("Dự báo tuần") and "Thi đua" in line for line in lines)
