"""The dashboard: what needs the user's attention today, by role."""

from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from airtime.aggregate import ReportQuery
from airtime.reports import airtime_rows
from airtime.silent import silent_clusters
from api.deps import SessionDep, SettingsDep
from api.web.airtime_pages import default_period
from api.web.common import ReaderPage, local_today, render, tomorrow, tr, trf, web_router
from campaigns import contents
from campaigns.models import ContentStatus
from core import formatting
from core.areas import get_areas
from core.config import Settings
from core.formatting import percent_label
from core.timeutil import now_utc
from core.users import Principal, Role
from devices.alarms import list_alarms
from devices.status import StatusRules, fleet
from playlists.queries import list_clusters_without_playlist

router = web_router()

SHOWN = 5
MAX_MISSING_COUNTED = 2000


@dataclass
class Panel:
    """One dashboard card: a count, a few example rows, a link to the full list."""

    key: str
    title: str
    href: str
    count: int = 0
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (label, detail, href)
    note: tuple[str, str] | None = None  # (text, href) under the rows


def _approvals(request: Request, session: Session, principal: Principal) -> Panel:
    today = local_today(request)
    mine = principal.role == Role.operator  # an operator watches its own submissions
    rows, total = contents.list_contents(session, actor=principal, status=ContentStatus.submitted, mine=mine,
                                         today=today, limit=SHOWN)
    panel = Panel("approvals", "Tin bài chờ duyệt",
                  "/approvals" if principal.role in (Role.approver, Role.admin) else "/contents?status=submitted",
                  total)
    panel.rows = [(c.title, formatting.date_text(c.valid_from), f"/contents/{c.id}") for c in rows]
    return panel


def _missing_playlists(request: Request, session: Session, principal: Principal) -> Panel:
    day = tomorrow(request)
    found = list_clusters_without_playlist(session, day=day, scope=principal.scope, limit=MAX_MISSING_COUNTED)
    panel = Panel("missing", "Cụm loa chưa có danh sách phát ngày mai", f"/playlists?day={day:%d/%m/%Y}",
                  len(found))
    parents = get_areas(session, {c.parent_id for c in found[:SHOWN]})
    rows = []
    for c in found[:SHOWN]:
        parent = parents.get(c.parent_id) if c.parent_id is not None else None
        # The playlists page of the cluster's commune (or of the cluster, for a user scoped to it) for that
        # day: its build button is the fix.
        where = parent.id if parent is not None and principal.can_see(parent) else c.id
        rows.append((c.name, parent.name if parent else "", f"/playlists?area_id={where}&day={day:%d/%m/%Y}"))
    panel.rows = rows
    return panel


def _behind_target(request: Request, session: Session, settings: Settings, principal: Principal) -> Panel:
    start, end = default_period(local_today(request))  # the airtime page's default period, which it links to
    rows = airtime_rows(session, ReportQuery(start, end, "campaign", principal.scope, tz=settings.tz))
    behind = sorted((r for r in rows if r.compliance is not None and r.compliance < 1),
                    key=lambda r: r.compliance or 0)
    panel = Panel("behind", "Chiến dịch chưa đạt chỉ tiêu", f"/airtime?from={start:%d/%m/%Y}&to={end:%d/%m/%Y}",
                  len(behind))
    # Each row opens the campaign, where more content for it is written ("Soạn tin mới").
    panel.rows = [(r.label, percent_label(r.compliance or 0),
                   f"/campaigns/{r.key}" if r.key.isdigit() else panel.href) for r in behind[:SHOWN]]
    panel.note = (trf(request, "Kỳ báo cáo: {start} – {end}", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"),
                  panel.href)
    return panel


def _silent(request: Request, session: Session, settings: Settings, principal: Principal) -> Panel:
    """Clusters with no as-run report for days, and clusters whose paired player is offline (the fleet)."""
    now = now_utc()
    found = silent_clusters(session, area=principal.scope, now=now, after_days=settings.silent_after_days)
    rules = StatusRules(settings.device_heartbeat_s, settings.device_offline_after_s)
    offline = [r for r in fleet(session, area=principal.scope, rules=rules, now=now, states={"offline", "never"})
               if r.devices]
    ids = {s.cluster_id for s in found} | {r.cluster_id for r in offline}
    panel = Panel("silent", "Cụm loa im lặng", "/fleet", len(ids))
    rows = [(r.cluster_name, trf(request, "{state} (thiết bị)", state=tr(request, r.state_label)),
             f"/fleet?area_id={r.cluster_id}") for r in offline]
    rows += [(s.label, trf(request, "{days} ngày", days=s.silent_days) if s.silent_days is not None
              else tr(request, "chưa phát lần nào"),
              f"/areas/{s.cluster_id}") for s in found if s.cluster_id not in {r.cluster_id for r in offline}]
    panel.rows = rows[:SHOWN]
    open_alarms = len(list_alarms(session, area=principal.scope, tz=settings.tz, limit=1000))
    panel.note = (trf(request, "Cảnh báo đang mở: {count}", count=open_alarms), "/fleet#alarms")
    return panel


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, settings: SettingsDep,
                   principal: ReaderPage) -> HTMLResponse:
    panels = [_approvals(request, session, principal), _missing_playlists(request, session, principal),
              _behind_target(request, session, settings, principal), _silent(request, session, settings, principal)]
    if principal.role == Role.approver:  # the queue is the approver's own work
        panels[0].title = "Tin bài chờ bạn duyệt"
    return render(request, "dashboard.html", panels=panels, tomorrow=tomorrow(request))
