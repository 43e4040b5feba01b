"""Which areas a page offers and which one it shows: the choices of area pickers (the caller's subtree, in
tree order with brothers in Vietnamese alphabetical order, indented by depth) and the area a page's filter
falls back to (the caller's own). Pages that list areas sort them here too (`by_name`, `tree_order`)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlmodel import Session

from api.deps import area_in_scope
from core.areas import Area, AreaLevel, list_areas
from core.collation import vn_sort_key
from core.users import Principal

MAX_PICKER_AREAS = 3000


def by_name(areas: Iterable[Area]) -> list[Area]:
    """Areas in Vietnamese alphabetical order of their names (core.collation; ids break ties)."""
    return sorted(areas, key=lambda a: (vn_sort_key(a.name), a.id or 0))


def tree_order(areas: Sequence[Area]) -> list[Area]:
    """Areas depth first, each area's children in Vietnamese alphabetical order. (The stored path orders
    ids as text, "/1/10/" before "/1/5/", which is no order a reader can follow.) An area whose parent is not
    in the list starts a tree of its own, the roots sorted by name too."""
    ids = {a.id for a in areas}
    children: dict[int | None, list[Area]] = defaultdict(list)
    for area in areas:
        children[area.parent_id if area.parent_id in ids else None].append(area)
    out: list[Area] = []
    stack = list(reversed(by_name(children[None])))
    while stack:
        area = stack.pop()
        out.append(area)
        stack.extend(reversed(by_name(children.get(area.id, []))))
    return out


def visible_areas(session: Session, principal: Principal, levels: Iterable[AreaLevel] | None = None) -> list[Area]:
    """Areas the user may see, in tree order (brothers by name), for selects and trees."""
    return tree_order(list_areas(session, scope=principal.scope, levels=levels, limit=MAX_PICKER_AREAS))


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
