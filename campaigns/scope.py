"""Area scope rules shared by directives, campaigns, content and quotas.

Reading: a caller sees an object when one of its areas *overlaps* the caller's subtree — the area
is inside it (content for one of its clusters) or above it (a province campaign airs in every
commune). Writing: every area of the object must be inside the caller's subtree.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.areas import Area, is_within
from core.errors import Forbidden, Invalid


def overlaps(area: Area, scope: Area | None) -> bool:
    return scope is None or area.path.startswith(scope.path) or scope.path.startswith(area.path)


def overlap_condition(scope: Area):
    """SQL: `Area` overlaps `scope` (inside it, or one of its ancestors)."""
    return sa.or_(col(Area.path).startswith(scope.path), col(Area.id).in_(scope.ancestor_ids))


def filter_scopes(session: Session, actor_scope: Area | None, area_id: int | None) -> list[Area]:
    """The areas a list must overlap: the caller's subtree and, when asked, one more area (422 if unknown)."""
    scopes = [actor_scope]
    if area_id is not None:
        area = session.get(Area, area_id)
        if area is None:
            raise Invalid(f"Địa bàn mã {area_id} không tồn tại.")
        scopes.append(area)
    return [scope for scope in scopes if scope is not None]


def load_areas(session: Session, area_ids: Iterable[int]) -> list[Area]:
    """The areas, in the given order without duplicates; an unknown id is a 422."""
    ids = list(dict.fromkeys(area_ids))
    if not ids:
        return []
    found = {a.id: a for a in session.exec(select(Area).where(col(Area.id).in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"Địa bàn không tồn tại: mã {', '.join(str(i) for i in missing)}.")
    return [found[i] for i in ids]


def require_within(areas: Iterable[Area], scope: Area | None) -> None:
    """403 naming the first area outside the caller's subtree."""
    for area in areas:
        if not is_within(area, scope):
            raise Forbidden(f"Địa bàn «{area.name}» (mã {area.id}) nằm ngoài phạm vi được giao"
                            f"{f' ({scope.name})' if scope else ''}.")


def common_ancestor(areas: Iterable[Area]) -> int | None:
    """Id of the deepest area that is an ancestor-or-self of all `areas` (None: none in common)."""
    chains = [a.ancestor_ids for a in areas]
    if not chains:
        return None
    common: int | None = None
    for ids in zip(*chains, strict=False):
        if len(set(ids)) != 1:
            break
        common = ids[0]
    return common
