"""Which areas a page offers and which one it shows: the choices of area pickers (the caller's subtree, in
tree order, indented by depth) and the area a page's filter falls back to (the caller's own)."""

from collections.abc import Iterable

from sqlmodel import Session

from api.deps import area_in_scope
from core.areas import Area, AreaLevel, list_areas
from core.users import Principal

MAX_PICKER_AREAS = 3000


def visible_areas(session: Session, principal: Principal, levels: Iterable[AreaLevel] | None = None) -> list[Area]:
    """Areas the user may see, in tree order (path), for selects and trees."""
    return list_areas(session, scope=principal.scope, levels=levels, limit=MAX_PICKER_AREAS)


def area_label(area: Area, base_depth: int = 0) -> str:
    depth = max(0, len(area.ancestor_ids) - 1 - base_depth)
    return ("\u00a0\u00a0" * depth) + area.name


def area_options(session: Session, principal: Principal,
                 levels: Iterable[AreaLevel] | None = None) -> list[tuple[int, str]]:
    areas = visible_areas(session, principal, levels)
    base = min((len(a.ancestor_ids) - 1 for a in areas), default=0)
    return [(a.id, area_label(a, base)) for a in areas if a.id is not None]


def area_or_scope(session: Session, principal: Principal, area_id: int | None) -> Area | None:
    """The area a page asks for (404 unknown, 403 outside the caller's scope), else the caller's own scope."""
    return principal.scope if area_id is None else area_in_scope(session, principal, area_id)
