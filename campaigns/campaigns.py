"""Campaigns: a named movement to propagate, for a period, in some areas, with a weekly airtime
target per cluster, the directives behind it and the commemorative days it builds toward."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from campaigns import commemorations
from campaigns.directives import can_read as can_read_directive
from campaigns.directives import find_or_create_directive
from campaigns.models import Campaign, CampaignArea, CampaignDirective, Content, Directive
from campaigns.schemas import (
    CampaignCreate,
    CampaignPublic,
    CampaignUpdate,
    DirectiveBrief,
    ObservancePublic,
)
from campaigns.scope import filter_scopes, load_areas, overlap_condition, overlaps, require_within
from campaigns.search import fold, search_text
from core.areas import Area
from core.db import replace_rows, saved_id
from core.errors import Invalid, NotFound
from core.timeutil import now_utc
from core.users import Principal

# Distinct, print-safe colours handed out in turn when a campaign is created without one.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")


def create_campaign(session: Session, data: CampaignCreate, *, actor: Principal,
                    at: datetime | None = None) -> Campaign:
    """A new campaign; `at` (default now) is when it was created (the demo's past history)."""
    at = at or now_utc()
    areas = load_areas(session, data.area_ids)
    require_within(areas, actor.scope)
    keys = commemorations.check_keys(data.commemorations or [])
    directive_ids = _checked_directives(session, data.directive_ids or [], actor)
    if data.directive is not None:
        directive = find_or_create_directive(session, data.directive, actor=actor)
        directive_ids = list(dict.fromkeys([*directive_ids, saved_id(directive)]))
    color = data.color or PALETTE[session.exec(select(func.count()).select_from(Campaign)).one() % len(PALETTE)]
    campaign = Campaign(name=data.name, description=data.description, starts_on=data.starts_on,
                        ends_on=data.ends_on, target_minutes_per_week=data.target_minutes_per_week,
                        color=color.lower(), commemorations=keys, search_text=search_text(data.name),
                        created_by=actor.user_id, created_at=at, updated_at=at)
    session.add(campaign)
    session.flush()
    _set_links(session, saved_id(campaign), [saved_id(a) for a in areas], directive_ids)
    return campaign


def update_campaign(session: Session, campaign: Campaign, data: CampaignUpdate, *, actor: Principal) -> Campaign:
    require_within(campaign_areas(session, saved_id(campaign)), actor.scope)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "starts_on", "ends_on", "archived"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    area_ids = changes.pop("area_ids", None)
    directive_ids = changes.pop("directive_ids", None)
    if "commemorations" in changes:
        changes["commemorations"] = commemorations.check_keys(changes["commemorations"] or [])
    if changes.get("color"):
        changes["color"] = changes["color"].lower()
    elif "color" in changes:
        changes.pop("color")
    for key, value in changes.items():
        setattr(campaign, key, value)
    campaign.search_text = search_text(campaign.name)
    if campaign.ends_on < campaign.starts_on:
        raise Invalid(f"Ngày kết thúc ({campaign.ends_on:%d/%m/%Y}) trước ngày bắt đầu "
                      f"({campaign.starts_on:%d/%m/%Y}).")
    new_areas = None
    if area_ids is not None:
        if not area_ids:
            raise Invalid("Chiến dịch cần ít nhất một địa bàn.")
        areas = load_areas(session, area_ids)
        require_within(areas, actor.scope)
        new_areas = [saved_id(a) for a in areas]
    new_directives = _checked_directives(session, directive_ids, actor) if directive_ids is not None else None
    campaign.updated_at = now_utc()
    session.add(campaign)
    session.flush()
    _set_links(session, saved_id(campaign), new_areas, new_directives)
    return campaign


def get_campaign(session: Session, campaign_id: int, *, actor: Principal) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not can_read(session, campaign, actor):
        raise NotFound("chiến dịch", campaign_id)
    return campaign


def get_campaigns(session: Session, ids: Iterable[int | None]) -> dict[int, Campaign]:
    """Campaigns by id, for labels and colours of rows that name them (unknown ids are left out)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {c.id: c for c in session.exec(select(Campaign).where(col(Campaign.id).in_(wanted))) if c.id is not None}


def list_campaigns_by_name(session: Session, *, limit: int) -> list[Campaign]:
    """Every campaign, archived ones too, by name: the choices of a report filter."""
    return list(session.exec(select(Campaign).order_by(col(Campaign.name)).limit(limit)))


def can_read(session: Session, campaign: Campaign, actor: Principal) -> bool:
    return actor.scope is None or any(overlaps(a, actor.scope) for a in campaign_areas(session, saved_id(campaign)))


def campaign_areas(session: Session, campaign_id: int) -> list[Area]:
    query = (select(Area).join(CampaignArea, col(CampaignArea.area_id) == col(Area.id))
             .where(CampaignArea.campaign_id == campaign_id).order_by(col(Area.id)))
    return list(session.exec(query))


def list_campaigns(session: Session, *, actor: Principal, q: str | None = None, area_id: int | None = None,
                   active_on: date | None = None, directive_id: int | None = None,
                   include_archived: bool = False, limit: int = 100,
                   offset: int = 0) -> tuple[list[Campaign], int]:
    query = select(Campaign)
    for scope in filter_scopes(session, actor.scope, area_id):
        inside = (select(CampaignArea.campaign_id).join(Area, col(Area.id) == col(CampaignArea.area_id))
                  .where(overlap_condition(scope)))
        query = query.where(col(Campaign.id).in_(inside))
    if not include_archived:
        query = query.where(col(Campaign.archived).is_(False))
    if active_on is not None:
        query = query.where(col(Campaign.starts_on) <= active_on, col(Campaign.ends_on) >= active_on)
    if directive_id is not None:
        linked = select(CampaignDirective.campaign_id).where(CampaignDirective.directive_id == directive_id)
        query = query.where(col(Campaign.id).in_(linked))
    if q and fold(q):
        query = query.where(col(Campaign.search_text).contains(fold(q), autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
                        .offset(offset).limit(limit))
    return list(rows), total


def campaigns_public(session: Session, campaigns: list[Campaign], *, today: date) -> list[CampaignPublic]:
    ids = [c.id for c in campaigns]
    areas: dict[int, list[int]] = defaultdict(list)
    directive_ids: dict[int, list[int]] = defaultdict(list)
    directives: dict[int, Directive] = {}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        for link in session.exec(select(CampaignArea).where(col(CampaignArea.campaign_id).in_(ids))
                                 .order_by(col(CampaignArea.area_id))):
            areas[link.campaign_id].append(link.area_id)
        for dlink, directive in session.exec(
                select(CampaignDirective, Directive)
                .join(Directive, col(Directive.id) == col(CampaignDirective.directive_id))
                .where(col(CampaignDirective.campaign_id).in_(ids)).order_by(col(Directive.id))):
            directive_ids[dlink.campaign_id].append(saved_id(directive))
            directives[saved_id(directive)] = directive
        for campaign_id, status, n in session.exec(
                select(Content.campaign_id, Content.status, func.count())
                .where(col(Content.campaign_id).in_(ids)).group_by(col(Content.campaign_id), col(Content.status))):
            if campaign_id is not None:  # always: the query asks for these campaigns
                counts[campaign_id][status] = n
    result = []
    for c in campaigns:
        days = [commemorations.next_occurrence(key, max(today, c.starts_on)) for key in c.commemorations]
        result.append(CampaignPublic(
            id=saved_id(c), name=c.name, description=c.description, starts_on=c.starts_on, ends_on=c.ends_on,
            target_minutes_per_week=c.target_minutes_per_week, color=c.color, area_ids=areas[saved_id(c)],
            directive_ids=directive_ids[saved_id(c)],
            directives=[DirectiveBrief(id=saved_id(d), number=d.number, issuer=d.issuer, title=d.title,
                                       issued_on=d.issued_on)
                        for d in (directives[i] for i in directive_ids[saved_id(c)])],
            commemorations=[ObservancePublic.of(o) for o in days],
            archived=c.archived, active=not c.archived and c.starts_on <= today <= c.ends_on,
            content_counts=counts[saved_id(c)], created_at=c.created_at))
    return result


def _checked_directives(session: Session, directive_ids: list[int], actor: Principal) -> list[int]:
    ids = list(dict.fromkeys(directive_ids))
    for directive_id in ids:
        directive = session.get(Directive, directive_id)
        if directive is None or not can_read_directive(session, directive, actor):
            raise Invalid(f"Văn bản chỉ đạo mã {directive_id} không tồn tại.")
    return ids


def _set_links(session: Session, campaign_id: int, area_ids: list[int] | None,
               directive_ids: list[int] | None) -> None:
    if area_ids is not None:
        replace_rows(session, session.exec(select(CampaignArea).where(CampaignArea.campaign_id == campaign_id)),
                     (CampaignArea(campaign_id=campaign_id, area_id=area_id) for area_id in area_ids))
    if directive_ids is not None:
        replace_rows(session,
                     session.exec(select(CampaignDirective).where(CampaignDirective.campaign_id == campaign_id)),
                     (CampaignDirective(campaign_id=campaign_id, directive_id=d) for d in directive_ids))
    session.flush()
