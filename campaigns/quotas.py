"""Content quotas from directives ("mỗi xã ít nhất 01 bài", "hàng tháng 01 đến 02 gương") and the
compliance view: which units have supplied their items this month or by the deadline, and its
rows for the quota report (`quota_rows`; airtime.documents renders them).

A unit supplies an item when the item's submitting unit (`Content.unit_area_id`) is the unit or
below it, the item is of the rule's kind (and campaign, if set), and it was first submitted in the
period. Items still awaiting approval count as submitted; `approved` counts those approved.
For a deadline, items submitted later still count toward `submitted` but `on_time` is false.
"""

import calendar
from dataclasses import dataclass
from datetime import date, tzinfo

from sqlmodel import Session, col, select

from campaigns.models import Campaign, Content, ContentStatus, Directive, QuotaPeriod, QuotaRule
from campaigns.schemas import (
    ComplianceReport,
    QuotaCreate,
    QuotaPublic,
    QuotaUpdate,
    RuleCompliance,
    UnitCompliance,
)
from campaigns.scope import load_areas, overlap_condition, overlaps, require_within
from core.areas import Area, AreaLevel, get_area, subtree_condition
from core.db import saved_id
from core.errors import Invalid, NotFound
from core.formatting import date_text
from core.timeutil import local_day_bounds
from core.users import Principal

COUNTED = (ContentStatus.submitted, ContentStatus.approved, ContentStatus.archived)


def create_rule(session: Session, data: QuotaCreate, *, actor: Principal) -> QuotaRule:
    area = load_areas(session, [data.area_id])[0]
    require_within([area], actor.scope)
    _check_refs(session, data.directive_id, data.campaign_id)
    _check_level(area, data.unit_level)
    rule = QuotaRule(**data.model_dump(), created_by=actor.user_id)
    session.add(rule)
    session.flush()
    return rule


def update_rule(session: Session, rule: QuotaRule, data: QuotaUpdate, *, actor: Principal) -> QuotaRule:
    require_within([get_area(session, rule.area_id)], actor.scope)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "area_id", "unit_level", "min_count", "period", "starts_on", "ends_on"):
        if key in changes and changes[key] is None:
            raise Invalid(f"Trường {key} không được để trống.")
    if "area_id" in changes:
        require_within(load_areas(session, [changes["area_id"]]), actor.scope)
    _check_refs(session, changes.get("directive_id"), changes.get("campaign_id"))
    for key, value in changes.items():
        setattr(rule, key, value)
    if rule.ends_on < rule.starts_on:
        raise Invalid("Ngày kết thúc trước ngày bắt đầu.")
    if rule.max_count is not None and rule.max_count < rule.min_count:
        raise Invalid("Số tối đa phải lớn hơn hoặc bằng số tối thiểu.")
    _check_level(session.get(Area, rule.area_id), rule.unit_level)
    session.add(rule)
    session.flush()
    return rule


def delete_rule(session: Session, rule: QuotaRule, *, actor: Principal) -> None:
    require_within([get_area(session, rule.area_id)], actor.scope)
    session.delete(rule)
    session.flush()


def get_rule(session: Session, rule_id: int, *, actor: Principal) -> QuotaRule:
    rule = session.get(QuotaRule, rule_id)
    area = session.get(Area, rule.area_id) if rule else None
    if rule is None or area is None or not overlaps(area, actor.scope):
        raise NotFound("chỉ tiêu", rule_id)
    return rule


def list_rules(session: Session, *, actor: Principal, directive_id: int | None = None,
               campaign_id: int | None = None) -> list[QuotaRule]:
    query = select(QuotaRule)
    if actor.scope is not None:
        query = query.where(col(QuotaRule.area_id).in_(select(Area.id).where(overlap_condition(actor.scope))))
    if directive_id is not None:
        query = query.where(QuotaRule.directive_id == directive_id)
    if campaign_id is not None:
        query = query.where(QuotaRule.campaign_id == campaign_id)
    return list(session.exec(query.order_by(col(QuotaRule.id))))


def rule_public(rule: QuotaRule) -> QuotaPublic:
    return QuotaPublic.model_validate(rule, from_attributes=True)


# --- compliance -------------------------------------------------------------------------------

def period_of(rule: QuotaRule, on: date) -> tuple[date, date] | None:
    """The period of `rule` that `on` falls in (its month, or the whole deadline window); None if none."""
    if rule.period == QuotaPeriod.deadline:
        return rule.starts_on, rule.ends_on
    first = on.replace(day=1)
    last = on.replace(day=calendar.monthrange(on.year, on.month)[1])
    start, end = max(first, rule.starts_on), min(last, rule.ends_on)
    return (start, end) if start <= end else None


def compliance(session: Session, *, actor: Principal, on: date, tz, rule_id: int | None = None,
               area_id: int | None = None) -> ComplianceReport:
    rules = [get_rule(session, rule_id, actor=actor)] if rule_id is not None else list_rules(session, actor=actor)
    focus = load_areas(session, [area_id])[0] if area_id is not None else None
    report = ComplianceReport(on=on, rules=[])
    for rule in rules:
        period = period_of(rule, on)
        if period is None:
            continue
        units = _units(session, rule, actor.scope, focus)
        rows = _count(session, rule, units, period, tz)
        met = sum(1 for r in rows if r.met)
        report.rules.append(RuleCompliance(rule=rule_public(rule), period_start=period[0], period_end=period[1],
                                           units=len(rows), met=met, behind=len(rows) - met, rows=rows))
    return report


@dataclass(frozen=True)
class QuotaRow:
    """One content quota of one unit for one period (e.g. "ít nhất 01 bài/xã"): a line of the quota report."""

    unit_label: str
    rule_label: str
    period_label: str
    required: int
    submitted: int
    approved: int
    met: bool


def quota_rows(session: Session, *, actor: Principal, on: date, tz: tzinfo, area_id: int | None = None,
               rule_id: int | None = None) -> tuple[list[QuotaRow], date, date]:
    """`compliance` on a day, one row per unit and rule; with the span of the rules' periods."""
    report = compliance(session, actor=actor, on=on, tz=tz, rule_id=rule_id, area_id=area_id)
    rows: list[QuotaRow] = []
    first, last = on, on
    for rule in report.rules:
        first, last = min(first, rule.period_start), max(last, rule.period_end)
        if rule.rule.period == "monthly":
            period = f"Tháng {rule.period_start:%m/%Y}"
        else:
            period = f"{date_text(rule.period_start)} - {date_text(rule.period_end)}"
        for unit in rule.rows:
            rows.append(QuotaRow(unit_label=unit.area_name, rule_label=rule.rule.name, period_label=period,
                                 required=rule.rule.min_count, submitted=unit.submitted, approved=unit.approved,
                                 met=unit.met and unit.on_time is not False))
    return rows, first, last


def _units(session: Session, rule: QuotaRule, scope: Area | None, focus: Area | None) -> list[Area]:
    root = get_area(session, rule.area_id)
    query = select(Area).where(subtree_condition(root), Area.level == rule.unit_level)
    for limit in (scope, focus):
        if limit is not None:
            query = query.where(subtree_condition(limit))
    return list(session.exec(query.order_by(col(Area.name), col(Area.id))))


def _count(session: Session, rule: QuotaRule, units: list[Area], period: tuple[date, date],
           tz) -> list[UnitCompliance]:
    start_utc, _ = local_day_bounds(period[0], tz)
    _, end_utc = local_day_bounds(period[1], tz)
    query = (select(Content, Area).join(Area, col(Area.id) == col(Content.unit_area_id))
             .where(col(Content.status).in_(COUNTED), col(Content.first_submitted_at) >= start_utc))
    if rule.period == QuotaPeriod.monthly:
        query = query.where(col(Content.first_submitted_at) < end_utc)
    if rule.kind is not None:
        query = query.where(Content.kind == rule.kind)
    if rule.campaign_id is not None:
        query = query.where(Content.campaign_id == rule.campaign_id)
    by_unit: dict[int, list[Content]] = {saved_id(u): [] for u in units}
    for content, unit_area in session.exec(query.order_by(col(Content.first_submitted_at))):
        for ancestor_id in unit_area.ancestor_ids:
            if ancestor_id in by_unit:
                by_unit[ancestor_id].append(content)
                break
    rows = []
    for unit in units:
        items = by_unit[saved_id(unit)]
        submitted = len(items)
        approved = sum(1 for c in items if c.airing_revision_id is not None)
        on_time = None
        if rule.period == QuotaPeriod.deadline:
            nth = items[rule.min_count - 1].first_submitted_at if submitted >= rule.min_count else None
            on_time = nth is not None and nth < end_utc
        rows.append(UnitCompliance(area_id=saved_id(unit), area_name=unit.name, submitted=submitted, approved=approved,
                                   on_time=on_time, met=submitted >= rule.min_count,
                                   last_submitted_at=items[-1].first_submitted_at if items else None))
    return rows


def _check_refs(session: Session, directive_id: int | None, campaign_id: int | None) -> None:
    if directive_id is not None and session.get(Directive, directive_id) is None:
        raise Invalid(f"Văn bản chỉ đạo mã {directive_id} không tồn tại.")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise Invalid(f"Chiến dịch mã {campaign_id} không tồn tại.")


LEVEL_DEPTH = {AreaLevel.province: 0, AreaLevel.district: 1, AreaLevel.commune: 2, AreaLevel.cluster: 3}


def _check_level(area: Area | None, unit_level: str) -> None:
    if area is not None and LEVEL_DEPTH[AreaLevel(unit_level)] < LEVEL_DEPTH[AreaLevel(area.level)]:
        raise Invalid(f"Đơn vị cấp {unit_level} không thể nằm dưới {area.name} ({area.level}).")

