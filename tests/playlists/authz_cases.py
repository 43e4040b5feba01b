"""Authorisation cases for the schedule and playlist endpoints (imported by tests/api/test_authz_matrix.py).

Every case acts on commune A / cluster A1 of the test world. Callers not listed must be refused.
"""

from datetime import time

from core.timeutil import now_utc
from tests.api.test_authz_matrix import ALL_HUMANS_INSIDE, CALLERS
from tests.authz_case import Case

INSIDE_AND_DEVICE = {**ALL_HUMANS_INSIDE, "device_a": 200}
WRITERS = {"admin": 200, "operator": 200, "operator_a": 200}
EVERY_HUMAN = {**ALL_HUMANS_INSIDE, "operator_b": 200, "approver_b": 200, "supervisor_b": 200}


def _engine(ctx):
    return ctx.client.app.state.engine


def _settings(ctx):
    return ctx.client.app.state.settings


def _today(ctx) -> str:
    return now_utc().astimezone(_settings(ctx).tz).date().isoformat()


def _new_slot(ctx) -> None:
    """A fresh slot on commune A (written directly: it is the object under test, not the request)."""
    from tests.playlists.helpers import add_slot

    n = ctx.next()
    ctx.slot_id = add_slot(_engine(ctx), ctx.world.commune_a.id, f"Khung {n}", time(n % 24, 0), 30)


def _slot_once(ctx) -> None:
    if not hasattr(ctx, "slot_id"):
        _new_slot(ctx)


def _new_commemoration(ctx) -> None:
    from core.db import session_scope
    from playlists.models import Commemoration

    n = ctx.next()
    with session_scope(_engine(ctx)) as s:
        row = Commemoration(name=f"Ngày {n}", month=1 + n % 12, day=1 + n % 28, area_id=ctx.world.commune_a.id)
        s.add(row)
        s.flush()
        ctx.commemoration_id = row.id


def _published(ctx) -> None:
    """Commune A has a slot, approved content with audio, a campaign, and today's playlists built."""
    if getattr(ctx, "published", False):
        return
    from playlists.service import build_day
    from tests.playlists.helpers import add_campaign, add_content, add_slot, make_mp3, media_store

    engine, settings, world = _engine(ctx), _settings(ctx), ctx.world
    audio = make_mp3(media_store(settings), 2)
    ctx.campaign_id = add_campaign(engine, "Chiến dịch xã A", [world.commune_a.id], target_minutes_per_week=3)
    add_content(engine, "Tin xã A", [world.commune_a.id], audio, campaign_id=ctx.campaign_id)
    add_content(engine, "Báo bão", [world.commune_a.id], audio, level="emergency")
    add_slot(engine, world.commune_a.id, "Bản tin sáng", time(6, 0), 2)
    build_day(engine, day=now_utc().astimezone(settings.tz).date(), tz=settings.tz, area_id=world.commune_a.id)
    ctx.audio = audio
    ctx.published = True


def _filler_body(ctx):
    from tests.playlists.helpers import make_mp3, media_store

    audio = make_mp3(media_store(_settings(ctx)), 3, 200)
    return {"area_id": ctx.world.commune_a.id, "sha256": audio.sha256}


def _filler_afresh(ctx) -> None:
    ctx.filler = False
    _filler_once(ctx)


def _filler_once(ctx) -> None:
    if getattr(ctx, "filler", False):
        return
    from core.db import session_scope
    from playlists.fillers import FillerSet, set_filler
    from tests.playlists.helpers import make_mp3, media_store

    store = media_store(_settings(ctx))
    audio = make_mp3(store, 3, 200)
    with session_scope(_engine(ctx)) as s:
        set_filler(s, FillerSet(area_id=ctx.world.commune_a.id, sha256=audio.sha256), scope=None, store=store)
    ctx.filler = True


def _playlist(suffix: str):
    return lambda c: f"/api/v1/clusters/{c.world.clusters_a[0].id}/playlists/{_today(c)}{suffix}"


def _slot_body(ctx):
    n = ctx.next()
    return {"area_id": ctx.world.clusters_a[0].id, "name": f"Khung riêng {n}", "start_time": f"{n % 24:02d}:30",
            "duration_minutes": 20}


CASES: list[Case] = [
    Case("create slot on A1", "POST", lambda c: "/api/v1/slots", {"admin": 201, "operator": 201, "operator_a": 201},
         json=_slot_body),
    Case("effective slots of A1", "GET", lambda c: f"/api/v1/slots?area_id={c.world.clusters_a[0].id}",
         INSIDE_AND_DEVICE, setup=_slot_once),
    Case("list slots", "GET", lambda c: "/api/v1/slots", EVERY_HUMAN | {"device_a": 200, "device_b": 200}),
    Case("get slot of A", "GET", lambda c: f"/api/v1/slots/{c.slot_id}", INSIDE_AND_DEVICE, setup=_slot_once),
    Case("rename slot of A", "PATCH", lambda c: f"/api/v1/slots/{c.slot_id}", WRITERS,
         json=lambda c: {"name": f"Đổi tên {c.next()}"}, setup=_slot_once),
    Case("delete slot of A", "DELETE", lambda c: f"/api/v1/slots/{c.slot_id}",
         {"admin": 204, "operator": 204, "operator_a": 204}, setup=_new_slot),
    Case("list commemorations", "GET", lambda c: "/api/v1/slots/commemorations",
         EVERY_HUMAN | {"device_a": 200, "device_b": 200}),
    Case("add commemoration for A", "POST", lambda c: "/api/v1/slots/commemorations",
         {"admin": 201, "operator": 201, "operator_a": 201},
         json=lambda c: {"name": "Ngày truyền thống xã", "month": 1 + c.next() % 12, "day": 9,
                         "area_id": c.world.commune_a.id}),
    Case("delete commemoration of A", "DELETE", lambda c: f"/api/v1/slots/commemorations/{c.commemoration_id}",
         {"admin": 204, "operator": 204, "operator_a": 204}, setup=_new_commemoration),
    Case("filler of A1", "GET", lambda c: f"/api/v1/slots/filler?area_id={c.world.clusters_a[0].id}",
         INSIDE_AND_DEVICE, setup=_filler_once),
    Case("set filler of A", "PUT", lambda c: "/api/v1/slots/filler", WRITERS, json=_filler_body),
    Case("remove filler of A", "DELETE", lambda c: f"/api/v1/slots/filler/{c.world.commune_a.id}",
         {"admin": 204, "operator": 204, "operator_a": 204}, setup=_filler_afresh),
    Case("build playlists of A", "POST", lambda c: "/api/v1/playlists/build", WRITERS,
         json=lambda c: {"date": _today(c), "area_id": c.world.commune_a.id}),
    Case("list builds", "GET", lambda c: "/api/v1/playlists/builds", EVERY_HUMAN),
    Case("forecast of a campaign in A", "GET", lambda c: f"/api/v1/campaigns/{c.campaign_id}/forecast",
         ALL_HUMANS_INSIDE, setup=_published),
    Case("playlist JSON of A1", "GET", _playlist(""), INSIDE_AND_DEVICE, setup=_published),
    Case("playlist M3U8 of A1", "GET", _playlist(".m3u8"), INSIDE_AND_DEVICE, setup=_published),
    Case("playlist bundle of A1", "GET", _playlist("/bundle"), INSIDE_AND_DEVICE, setup=_published),
    Case("programme MP3 of A1", "GET", _playlist("/programme/0.mp3"), INSIDE_AND_DEVICE, setup=_published),
    Case("playlist explanation of A1", "GET", _playlist("/explain"), INSIDE_AND_DEVICE, setup=_published),
    Case("alerts of A1", "GET", lambda c: f"/api/v1/clusters/{c.world.clusters_a[0].id}/alerts", INSIDE_AND_DEVICE,
         setup=_published),
    Case("media file", "GET", lambda c: f"/media/{c.audio.sha256}.{c.audio.ext}",
         dict.fromkeys(CALLERS, 200), setup=_published),
]


# ---------------------------------------------------------------------------- relays and priority orders

_DOWN = "http://127.0.0.1:9/khong-co"  # loopback, nobody listens: the check fails fast, the relay is saved


def _relay_body(ctx):
    return {"name": f"Tiếp sóng {ctx.next()}", "stream_url": _DOWN, "start_time": "12:00", "duration_minutes": 30,
            "area_ids": [ctx.world.commune_a.id]}


def _new_relay(ctx) -> None:
    """A relay on commune A (written through the service: it is the object under test, not the request)."""
    from core.db import session_scope
    from playlists.relays import RelayCreate, create_relay
    from playlists.stream_check import NOT_CHECKED

    with session_scope(_engine(ctx)) as s:
        row = create_relay(s, RelayCreate(**_relay_body(ctx)), scope=None, checker=lambda _url: NOT_CHECKED,
                           tz=_settings(ctx).tz)
        ctx.relay_id = row.id


def _relay_once(ctx) -> None:
    if not hasattr(ctx, "relay_id"):
        _new_relay(ctx)


def _order_body(ctx):
    return {"area_id": ctx.world.commune_a.id, "slot_id": ctx.slot_id, "date": _today(ctx), "content_ids": []}


CASES += [
    Case("create relay on A", "POST", lambda c: "/api/v1/relays", {"admin": 201, "operator": 201, "operator_a": 201},
         json=_relay_body),
    Case("list relays", "GET", lambda c: "/api/v1/relays", EVERY_HUMAN),
    Case("get relay of A", "GET", lambda c: f"/api/v1/relays/{c.relay_id}", ALL_HUMANS_INSIDE, setup=_relay_once),
    Case("change relay of A", "PATCH", lambda c: f"/api/v1/relays/{c.relay_id}", WRITERS,
         json=lambda c: {"duration_minutes": 1 + c.next() % 60}, setup=_relay_once),
    Case("delete relay of A", "DELETE", lambda c: f"/api/v1/relays/{c.relay_id}",
         {"admin": 204, "operator": 204, "operator_a": 204}, setup=_new_relay),
    Case("order priority items of A", "PUT", lambda c: "/api/v1/priority-orders", WRITERS, json=_order_body,
         setup=_slot_once),
    Case("priority order of A", "GET",
         lambda c: f"/api/v1/priority-orders?area_id={c.world.commune_a.id}&slot_id={c.slot_id}&date={_today(c)}",
         ALL_HUMANS_INSIDE, setup=_slot_once),
    Case("priority clashes of A1", "GET", _playlist("/priority-clashes"), ALL_HUMANS_INSIDE, setup=_published),
]
