"""`loaxa demo`'s campaigns step: the five seed directives as campaigns with approved, rendered content."""

import pytest
from sqlmodel import Session, func, select

from campaigns.demo import CAMPAIGNS, DIRECTIVES, ITEMS, QUOTAS, load_demo_campaigns
from campaigns.eligibility import airable_contents, campaign_targets
from campaigns.models import Campaign, Content, ContentEvent, Directive, QuotaRule
from core.db import session_scope
from core.demo import load_demo_areas_and_users
from media.store import MediaStore
from tests.campaigns.helpers import today


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture(scope="module")
def shared_media(tmp_path_factory):
    """One data folder for both database backends: the second run's renders come from the render cache."""
    return tmp_path_factory.mktemp("demo-data")


def test_demo_loads_the_seed_directives_and_is_idempotent(engine, settings, shared_media):
    settings.data_dir = shared_media
    lines: list[str] = []
    with session_scope(engine) as session:
        load_demo_areas_and_users(session, echo=lambda _line: None)
    with session_scope(engine) as session:
        load_demo_campaigns(session, settings, echo=lines.append)
    assert any("đọc" in line for line in lines)  # render progress was printed
    assert (_count(engine, Directive), _count(engine, Campaign), _count(engine, QuotaRule)) == (
        len(DIRECTIVES), len(CAMPAIGNS), len(QUOTAS))

    with Session(engine) as session:
        airing = airable_contents(session, day_from=today(), day_to=today())
        targets = campaign_targets(session)
        directive_texts = [d.full_text for d in session.exec(select(Directive))]
        approvers = {e.username for e in session.exec(select(ContentEvent).where(ContentEvent.action == "approved"))}
        authors = {c.created_by for c in session.exec(select(Content))}
    assert len(airing) == len(ITEMS)
    assert {a.level for a in airing} == {"normal", "priority"}
    assert {a.campaign_id for a in airing} == set(targets)  # every campaign has airing content
    store = MediaStore(settings.media_dir)
    for item in airing:
        assert item.audio_sha256 and store.path_for(item.audio_sha256, item.audio_ext).is_file()
    assert all(len(text) > 2000 for text in directive_texts)
    assert approvers == {"pheduyet"} and len(authors) == 1
    assert all(t.starts_on <= today() <= t.ends_on for t in targets.values())

    events = _count(engine, ContentEvent)
    again: list[str] = []
    with session_scope(engine) as session:
        load_demo_campaigns(session, settings, echo=again.append)
    assert (_count(engine, Directive), _count(engine, Campaign), _count(engine, Content), _count(engine, QuotaRule),
            _count(engine, ContentEvent)) == (len(DIRECTIVES), len(CAMPAIGNS), len(ITEMS), len(QUOTAS), events)
    assert sum("đã có" in line for line in again) == len(ITEMS)
