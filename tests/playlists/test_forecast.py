"""The weekly forecast: planned minutes per cluster against the campaign's target, with a capacity warning."""

from datetime import date, time

from sqlmodel import Session, func, select

from playlists.models import Playlist
from tests.playlists.helpers import add_campaign, add_content, add_slot, make_mp3

WEEK = "2026-W24"  # Monday 8 June .. Sunday 14 June 2026


def _forecast(client, headers, campaign_id, **params):
    return client.get(f"/api/v1/campaigns/{campaign_id}/forecast", params=params, headers=headers)


def test_forecast_meets_target_when_slots_can_hold_it(client, auth, engine, world, store):
    # Commune A: a 1-minute slot every day; three 10 s items -> 30 s a day, 3.5 min a week.
    add_slot(engine, world.commune_a.id, "Sáng", time(6, 0), 1)
    campaign = add_campaign(engine, "Thi đua", [world.commune_a.id], target_minutes_per_week=2)
    for i in range(3):
        add_content(engine, f"Tin {i}", [world.commune_a.id], make_mp3(store, 10, 300 + 70 * i), campaign_id=campaign)
    body = _forecast(client, auth("operator_a"), campaign, week=WEEK).json()
    assert body["week"] == WEEK and body["week_start"] == "2026-06-08" and body["week_end"] == "2026-06-14"
    assert body["clusters"] == 2 and body["clusters_below_target"] == 0
    assert not body["capacity_shortfall"] and body["warnings"] == []
    for row in body["rows"]:
        assert row["planned_minutes"] >= 2 and row["target_minutes"] == 2 and row["meets_target"] is True
        assert row["slot_minutes"] == 7
    # Nothing was published by forecasting.
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Playlist)).one() == 0


def test_forecast_warns_of_capacity_shortfall_before_the_week(client, auth, engine, world, store):
    add_slot(engine, world.province.id, "Sáng", time(6, 0), 1, weekdays="01234")  # 5 min a week
    small = add_campaign(engine, "Nhỏ", [world.province.id], target_minutes_per_week=2)
    big = add_campaign(engine, "Lớn", [world.province.id], target_minutes_per_week=10)
    for i in range(4):
        add_content(engine, f"Nhỏ {i}", [world.province.id], make_mp3(store, 10, 300 + 50 * i), campaign_id=small)
        add_content(engine, f"Lớn {i}", [world.province.id], make_mp3(store, 10, 700 + 50 * i), campaign_id=big)
    body = _forecast(client, auth("supervisor"), big, week_start="2026-06-10").json()  # any day of the week
    assert body["week"] == WEEK and body["clusters"] == 4
    assert body["capacity_shortfall"] and body["clusters_short_of_capacity"] == 4
    assert body["clusters_below_target"] == 4
    assert any("Thiếu thời lượng" in w for w in body["warnings"])
    row = body["rows"][0]
    assert row["slot_minutes"] == 5 and row["targets_minutes"] == 12 and row["shortfall_minutes"] == 7
    # Ratios, not seconds: both campaigns get about the same share of their target.
    small_body = _forecast(client, auth("supervisor"), small, week=WEEK).json()
    share_small = small_body["rows"][0]["planned_minutes"] / 2
    share_big = row["planned_minutes"] / 10
    assert abs(share_small - share_big) < 0.15


def test_forecast_scope_and_bad_weeks(client, auth, engine, world):
    campaign = add_campaign(engine, "Xã A", [world.commune_a.id], target_minutes_per_week=1)
    assert _forecast(client, auth("operator_b"), campaign, week=WEEK).status_code in (403, 404)
    assert _forecast(client, auth("operator_a"), campaign, week=WEEK).status_code == 200
    assert _forecast(client, auth("operator_a"), 999_999, week=WEEK).status_code == 404
    for bad in ("2026-W60", "2026-24", "W24"):
        response = _forecast(client, auth("operator_a"), campaign, week=bad)
        assert response.status_code == 422 and "detail" in response.json(), bad
    far = _forecast(client, auth("operator_a"), campaign, week_start=date(2040, 1, 1).isoformat())
    assert far.status_code == 422
    empty = _forecast(client, auth("operator_a"), campaign, week=WEEK).json()
    assert any("chưa có khung giờ" in w for w in empty["warnings"])
