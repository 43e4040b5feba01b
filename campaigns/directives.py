"""Directives ("kế hoạch", "công văn"): the documents campaigns and quotas come from.

A directive's recipients ("Kính gửi") are areas; one without recipients is national and every
reader sees it. A scoped operator's new directive is addressed to their own area by default.
"""

from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, col, func, select

from campaigns.models import CampaignDirective, Directive, DirectiveArea
from campaigns.schemas import DirectiveCreate, DirectivePublic, DirectiveUpdate
from campaigns.scope import load_areas, overlap_condition, overlaps, require_within
from campaigns.search import fold, search_text
from core.areas import Area
from core.db import replace_rows, saved_id
from core.errors import Forbidden, Invalid, NotFound
from core.timeutil import now_utc
from core.users import Principal


def create_directive(session: Session, data: DirectiveCreate, *, actor: Principal,
                     at: datetime | None = None) -> Directive:
    """A new directive; `at` (default now) is when it was recorded (the demo's past history)."""
    at = at or now_utc()
    area_ids = data.area_ids if data.area_ids is not None else ([saved_id(actor.scope)] if actor.scope else [])
    areas = load_areas(session, area_ids)
    if actor.scope is not None and not areas:
        raise Invalid("Văn bản cần có nơi nhận trong phạm vi được giao.")
    require_within(areas, actor.scope)
    directive = Directive(**data.model_dump(exclude={"area_ids"}), created_by=actor.user_id, created_at=at,
                          updated_at=at)
    directive.search_text = search_text(directive.number, directive.issuer, directive.title)
    session.add(directive)
    session.flush()
    _set_areas(session, saved_id(directive), [saved_id(a) for a in areas])
    return directive


def find_or_create_directive(session: Session, data: DirectiveCreate, *, actor: Principal) -> Directive:
    """The directive with this number and issuer (and date, when given), or a new one."""
    query = select(Directive).where(Directive.number == data.number, Directive.issuer == data.issuer)
    if data.issued_on is not None:
        query = query.where(Directive.issued_on == data.issued_on)
    for existing in session.exec(query.order_by(col(Directive.id))):
        if can_read(session, existing, actor):
            return existing
    return create_directive(session, data, actor=actor)


def update_directive(session: Session, directive: Directive, data: DirectiveUpdate, *,
                     actor: Principal) -> Directive:
    require_writable(session, directive, actor)
    changes = data.model_dump(exclude_unset=True)
    for key in ("number", "issuer", "title"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    area_ids = changes.pop("area_ids", None)
    for key, value in changes.items():
        setattr(directive, key, value)
    if directive.starts_on and directive.ends_on and directive.ends_on < directive.starts_on:
        raise Invalid("Ngày kết thúc trước ngày bắt đầu.")
    if area_ids is not None:
        areas = load_areas(session, area_ids)
        if actor.scope is not None and not areas:
            raise Invalid("Văn bản cần có nơi nhận trong phạm vi được giao.")
        require_within(areas, actor.scope)
        _set_areas(session, saved_id(directive), [saved_id(a) for a in areas])
    directive.search_text = search_text(directive.number, directive.issuer, directive.title)
    directive.updated_at = now_utc()
    session.add(directive)
    session.flush()
    return directive


def get_directive(session: Session, directive_id: int, *, actor: Principal) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None or not can_read(session, directive, actor):
        raise NotFound("văn bản chỉ đạo", directive_id)
    return directive


def can_read(session: Session, directive: Directive, actor: Principal) -> bool:
    areas = recipient_areas(session, saved_id(directive))
    return actor.scope is None or not areas or any(overlaps(a, actor.scope) for a in areas)


def require_writable(session: Session, directive: Directive, actor: Principal) -> None:
    areas = recipient_areas(session, saved_id(directive))
    if actor.scope is not None and not areas:
        raise Forbidden("Văn bản không có nơi nhận (toàn quốc): chỉ người dùng cấp trung ương được sửa.")
    require_within(areas, actor.scope)


def recipient_areas(session: Session, directive_id: int) -> list[Area]:
    query = (select(Area).join(DirectiveArea, col(DirectiveArea.area_id) == col(Area.id))
             .where(DirectiveArea.directive_id == directive_id).order_by(col(Area.id)))
    return list(session.exec(query))


def list_directives(session: Session, *, actor: Principal, q: str | None = None, area_id: int | None = None,
                    limit: int = 100, offset: int = 0) -> tuple[list[Directive], int]:
    query = select(Directive)
    for scope in (s for s in (actor.scope, _area(session, area_id)) if s is not None):
        addressed = (select(DirectiveArea.directive_id).join(Area, col(Area.id) == col(DirectiveArea.area_id))
                     .where(overlap_condition(scope)))
        national = select(DirectiveArea.directive_id)
        query = query.where(col(Directive.id).in_(addressed) | col(Directive.id).not_in(national))
    if q and fold(q):
        query = query.where(col(Directive.search_text).contains(fold(q), autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Directive.issued_on).desc(), col(Directive.id).desc())
                        .offset(offset).limit(limit))
    return list(rows), total


def directives_public(session: Session, directives: list[Directive], *,
                      with_text: bool = False) -> list[DirectivePublic]:
    ids = [d.id for d in directives]
    areas: dict[int, list[int]] = defaultdict(list)
    campaigns: dict[int, list[int]] = defaultdict(list)
    if ids:
        for link in session.exec(select(DirectiveArea).where(col(DirectiveArea.directive_id).in_(ids))
                                 .order_by(col(DirectiveArea.area_id))):
            areas[link.directive_id].append(link.area_id)
        for clink in session.exec(select(CampaignDirective).where(col(CampaignDirective.directive_id).in_(ids))
                                  .order_by(col(CampaignDirective.campaign_id))):
            campaigns[clink.directive_id].append(clink.campaign_id)
    return [DirectivePublic(id=saved_id(d), number=d.number, issued_on=d.issued_on, issuer=d.issuer, title=d.title,
                            starts_on=d.starts_on, ends_on=d.ends_on, area_ids=areas[saved_id(d)],
                            campaign_ids=campaigns[saved_id(d)], full_text=d.full_text if with_text else None,
                            created_at=d.created_at)
            for d in directives]


def _area(session: Session, area_id: int | None) -> Area | None:
    if area_id is None:
        return None
    area = session.get(Area, area_id)
    if area is None:
        raise Invalid(f"Địa bàn mã {area_id} không tồn tại.")
    return area


def _set_areas(session: Session, directive_id: int, area_ids: list[int]) -> None:
    replace_rows(session, session.exec(select(DirectiveArea).where(DirectiveArea.directive_id == directive_id)),
                 (DirectiveArea(directive_id=directive_id, area_id=area_id) for area_id in area_ids))
    session.flush()
