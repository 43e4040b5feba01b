"""The read side playlists and airtime build on: airable_contents and campaign_targets."""

from datetime import date, timedelta

from sqlmodel import Session

from campaigns.eligibility import AirableContent, CampaignTarget, airable_contents, campaign_targets
from tests.campaigns.audio import short_mp3
from tests.campaigns.helpers import API, act, create_campaign, create_content, today


def _approved(client, auth, **extra) -> dict:
    item = create_content(client, auth("operator"), **extra)
    act(client, auth("operator"), item["id"], "submit")
    return act(client, auth("approver"), item["id"], "approve")


def test_only_approved_unarchived_content_valid_in_the_range(client, world, auth, engine):
    op = auth("operator")
    campaign = create_campaign(client, op, [world.province.id], target_minutes_per_week=20, color="#AA0000")
    d0 = today()
    week = _approved(client, auth, campaign_id=campaign["id"], area_ids=[world.commune_a.id, world.clusters_b[0].id],
                     level="priority", valid_from=str(d0), valid_until=str(d0 + timedelta(days=6)))
    later = _approved(client, auth, area_ids=[world.commune_b.id], valid_from=str(d0 + timedelta(days=10)),
                      valid_until=str(d0 + timedelta(days=20)))
    create_content(client, op, area_ids=[world.commune_a.id])  # a draft
    submitted = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, submitted["id"], "submit")
    archived = _approved(client, auth, area_ids=[world.commune_a.id])
    act(client, op, archived["id"], "archive")

    with Session(engine) as session:
        today_only = airable_contents(session, day_from=d0, day_to=d0)
        fortnight = airable_contents(session, day_from=d0 + timedelta(days=6), day_to=d0 + timedelta(days=10))
        nothing = airable_contents(session, day_from=d0 + timedelta(days=7), day_to=d0 + timedelta(days=9))
    [item] = today_only
    assert isinstance(item, AirableContent)
    assert (item.content_id, item.revision_id, item.title, item.campaign_id, item.level) == (
        week["id"], week["revision_id"], week["title"], campaign["id"], "priority")
    assert (item.valid_from, item.valid_until) == (d0, d0 + timedelta(days=6))
    assert item.area_ids == tuple(sorted([world.commune_a.id, world.clusters_b[0].id]))
    assert item.approved_at.tzinfo is not None
    assert [a.content_id for a in fortnight] == [week["id"], later["id"]]  # both edges are inclusive
    assert nothing == []


def test_audio_is_reported_once_ready(client, world, auth, engine):
    op = auth("operator")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    client.post(f"{API}/contents/{item['id']}/audio", headers=op, files={"file": ("a.mp3", short_mp3(), "audio/mpeg")})
    act(client, op, item["id"], "submit")
    approved = act(client, auth("approver"), item["id"], "approve")
    with Session(engine) as session:
        [airable] = airable_contents(session, day_from=today(), day_to=today())
    audio = approved["airing"]["audio"]
    assert (airable.audio_sha256, airable.audio_ext, airable.audio_duration_ms) == (
        audio["sha256"], "mp3", audio["duration_ms"])


def test_campaign_targets(client, world, auth, engine):
    op = auth("operator")
    first = create_campaign(client, op, [world.commune_b.id, world.commune_a.id], target_minutes_per_week=12.5,
                            color="#00AA00", starts_on="2026-01-01", ends_on="2026-12-31")
    second = create_campaign(client, op, [world.province.id], name="Thi đua yêu nước")
    with Session(engine) as session:
        everything = campaign_targets(session)
        one = campaign_targets(session, [second["id"]])
        none = campaign_targets(session, [])
    assert set(everything) == {first["id"], second["id"]}
    assert everything[first["id"]] == CampaignTarget(
        campaign_id=first["id"], name="Lao động giỏi – lao động sáng tạo", color="#00aa00",
        target_minutes_per_week=12.5, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
        area_ids=tuple(sorted([world.commune_a.id, world.commune_b.id])))
    assert list(one) == [second["id"]] and one[second["id"]].area_ids == (world.province.id,)
    assert none == {}
