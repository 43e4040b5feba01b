"""Playlists: build/publish a day (with progress), which clusters have one, and a cluster's day timeline."""

from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from airtime.unreported import unreported_days
from api.deps import IdPath, SessionDep, SettingsDep
from api.web.area_choices import area_options, area_or_scope
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_value,
    local_today,
    parse_date,
    parse_day_param,
    redirect,
    render,
    tr,
    trf,
    web_router,
)
from api.web.tasks_pages import task_view, visible_task
from campaigns.campaigns import get_campaigns
from core.areas import Area, AreaLevel, get_area_names, list_areas
from core.collation import vn_sort_key
from core.db import MAX_ID, saved_id
from core.errors import DomainError, Invalid, NotFound
from core.timeutil import as_utc
from core.users import Principal, Role
from media.store import media_url
from playlists.formats import load_view
from playlists.planner import REASON_LABELS
from playlists.priority_orders import PriorityOrderSet, priority_clashes, set_priority_order
from playlists.queries import get_current_playlists
from playlists.tasks import submit_build

router = web_router()

MAX_CLUSTERS_SHOWN = 500
UNREPORTED_LOOKBACK_DAYS = 14


def _page(request: Request, session: Session, principal: Principal, area: Area | None, day: date, *,
          build: dict | None = None, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    clusters = list_areas(session, scope=area, level=AreaLevel.cluster, limit=MAX_CLUSTERS_SHOWN)
    current = get_current_playlists(session, day=day, cluster_ids=[c.id for c in clusters if c.id is not None])
    parents = get_area_names(session, {c.parent_id for c in clusters})
    # By commune, then cluster, in Vietnamese alphabetical order.
    clusters.sort(key=lambda c: (vn_sort_key(parents.get(c.parent_id, "") if c.parent_id else ""),
                                 vn_sort_key(c.name)))
    return render(request, "playlists.html", status_code, area=area, day=day, clusters=clusters, current=current,
                  parents=parents, areas=area_options(session, principal, [AreaLevel.province, AreaLevel.district,
                                                                          AreaLevel.commune]),
                  missing=sum(1 for c in clusters if c.id not in current), build=build, error=error,
                  can_build=principal.role in (Role.admin, Role.operator), today=local_today(request),
                  prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


@router.get("/playlists", response_class=HTMLResponse)
def playlists_page(request: Request, session: SessionDep, principal: ReaderPage, area_id: int | None = None,
                   day: str | None = None, task: int | None = None) -> HTMLResponse:
    """The day's playlists; `task` (after "Lập danh sách phát") shows that build's progress, then its result."""
    the_day = parse_day_param(day, local_today(request), request)
    build = None
    if task is not None and 1 <= task <= MAX_ID:
        try:
            build = task_view(visible_task(session, principal, task))
        except NotFound:
            flash(request, trf(request, "Không tìm thấy tác vụ #{task}.", task=task), "err")
    return _page(request, session, principal, area_or_scope(session, principal, area_id), the_day, build=build)


@router.post("/playlists/build", response_class=HTMLResponse)
def playlists_build(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                    form: FormDep) -> Response:
    area_text = form_value(form, "area_id")
    area = area_or_scope(session, principal, int(area_text) if area_text and area_text.isdigit() else None)
    day = parse_date(form_value(form, "day"))
    try:
        if not isinstance(day, date):
            raise Invalid("Ngày: phải là ngày hợp lệ (dd/mm/yyyy).")
        done = submit_build(session, day=day, today=local_today(request), tz=settings.tz, area=area,
                            actor=principal, background=True, reason="web")
    except Invalid as exc:
        return _page(request, session, principal, area, local_today(request), status_code=422, error=exc.message)
    # Post/redirect/get: the page that follows the build is an address (a reload neither builds again nor
    # loses the progress box), and when the build ends it reloads to show the new playlists.
    where = f"&area_id={area.id}" if area is not None else ""
    task_id = done.task.id if done.task is not None else ""
    return redirect(f"/playlists?day={day:%d/%m/%Y}{where}&task={task_id}")


@router.get("/playlists/{cluster_id}", response_class=HTMLResponse)
def playlist_timeline(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage,
                      cluster_id: IdPath, day: str | None = None) -> HTMLResponse:
    cluster = area_or_scope(session, principal, cluster_id)
    if cluster is None or cluster.level != AreaLevel.cluster:
        raise NotFound("cụm loa", cluster_id)
    the_day = parse_day_param(day, local_today(request), request)
    try:
        view = load_view(session, saved_id(cluster), the_day)
    except NotFound:
        view = None
    slots = []
    if view is not None:
        campaigns = get_campaigns(session, (it.campaign_id for it in view.items))
        colors: dict[int | None, tuple[str, str]] = {i: (c.color, c.name) for i, c in campaigns.items()}
        for s in view.slots:
            starts, ends = (as_utc(_dt(s["starts_at"])), as_utc(_dt(s["ends_at"])))
            length_ms = max(1, int((ends - starts).total_seconds() * 1000))
            slot_items = view.items_of(s["index"])
            items = [{"item": it, "color": RELAY_COLOR if it.kind == "relay"
                      else colors.get(it.campaign_id, ("#9aa3ad", ""))[0],
                      "campaign": colors.get(it.campaign_id, ("", ""))[1],
                      "url": media_url(it.sha256, it.ext) if it.sha256 and it.ext else None,
                      "percent": 100 * it.duration_ms / length_ms} for it in slot_items]
            used = sum(it.duration_ms for it in slot_items)
            slots.append({"index": s["index"], "name": s["name"], "starts_at": starts, "ends_at": ends,
                          "entries": items, "used_ms": used, "length_ms": length_ms})
    clashes = {c.slot_index: c for c in priority_clashes(session, view, cluster)} if view is not None else {}
    # The cluster's recent days with a plan and no as-run report at all, up to the day shown.
    unreported, _total = unreported_days(session, day_from=the_day - timedelta(days=UNREPORTED_LOOKBACK_DAYS - 1),
                                         day_to=the_day, today=local_today(request), cluster_id=saved_id(cluster))
    return render(request, "timeline.html", cluster=cluster, day=the_day, view=view, slots=slots,
                  unreported=unreported, day_unreported=any(u.day == the_day for u in unreported),
                  left_out=view.left_out if view else [], reasons=REASON_LABELS, clashes=clashes,
                  can_reorder=principal.role in (Role.admin, Role.operator) and the_day >= local_today(request),
                  prev_day=the_day - timedelta(days=1), next_day=the_day + timedelta(days=1))


@router.post("/playlists/{cluster_id}/priority-order")
def playlist_priority_order(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                            cluster_id: IdPath, form: FormDep) -> RedirectResponse:
    """An operator's order of a slot's clashing priority items: a position typed beside each item (no script
    needed), for the whole commune or this cluster only; "reset" puts the default back."""
    cluster = area_or_scope(session, principal, cluster_id)
    if cluster is None or cluster.level != AreaLevel.cluster or cluster.parent_id is None:
        raise NotFound("cụm loa", cluster_id)
    day = parse_date(form_value(form, "day"))
    if not isinstance(day, date):
        raise Invalid("Ngày: phải là ngày hợp lệ (dd/mm/yyyy).")
    ids = [int(v) for v in form.getlist("content_ids") if isinstance(v, str) and v.isdigit()]
    positions = {cid: _position(form_value(form, f"pos_{cid}"), n) for n, cid in enumerate(ids)}
    ordered = [] if form_value(form, "reset") else sorted(ids, key=lambda cid: (positions[cid], ids.index(cid)))
    area_id = (cluster.id if form_value(form, "for") == "cluster" else cluster.parent_id) or 0
    slot_text = form_value(form, "slot_id") or ""
    back = f"/playlists/{cluster.id}?day={day:%d/%m/%Y}"
    try:
        data = PriorityOrderSet(area_id=area_id, slot_id=int(slot_text) if slot_text.isdigit() else 0, date=day,
                                content_ids=ordered)
        set_priority_order(session, data, actor=principal, today=local_today(request), tz=settings.tz)
    except DomainError as exc:
        session.rollback()
        flash(request, exc.message, "err")
        return redirect(back)
    except ValidationError:
        session.rollback()
        flash(request, tr(request, "Dữ liệu sắp xếp không hợp lệ."), "err")
        return redirect(back)
    flash(request, tr(request, "Đã về thứ tự mặc định.") if not ordered else
          tr(request, "Đã lưu thứ tự tin ưu tiên; danh sách phát của ngày này đang được lập lại theo thứ tự mới."))
    return redirect(back)


RELAY_COLOR = "#6a4c93"


def _position(text: str | None, default: int) -> float:
    try:
        return float(text) if text else float(default + 1)
    except ValueError:
        return float(default + 1)


def _dt(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value
