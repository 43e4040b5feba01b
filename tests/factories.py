"""Builders for test data: a known area tree and one user per role and scope."""

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.areas import Area, AreaCreate, AreaLevel, create_area
from core.db import session_scope
from core.security import hash_password
from core.users import Role, UserCreate, create_user

PASSWORD = "test-password-1"
_HASH: list[str] = []


def password_hash() -> str:
    """Argon2 is deliberately slow: hash the shared test password once per run."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def user(session, username: str, role: Role, area_id: int | None = None):
    return create_user(session, UserCreate(username=username, password=PASSWORD, role=role, area_id=area_id),
                       password_hash=password_hash())


@dataclass
class World:
    """Two communes in one province; each with two clusters; users scoped at every level.

    Usernames: admin; <role> (province-wide); <role>_a (commune A); <role>_b (commune B).
    """

    province: Area
    commune_a: Area
    commune_b: Area
    clusters_a: list[Area]
    clusters_b: list[Area]
    other_province: Area
    other_commune: Area
    other_cluster: Area


def area(session, name, level, parent=None, code=None) -> Area:
    return create_area(session, AreaCreate(name=name, level=level, code=code,
                                           parent_id=parent.id if parent else None))


def build_world(engine: Engine) -> World:
    with session_scope(engine) as s:
        province = area(s, "Tỉnh Lào Cai", AreaLevel.province, code="15")
        commune_a = area(s, "Phường Cam Đường", AreaLevel.commune, province, code="02671")
        commune_b = area(s, "Xã Gia Phú", AreaLevel.commune, province, code="02923")
        clusters_a = [area(s, f"Cụm loa thôn {i}", AreaLevel.cluster, commune_a, code=f"A{i}") for i in (1, 2)]
        clusters_b = [area(s, f"Cụm loa bản {i}", AreaLevel.cluster, commune_b, code=f"B{i}") for i in (1, 2)]
        other_province = area(s, "Tỉnh Khánh Hòa", AreaLevel.province, code="56")
        other_commune = area(s, "Phường Nha Trang", AreaLevel.commune, other_province, code="22333")
        other_cluster = area(s, "Cụm loa tổ 1", AreaLevel.cluster, other_commune, code="K1")
        user(s, "admin", Role.admin)
        for role in (Role.operator, Role.approver, Role.supervisor):
            user(s, role.value, role, province.id)
            user(s, f"{role.value}_a", role, commune_a.id)
            user(s, f"{role.value}_b", role, commune_b.id)
        # A second approver in commune A, so four-eyes tests have someone other than the author.
        user(s, "approver_a2", Role.approver, commune_a.id)
    return World(province, commune_a, commune_b, clusters_a, clusters_b, other_province, other_commune,
                 other_cluster)


def device_headers(client, admin_headers: dict[str, str], cluster_id: int) -> dict[str, str]:
    response = client.post(f"/api/v1/areas/{cluster_id}/device-token", headers=admin_headers)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
