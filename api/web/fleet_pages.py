"""The fleet page ("Thiết bị"): every cluster's player in the user's subtree, open alarms, live commands;
and the pairing code box of a cluster's page."""

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import IdPath, SessionDep, SettingsDep
from api.routes.clusters import base_url
from api.web.area_choices import area_options, area_or_scope
from api.web.common import (
    FormDep,
    OperatorPage,
    ReaderPage,
    flash,
    form_ids,
    form_value,
    local_today,
    redirect,
    render,
    tr,
    trf,
    web_router,
)
from campaigns.contents import list_contents
from campaigns.models import ContentStatus
from core.areas import AreaLevel
from core.collation import vn_sort_key
from core.errors import DomainError, Forbidden
from core.timeutil import now_utc
from core.users import Role
from devices import alarms, commands, pairing
from devices.status import STATE_LABELS, DeviceState, StatusRules, counts_by_commune, fleet

router = web_router()

SORTS = {
    "name": lambda r: (vn_sort_key(r.commune_name), vn_sort_key(r.cluster_name)),
    "state": lambda r: (list(DeviceState).index(r.state), vn_sort_key(r.cluster_name)),
    "seen": lambda r: (r.last_seen_at is None, -(r.last_seen_at.timestamp() if r.last_seen_at else 0)),
    "alarms": lambda r: (-r.open_alarms, vn_sort_key(r.cluster_name)),
}


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, session: SessionDep, settings: SettingsDep, principal: ReaderPage,
               area_id: int | None = None, state: str | None = None, sort: str = "name") -> Response:
    area = area_or_scope(session, principal, area_id)
    now = now_utc()
    rows = fleet(session, area=area, rules=StatusRules(settings.device_heartbeat_s, settings.device_offline_after_s),
                 now=now)
    communes = counts_by_commune(rows)
    shown = [r for r in rows if not state or r.state.value == state]
    shown.sort(key=SORTS.get(sort, SORTS["name"]))
    open_alarms = alarms.list_alarms(session, area=area, tz=settings.tz, limit=200)
    can_command = principal.role in (Role.admin, Role.operator)
    playable = []
    if can_command:
        items, _total = list_contents(session, actor=principal, status=ContentStatus.approved,
                                      today=local_today(request), limit=200)
        today = local_today(request)
        playable = [c for c in items if c.valid_from <= today <= c.valid_until]
    return render(request, "fleet.html", rows=shown, total=len(rows), communes=communes, area=area,
                  state=state or "", sort=sort, states=[(s.value, STATE_LABELS[s]) for s in DeviceState],
                  counts={s.value: sum(1 for r in rows if r.state == s) for s in DeviceState},
                  alarms=open_alarms, can_command=can_command, playable=playable,
                  # The area pages are for the roles that manage or audit areas, not approvers.
                  area_links=principal.role != Role.approver,
                  areas=area_options(session, principal, [AreaLevel.province, AreaLevel.district,
                                                          AreaLevel.commune, AreaLevel.cluster]))


@router.post("/fleet/commands", response_class=HTMLResponse)
def fleet_command(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                  form: FormDep) -> Response:
    kind = form_value(form, "type") or ""
    area_ids = form_ids(form, "area_ids")
    content = form_value(form, "content_id")
    volume = form_value(form, "volume")
    now = now_utc()
    try:
        sent = commands.send_live_command(
            session, actor=principal, type=kind, area_ids=area_ids, now=now, today=local_today(request),
            base_url=base_url(request, settings), content_id=int(content) if content and content.isdigit() else None,
            volume=int(volume) if volume and volume.isdigit() else None, tz=settings.tz)
    except (DomainError, ValueError) as exc:
        session.rollback()
        if isinstance(exc, DomainError):
            flash(request, exc.message, "err")
        else:  # an unknown command kind (CommandType(...) refused it, in English)
            flash(request, trf(request, "Không có lệnh “{command}”.", command=kind), "err")
        return redirect("/fleet")
    label = commands.COMMAND_LABELS[commands.CommandType(sent.type)]
    flash(request, trf(request, "Đã gửi lệnh “{command}” tới {count} cụm loa.", command=tr(request, label),
                        count=len(sent.cluster_ids)))
    return redirect("/fleet")


@router.post("/fleet/alarms/{alarm_id}/ack", response_class=HTMLResponse)
def fleet_ack(request: Request, session: SessionDep, principal: OperatorPage, alarm_id: IdPath) -> Response:
    alarm = alarms.get_alarm(session, alarm_id)
    area_or_scope(session, principal, alarm.cluster_id)
    alarms.acknowledge_alarm(session, alarm, by=principal.user_id, now=now_utc())
    flash(request, tr(request, "Đã xác nhận cảnh báo."))
    return redirect("/fleet")


@router.post("/areas/{area_id}/pairing-code", response_class=HTMLResponse)
def pairing_code_box(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                     area_id: IdPath) -> HTMLResponse:
    """The htmx box of a cluster's page: a fresh code, its expiry and the agent's command."""
    cluster = area_or_scope(session, principal, area_id)
    if cluster is None:
        raise Forbidden()
    issued = pairing.create_pairing_code(session, cluster, created_by=principal.user_id, now=now_utc())
    return render(request, "_pairing.html", issued=issued,
                  command=pairing.pair_command(base_url(request, settings), issued.code))
