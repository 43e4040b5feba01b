"""The area tree: province > (district) > commune > cluster.

Every area keeps a materialised `path` of ids ("/1/7/42/"), so "everything below X" is one
indexed prefix match on SQLite and PostgreSQL alike.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, func, select

from core.db import MAX_ID, UTCDateTime, saved_id
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.timeutil import now_utc

CODE_PATTERN = r"^[A-Za-z0-9._-]+$"


class AreaLevel(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"
    cluster = "cluster"


LEVEL_LABELS = {
    AreaLevel.province: "Tỉnh/Thành phố",
    AreaLevel.district: "Huyện/Thị xã",
    AreaLevel.commune: "Xã/Phường",
    AreaLevel.cluster: "Cụm loa",
}

# Which levels may sit directly under which.
ALLOWED_PARENTS: dict[AreaLevel, tuple[AreaLevel, ...]] = {
    AreaLevel.province: (),
    AreaLevel.district: (AreaLevel.province,),
    AreaLevel.commune: (AreaLevel.district, AreaLevel.province),
    AreaLevel.cluster: (AreaLevel.commune,),
}


class AreaBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    level: AreaLevel = Field(sa_type=sa.String(16))
    code: str | None = Field(default=None, min_length=1, max_length=32, schema_extra={"pattern": CODE_PATTERN})


class Area(AreaBase, table=True):
    __table_args__ = (sa.UniqueConstraint("parent_id", "code", name="uq_area_parent_code"),)

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    path: str = Field(default="", max_length=400, index=True)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    # The installed voice (tts.voices) content for this area is read with; None: the parent's (area_voice).
    voice: str | None = Field(default=None, max_length=40)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this area."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class AreaCreate(AreaBase):
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class AreaUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=32, schema_extra={"pattern": CODE_PATTERN})


class AreaPublic(AreaBase):
    id: int
    parent_id: int | None
    level_label: str


def to_public(area: Area) -> AreaPublic:
    return AreaPublic(id=saved_id(area), name=area.name, level=area.level, code=area.code,
                      parent_id=area.parent_id, level_label=LEVEL_LABELS[AreaLevel(area.level)])


def is_within(area: Area, scope: Area | None) -> bool:
    """True when `area` is `scope` or below it; no scope means the whole country."""
    return scope is None or area.path.startswith(scope.path)


def subtree_condition(scope: Area) -> ColumnElement[bool]:
    return col(Area.path).startswith(scope.path)


def get_area(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound("địa bàn", area_id)
    return area


def get_area_by_code(session: Session, code: str, level: AreaLevel | None = None) -> Area | None:
    query = select(Area).where(Area.code == code)
    if level is not None:
        query = query.where(Area.level == level)
    return session.exec(query.order_by(col(Area.id))).first()


def create_area(session: Session, data: AreaCreate, *, scope: Area | None = None) -> Area:
    level = AreaLevel(data.level)
    parent: Area | None = None
    if data.parent_id is not None:
        parent = session.get(Area, data.parent_id)
        if parent is None:
            raise Invalid(f"Địa bàn cấp trên (mã {data.parent_id}) không tồn tại.")
    allowed = ALLOWED_PARENTS[level]
    if parent is None and allowed:
        raise Invalid(f"{LEVEL_LABELS[level]} phải có địa bàn cấp trên ({_labels(allowed)}).")
    if parent is not None and AreaLevel(parent.level) not in allowed:
        if not allowed:
            raise Invalid(f"{LEVEL_LABELS[level]} là cấp cao nhất, không có địa bàn cấp trên.")
        raise Invalid(
            f"{LEVEL_LABELS[level]} không thể nằm dưới {LEVEL_LABELS[AreaLevel(parent.level)]}; "
            f"cấp trên phải là {_labels(allowed)}."
        )
    if scope is not None and (parent is None or not is_within(parent, scope)):
        raise Forbidden("Bạn chỉ được tạo địa bàn trong phạm vi được giao.")
    _check_code_free(session, data.code, level, parent.id if parent else None)
    area = Area(name=_area_name(data.name), level=level, code=data.code, parent_id=parent.id if parent else None)
    session.add(area)
    session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    session.add(area)
    session.flush()
    return area


def _area_name(name: str) -> str:
    if not name.strip():
        raise Invalid("Tên địa bàn không được để trống.")
    return name.strip()


def update_area(session: Session, area: Area, data: AreaUpdate) -> Area:
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes and changes["code"] != area.code:
        _check_code_free(session, changes["code"], AreaLevel(area.level), area.parent_id, exclude_id=area.id)
    for key, value in changes.items():
        if value is not None:
            setattr(area, key, _area_name(value) if key == "name" else value)
    session.add(area)
    session.flush()
    return area


def delete_area(session: Session, area: Area) -> None:
    child = session.exec(select(Area.id).where(Area.parent_id == area.id)).first()
    if child is not None:
        raise Conflict("Không thể xóa địa bàn còn địa bàn cấp dưới.")
    try:
        with session.begin_nested():
            session.delete(area)
            session.flush()
    except sa.exc.IntegrityError as exc:
        raise Conflict("Địa bàn đang được dùng (người dùng, khung giờ, tin bài hoặc lịch phát gắn với nó): "
                       "không thể xóa.") from exc


def _labels(levels: Iterable[AreaLevel]) -> str:
    return " hoặc ".join(LEVEL_LABELS[level] for level in levels)


def _check_code_free(session: Session, code: str | None, level: AreaLevel, parent_id: int | None,
                     exclude_id: int | None = None) -> None:
    """Administrative codes are unique per level; cluster codes only within their commune."""
    if code is None:
        return
    query = select(Area.id).where(Area.code == code)
    if level == AreaLevel.cluster:
        query = query.where(Area.parent_id == parent_id, Area.level == level)
    else:
        query = query.where(Area.level == level)
    if exclude_id is not None:
        query = query.where(Area.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"Mã địa bàn {code!r} đã được dùng.")


def get_cluster(session: Session, cluster_id: int) -> Area:
    """The cluster: 404 when no such area, 422 when the area is not a cluster."""
    area = get_area(session, cluster_id)
    if area.level != AreaLevel.cluster:
        raise Invalid(f"Địa bàn mã {cluster_id} ({area.name}) không phải cụm loa.")
    return area


def get_areas(session: Session, ids: Iterable[int | None]) -> dict[int, Area]:
    """Areas by id (unknown ids and None are left out)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {a.id: a for a in session.exec(select(Area).where(col(Area.id).in_(wanted))) if a.id is not None}


def get_area_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return {area_id: area.name for area_id, area in get_areas(session, ids).items()}


def list_areas(session: Session, *, scope: Area | None, parent_id: int | None = None,
               level: AreaLevel | None = None, levels: Iterable[AreaLevel] | None = None, q: str | None = None,
               limit: int = 500, offset: int = 0) -> list[Area]:
    """Areas of the subtree of `scope` (None: everywhere) in tree order (by path)."""
    query = select(Area)
    if scope is not None:
        query = query.where(subtree_condition(scope))
    if parent_id is not None:
        query = query.where(Area.parent_id == parent_id)
    if level is not None:
        query = query.where(Area.level == level)
    if levels is not None:
        query = query.where(col(Area.level).in_([lvl.value for lvl in levels]))
    if q:
        query = query.where(col(Area.name).icontains(q))
    return list(session.exec(query.order_by(Area.path).offset(offset).limit(limit)))


def cluster_ids_under(session: Session, area: Area) -> list[int]:
    query = select(col(Area.id)).where(subtree_condition(area), Area.level == AreaLevel.cluster)
    return [cid for cid in session.exec(query.order_by(col(Area.id))) if cid is not None]


def count_clusters(session: Session, area: Area | None) -> int:
    """Clusters below `area` (the area itself when it is one); None counts every cluster."""
    query = select(func.count()).select_from(Area).where(Area.level == AreaLevel.cluster)
    if area is not None:
        query = query.where(subtree_condition(area))
    return session.exec(query).one()


def ancestors(session: Session, area: Area) -> list[Area]:
    ids = area.ancestor_ids
    found = areas_by_id(session, ids)
    return [found[i] for i in ids if i in found]


def area_voice(session: Session, area: Area | None) -> tuple[str | None, Area | None]:
    """The voice set on the area or its nearest ancestor that has one, and where it is set; (None, None)
    when no area up the tree chose one (the deployment's default voice then reads)."""
    if area is None:
        return None, None
    if area.voice:
        return area.voice, area
    chain = areas_by_id(session, area.ancestor_ids)
    for ancestor_id in reversed(area.ancestor_ids):
        found = chain.get(ancestor_id)
        if found is not None and found.voice:
            return found.voice, found
    return None, None


def set_area_voice(session: Session, area: Area, voice: str | None) -> Area:
    """Choose the area's voice (a name the caller checked is installed), or None to inherit it."""
    area.voice = voice or None
    session.add(area)
    session.flush()
    return area


def by_id(areas: Iterable[Area]) -> dict[int, Area]:
    """Stored areas keyed by their id."""
    return {a.id: a for a in areas if a.id is not None}


def areas_by_id(session: Session, ids: Iterable[int]) -> dict[int, Area]:
    """The areas with these ids (unknown ids left out), read a thousand at a time."""
    wanted = sorted(set(ids))
    found: dict[int, Area] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.update(by_id(session.exec(select(Area).where(col(Area.id).in_(chunk)))))
    return found


def cluster_label(cluster: Area, parent: Area | None) -> str:
    """A cluster as reports name it, with its commune: "Cụm loa thôn 1 (Phường Cam Đường)"."""
    return f"{cluster.name} ({parent.name})" if parent is not None else cluster.name


def cluster_labels(session: Session, clusters: Iterable[Area]) -> dict[int, str]:
    """`cluster_label` of each of these clusters, by id (their communes read in one go)."""
    found = by_id(clusters)
    parents = areas_by_id(session, {c.parent_id for c in found.values() if c.parent_id is not None})
    return {i: cluster_label(c, parents.get(c.parent_id) if c.parent_id is not None else None)
            for i, c in found.items()}


# --- bulk set-up ---------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def import_province(session: Session, province: str, *, legacy: bool = False) -> ImportResult:
    """Load a province's real communes/wards from the vietnamadminunits package (idempotent)."""
    rows = _admin_units(province.strip(), legacy)
    if not rows:
        raise Invalid(f"Không tìm thấy tỉnh/thành phố {province!r} trong danh mục đơn vị hành chính.")
    result = ImportResult()
    prov = _get_or_create(session, result, rows[0]["province"], AreaLevel.province, rows[0]["provinceCode"], None)
    for row in rows:
        parent = prov
        if legacy:
            parent = _get_or_create(session, result, row["district"], AreaLevel.district,
                                    row["districtCode"], prov)
        _get_or_create(session, result, row["ward"], AreaLevel.commune, row["wardCode"], parent)
    return result


def _admin_units(province: str, legacy: bool) -> list[dict[str, Any]]:
    """Rows of the package's own SQLite dataset (read-only, parameterised)."""
    import sqlite3
    from importlib.resources import files

    dataset = files("vietnamadminunits") / "data" / "dataset.db"
    if legacy:
        sql = ("SELECT DISTINCT province, provinceCode, district, districtCode, ward, wardCode "
               "FROM admin_units_legacy WHERE provinceShort = ? OR province = ? ORDER BY wardCode")
    else:
        sql = ("SELECT DISTINCT province, provinceCode, ward, wardCode "
               "FROM admin_units WHERE provinceShort = ? OR province = ? ORDER BY wardCode")
    with sqlite3.connect(f"file:{dataset}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, (province, province))]


def _get_or_create(session: Session, result: ImportResult, name: str, level: AreaLevel, code: str,
                   parent: Area | None) -> Area:
    existing = get_area_by_code(session, code, level)
    if existing is not None:
        result.existing += 1
        return existing
    result.created += 1
    return create_area(session, AreaCreate(name=name, level=level, code=code,
                                           parent_id=parent.id if parent else None))


MAX_CSV_ROWS = 20_000
MAX_CSV_BYTES = 2_000_000


def import_clusters_upload(session: Session, raw: bytes, *, scope: Area | None) -> ImportResult:
    """An uploaded CSV file (bytes, at most MAX_CSV_BYTES + 1 read): checked, decoded, imported all or nothing.

    Raises Invalid listing the problems; the caller's transaction must then roll back.
    """
    if len(raw) > MAX_CSV_BYTES:
        raise Invalid(f"Tệp CSV quá lớn (tối đa {MAX_CSV_BYTES // 1_000_000} MB).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("Tệp CSV phải được lưu với mã hóa UTF-8.") from exc
    result = import_clusters_csv(session, text, scope=scope)
    if result.errors:
        raise Invalid("Không nhập được tệp: " + " ".join(result.errors[:20]))
    return result


def import_clusters_csv(session: Session, text: str, *, scope: Area | None) -> ImportResult:
    """Bulk-create clusters from `commune_code,cluster_name[,cluster_code]` lines.

    All or nothing: any bad line rejects the whole file, listing every problem by line number.
    """
    result = ImportResult()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    planned: list[tuple[Area, str, str | None]] = []
    seen: set[tuple[int, str]] = set()
    for lineno, row in enumerate(reader, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if lineno == 1 and cells and cells[0].lower() in {"commune_code", "ma_xa", "mã xã"}:
            continue
        if lineno > MAX_CSV_ROWS:
            result.errors.append(f"Tệp quá lớn: tối đa {MAX_CSV_ROWS} dòng.")
            break
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            result.errors.append(f"Dòng {lineno}: cần 'mã xã,tên cụm loa[,mã cụm loa]'.")
            continue
        commune = get_area_by_code(session, cells[0], AreaLevel.commune)
        if commune is None:
            result.errors.append(f"Dòng {lineno}: không có xã/phường mã {cells[0]!r}.")
            continue
        if not is_within(commune, scope):
            raise Forbidden(f"Dòng {lineno}: xã/phường {commune.name} nằm ngoài phạm vi được giao.")
        if len(cells[1]) > 200:
            result.errors.append(f"Dòng {lineno}: tên cụm loa dài quá 200 ký tự.")
            continue
        code = cells[2] if len(cells) == 3 and cells[2] else None
        key = (saved_id(commune), code or cells[1])
        if key in seen:
            result.errors.append(f"Dòng {lineno}: trùng lặp trong tệp.")
            continue
        seen.add(key)
        planned.append((commune, cells[1], code))
    if result.errors:
        return result
    for commune, name, code in planned:
        clash = select(Area).where(Area.parent_id == commune.id, Area.level == AreaLevel.cluster)
        clash = clash.where(Area.code == code) if code else clash.where(Area.name == name)
        if session.exec(clash).first() is not None:
            result.existing += 1
            continue
        try:
            create_area(session, AreaCreate(name=name, level=AreaLevel.cluster, code=code,
                                            parent_id=commune.id))
        except (Invalid, Conflict) as exc:
            result.errors.append(f"{commune.name} / {name}: {exc.message}")
            continue
        result.created += 1
    return result
