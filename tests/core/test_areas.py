import pytest
from sqlmodel import Session, select

from core.areas import Area, AreaLevel, cluster_ids_under, import_clusters_csv, import_province
from core.db import session_scope
from core.errors import Invalid


def test_import_lao_cai_post_2025_structure_is_idempotent(engine):
    with session_scope(engine) as session:
        first = import_province(session, "Lào Cai")
    assert first.created == 100  # the province and its 99 communes/wards
    with session_scope(engine) as session:
        again = import_province(session, "Lào Cai")
    assert again.created == 0 and again.existing == 100
    with Session(engine) as session:
        communes = session.exec(select(Area).where(Area.level == AreaLevel.commune)).all()
        assert len(communes) == 99
        assert any(c.name == "Phường Cam Đường" and c.code == "02671" for c in communes)
        province = session.exec(select(Area).where(Area.level == AreaLevel.province)).one()
        assert all(c.path.startswith(province.path) for c in communes)


def test_import_legacy_structure_has_districts(engine):
    with session_scope(engine) as session:
        import_province(session, "Lào Cai", legacy=True)
    with Session(engine) as session:
        districts = session.exec(select(Area).where(Area.level == AreaLevel.district)).all()
        assert 5 <= len(districts) <= 12
        assert any("Sa Pa" in d.name for d in districts)
        commune = session.exec(select(Area).where(Area.level == AreaLevel.commune)).first()
        assert session.get(Area, commune.parent_id).level == AreaLevel.district


def test_unknown_province_is_a_clear_error(engine):
    with session_scope(engine) as session, pytest.raises(Invalid, match="Không tìm thấy"):
        import_province(session, "Atlantis")


def test_clusters_under_any_level(engine, world):
    with Session(engine) as session:
        province = session.get(Area, world.province.id)
        ids = cluster_ids_under(session, province)
        assert ids == sorted(c.id for c in world.clusters_a + world.clusters_b)
        assert cluster_ids_under(session, session.get(Area, world.commune_b.id)) == [c.id for c in world.clusters_b]


def test_csv_import_accepts_bom_and_header(engine, world):
    text = "\ufeffcommune_code,cluster_name,cluster_code\n02671,Cụm loa thôn Mới,N1\n"
    with session_scope(engine) as session:
        result = import_clusters_csv(session, text, scope=None)
    assert result.created == 1 and not result.errors
