"""Demo areas and users: Lào Cai's real communes, a few clusters each, one user per role."""

from collections.abc import Callable

from sqlmodel import Session, col, select

from core.areas import Area, AreaCreate, AreaLevel, create_area, get_area_by_code, import_province
from core.db import saved_id
from core.users import Role, User, UserCreate, create_user

DEMO_PROVINCE = "Lào Cai"
# Communes/wards (post-2025 codes) that get demo clusters: Lào Cai, Cam Đường, Sa Pa and two rural communes.
DEMO_COMMUNE_CODES = ("02647", "02671", "02923")
DEMO_CLUSTERS = ("Cụm loa thôn 1", "Cụm loa thôn 2", "Cụm loa tổ dân phố 3")
DEMO_PASSWORD = "loaxa-demo-2026"


def load_demo_areas_and_users(session: Session, echo: Callable[[str], None] = print) -> dict[str, int]:
    result = import_province(session, DEMO_PROVINCE)
    echo(f"Tỉnh {DEMO_PROVINCE}: thêm {result.created} địa bàn, {result.existing} đã có.")
    province = session.exec(select(Area).where(Area.level == AreaLevel.province,
                                               col(Area.name).contains(DEMO_PROVINCE))).first()
    if province is None:
        raise RuntimeError(f"the {DEMO_PROVINCE} import made no province")
    communes = [c for code in DEMO_COMMUNE_CODES
                if (c := get_area_by_code(session, code, AreaLevel.commune)) is not None]
    created = 0
    for commune in communes:
        for index, name in enumerate(DEMO_CLUSTERS, start=1):
            code = f"{commune.code}-C{index:02d}"
            exists = session.exec(select(Area).where(Area.parent_id == commune.id, Area.code == code)).first()
            if exists is None:
                create_area(session, AreaCreate(name=name, level=AreaLevel.cluster, code=code,
                                                parent_id=commune.id))
                created += 1
    echo(f"Cụm loa mẫu: thêm {created} cụm loa ở {len(communes)} xã/phường.")
    first_commune = communes[0]
    users = [
        ("admin", Role.admin, None, "Quản trị hệ thống"),
        ("bientap", Role.operator, province.id, "Biên tập viên Trung tâm VH-TT-TT"),
        ("pheduyet", Role.approver, province.id, "Lãnh đạo phê duyệt"),
        ("giamsat", Role.supervisor, province.id, "Ban Thi đua - Khen thưởng"),
        ("xa.bientap", Role.operator, first_commune.id, f"Biên tập viên {first_commune.name}"),
        ("xa.pheduyet", Role.approver, first_commune.id, f"Chủ tịch UBND {first_commune.name}"),
    ]
    echo(f"Người dùng mẫu (mật khẩu: {DEMO_PASSWORD}):")
    for username, role, area_id, full_name in users:
        if session.exec(select(User).where(User.username == username)).first() is None:
            create_user(session, UserCreate(username=username, password=DEMO_PASSWORD, role=role,
                                            area_id=area_id, full_name=full_name))
        echo(f"  {username:<12} {role:<10} {full_name}")
    return {"province_id": saved_id(province), "commune_id": saved_id(first_commune)}
