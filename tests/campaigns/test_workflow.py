"""The content workflow through HTTP: draft -> submitted -> approved | rejected, four eyes, wrong-state
409s, revisions that wait while the approved text keeps airing, archive, audit trail, lists."""

from datetime import timedelta

from sqlmodel import Session

from campaigns.eligibility import airable_contents
from core.tasks import wait
from tests.campaigns.helpers import API, act, create_campaign, create_content, today


def _get(client, headers, content_id):
    response = client.get(f"{API}/contents/{content_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_operator_and_approver_take_a_seed_paragraph_to_approved_rendered_audio(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    campaign = create_campaign(client, op, [world.commune_a.id])
    draft = create_content(client, op, campaign_id=campaign["id"], level="priority")
    assert draft["status"] == "draft"
    assert draft["area_ids"] == [world.commune_a.id]  # the campaign's areas by default
    assert draft["unit_area_id"] == world.commune_a.id  # the author's unit
    assert draft["audio"] is None and draft["airing"] is None

    submitted = act(client, op, draft["id"], "submit")
    assert submitted["status"] == "submitted"
    assert submitted["spoken_text"].startswith("Phong trào thi đua. Tăng cường thời lượng")
    # the audio is rendered on submission: the approver hears it before deciding
    assert submitted["render"]["status"] == "queued"
    task = wait(engine, submitted["render"]["task_id"], timeout=120)
    assert task.status == "done", task.error
    heard = _get(client, ap, draft["id"])["audio"]

    approved = act(client, ap, draft["id"], "approve")
    assert approved["status"] == "approved"
    assert approved["render"]["status"] == "ready"

    final = _get(client, op, draft["id"])
    audio = final["audio"]
    assert audio == heard
    assert audio["url"] == f"/media/{audio['sha256']}.mp3"
    assert 3_000 < audio["duration_ms"] < 60_000
    assert final["airing"]["audio"] == audio
    assert final["render"] == {"status": "ready", "error": None, "task_id": task.id}

    history = client.get(f"{API}/contents/{draft['id']}/history", headers=auth("supervisor_a")).json()
    assert [(e["action"], e["from_status"], e["to_status"], e["username"]) for e in history] == [
        ("created", None, "draft", "operator_a"),
        ("submitted", "draft", "submitted", "operator_a"),
        ("render_queued", None, None, "operator_a"),
        ("render_done", None, None, "loaxa"),
        ("approved", "submitted", "approved", "approver_a"),
    ]
    assert all(e["at"].endswith("+07:00") for e in history)


def test_nobody_approves_what_they_wrote(client, world, auth):
    admin = auth("admin")
    mine = create_content(client, admin, area_ids=[world.commune_a.id])
    act(client, admin, mine["id"], "submit")
    refused = client.post(f"{API}/contents/{mine['id']}/approve", headers=admin)
    assert refused.status_code == 403
    assert "bốn mắt" in refused.json()["detail"]
    assert _get(client, admin, mine["id"])["status"] == "submitted"
    # Another approver may.
    assert act(client, auth("approver_a"), mine["id"], "approve")["status"] == "approved"


def test_whoever_revised_an_item_may_not_approve_the_revision(client, world, auth):
    op, admin = auth("operator_a"), auth("admin")
    item = create_content(client, op, area_ids=[world.clusters_a[0].id])
    response = client.patch(f"{API}/contents/{item['id']}", json={"title": "Sửa bởi quản trị"}, headers=admin)
    assert response.status_code == 200
    act(client, op, item["id"], "submit")
    assert client.post(f"{API}/contents/{item['id']}/approve", headers=admin).status_code == 403


def test_wrong_state_transitions_are_409(client, world, auth):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, ap, item["id"], "approve", expect=409)  # a draft
    act(client, ap, item["id"], "reject", json={"reason": "Sai"}, expect=409)
    act(client, op, item["id"], "withdraw", expect=409)
    act(client, op, item["id"], "render", expect=409)  # nothing approved yet
    act(client, op, item["id"], "submit")
    act(client, op, item["id"], "submit", expect=409)  # twice
    edit = client.patch(f"{API}/contents/{item['id']}", json={"title": "Đang chờ"}, headers=op)
    assert edit.status_code == 409 and "rút lại" in edit.json()["detail"]
    act(client, ap, item["id"], "approve")
    second = client.post(f"{API}/contents/{item['id']}/approve", headers=auth("approver"))
    assert second.status_code == 409 and "Đã duyệt" in second.json()["detail"]
    act(client, ap, item["id"], "reject", json={"reason": "Muộn"}, expect=409)


def test_reject_with_reason_then_fix_and_resubmit(client, world, auth):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, item["id"], "submit")
    missing = client.post(f"{API}/contents/{item['id']}/reject", json={"reason": "  "}, headers=ap)
    assert missing.status_code == 422
    rejected = act(client, ap, item["id"], "reject", json={"reason": "Thiếu số liệu cụ thể."})
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "Thiếu số liệu cụ thể."
    assert rejected["airing"] is None
    fixed = client.patch(f"{API}/contents/{item['id']}", json={"body": "Đã bổ sung: 12 gương tiêu biểu."},
                         headers=op).json()
    assert fixed["status"] == "draft" and fixed["revision"] == 1  # never approved: edited in place
    act(client, op, item["id"], "submit")
    assert act(client, ap, item["id"], "approve")["status"] == "approved"
    events = client.get(f"{API}/contents/{item['id']}/history", headers=auth("supervisor")).json()
    rejection = next(e for e in events if e["action"] == "rejected")
    assert rejection["reason"] == "Thiếu số liệu cụ thể." and rejection["username"] == "approver_a"


def test_withdraw_returns_a_submission_to_draft(client, world, auth):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, item["id"], "submit")
    assert act(client, op, item["id"], "withdraw", json={"reason": "Sửa lỗi chính tả"})["status"] == "draft"
    assert client.patch(f"{API}/contents/{item['id']}", json={"title": "Đã sửa"}, headers=op).status_code == 200


def test_editing_approved_text_makes_a_revision_while_the_approved_one_keeps_airing(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], body="Bản tin thứ nhất.")
    act(client, op, item["id"], "submit")
    first = act(client, ap, item["id"], "approve")
    assert wait(engine, first["render"]["task_id"], 120).status == "done"
    v1 = _get(client, op, item["id"])

    edited = client.patch(f"{API}/contents/{item['id']}", json={"body": "Bản tin thứ hai, đã cập nhật."},
                          headers=op).json()
    assert edited["revision"] == 2 and edited["status"] == "draft"
    assert edited["audio"] is None  # new words: no audio until approved and rendered
    assert edited["airing"]["revision_id"] == v1["revision_id"]
    assert edited["airing"]["audio"] == v1["audio"]
    with Session(engine) as session:
        airing = airable_contents(session, day_from=today(), day_to=today())
    assert [(a.content_id, a.revision_id, a.audio_sha256) for a in airing] == [
        (item["id"], v1["revision_id"], v1["audio"]["sha256"])]

    act(client, op, item["id"], "submit")
    waiting = _get(client, op, item["id"])
    assert waiting["status"] == "submitted" and waiting["airing"]["revision_id"] == v1["revision_id"]
    second = act(client, ap, item["id"], "approve")
    assert second["airing"]["revision_id"] == second["revision_id"] != v1["revision_id"]
    assert wait(engine, second["render"]["task_id"], 120).status == "done"
    v2 = _get(client, op, item["id"])
    assert v2["audio"]["sha256"] != v1["audio"]["sha256"]
    revisions = client.get(f"{API}/contents/{item['id']}/revisions", headers=op).json()
    assert [(r["revision"], r["status"]) for r in revisions] == [(1, "superseded"), (2, "approved")]
    with Session(engine) as session:
        airing = airable_contents(session, day_from=today(), day_to=today())
    assert [(a.revision_id, a.audio_sha256) for a in airing] == [(v2["revision_id"], v2["audio"]["sha256"])]


def test_a_rejected_revision_leaves_the_approved_one_airing(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, item["id"], "submit")
    approved = act(client, ap, item["id"], "approve")
    client.patch(f"{API}/contents/{item['id']}", json={"title": "Tiêu đề chưa ổn"}, headers=op)
    act(client, op, item["id"], "submit")
    rejected = act(client, ap, item["id"], "reject", json={"reason": "Tiêu đề chưa ổn"})
    assert rejected["status"] == "rejected"
    assert rejected["airing"]["revision_id"] == approved["revision_id"]
    with Session(engine) as session:
        assert [a.revision_id for a in airable_contents(session, day_from=today(), day_to=today())] == [
            approved["revision_id"]]


def test_changing_only_dates_keeps_the_audio_and_needs_no_new_render(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], body="Thông báo ngắn.")
    act(client, op, item["id"], "submit")
    first = act(client, ap, item["id"], "approve")
    wait(engine, first["render"]["task_id"], 120)
    sha = _get(client, op, item["id"])["audio"]["sha256"]
    later = str(today() + timedelta(days=90))
    edited = client.patch(f"{API}/contents/{item['id']}", json={"valid_until": later}, headers=op).json()
    assert edited["revision"] == 2 and edited["audio"]["sha256"] == sha
    act(client, op, item["id"], "submit")
    second = act(client, ap, item["id"], "approve")
    assert second["render"]["status"] == "ready" and second["render"]["task_id"] is None
    assert second["valid_until"] == later and second["airing"]["audio"]["sha256"] == sha


def test_an_edit_that_changes_nothing_makes_no_revision(client, world, auth):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, item["id"], "submit")
    act(client, auth("approver_a"), item["id"], "approve")
    same = client.patch(f"{API}/contents/{item['id']}", json={"title": item["title"]}, headers=op).json()
    assert same["revision"] == 1 and same["status"] == "approved"


def test_archive_stops_airing_and_freezes_the_item(client, world, auth, engine):
    op, ap = auth("operator_a"), auth("approver_a")
    item = create_content(client, op, area_ids=[world.commune_a.id])
    act(client, op, item["id"], "submit")
    act(client, ap, item["id"], "approve")
    archived = act(client, ap, item["id"], "archive", json={"reason": "Hết đợt tuyên truyền"})
    assert archived["status"] == "archived" and archived["airing"] is None
    with Session(engine) as session:
        assert airable_contents(session, day_from=today(), day_to=today()) == []
    assert client.patch(f"{API}/contents/{item['id']}", json={"title": "x"}, headers=op).status_code == 409
    act(client, op, item["id"], "archive", expect=409)
    listed = client.get(f"{API}/contents", headers=op).json()
    assert listed == []  # archived items only when asked for
    assert [c["id"] for c in client.get(f"{API}/contents?status=archived", headers=op).json()] == [item["id"]]


def test_roles_inside_and_outside_the_subtree(client, world, auth):
    op = auth("operator")  # province-wide
    province_item = create_content(client, op, area_ids=[world.province.id])
    # Commune A's operator reads what airs in A (the province is above it) but may not change it.
    assert _get(client, auth("operator_a"), province_item["id"])["id"] == province_item["id"]
    refused = client.patch(f"{API}/contents/{province_item['id']}", json={"title": "x"}, headers=auth("operator_a"))
    assert refused.status_code == 403 and "ngoài phạm vi" in refused.json()["detail"]

    a_item = create_content(client, auth("operator_a"), area_ids=[world.clusters_a[1].id])
    assert client.get(f"{API}/contents/{a_item['id']}", headers=auth("operator_b")).status_code == 404
    assert client.get(f"{API}/contents/{a_item['id']}", headers=auth("supervisor_b")).status_code == 404
    act(client, auth("operator_a"), a_item["id"], "submit")
    assert client.post(f"{API}/contents/{a_item['id']}/approve", headers=auth("approver_b")).status_code == 404
    assert client.post(f"{API}/contents/{a_item['id']}/approve", headers=auth("supervisor_a")).status_code == 403
    assert client.post(f"{API}/contents/{a_item['id']}/approve", headers=auth("operator_a")).status_code == 403
    # Supervisors read and audit.
    assert _get(client, auth("supervisor_a"), a_item["id"])["status"] == "submitted"
    assert client.get(f"{API}/contents/{a_item['id']}/history", headers=auth("supervisor")).status_code == 200
    assert client.post(f"{API}/contents", json={"title": "x", "body": "y", "valid_from": str(today()),
                                                 "valid_until": str(today())},
                       headers=auth("supervisor")).status_code == 403
    # A commune operator may not target another commune.
    outside = client.post(f"{API}/contents", headers=auth("operator_a"),
                          json={"title": "x", "body": "y", "valid_from": str(today()), "valid_until": str(today()),
                                "area_ids": [world.commune_b.id]})
    assert outside.status_code == 403 and world.commune_b.name in outside.json()["detail"]


def test_content_of_a_province_campaign_defaults_to_the_authors_part_of_it(client, world, auth):
    campaign = create_campaign(client, auth("operator"), [world.province.id])
    item = create_content(client, auth("operator_b"), campaign_id=campaign["id"])
    assert item["area_ids"] == [world.commune_b.id]
    outside = client.post(f"{API}/contents", headers=auth("operator"),
                          json={"title": "x", "body": "y", "valid_from": str(today()), "valid_until": str(today()),
                                "campaign_id": campaign["id"], "area_ids": [world.other_commune.id]})
    assert outside.status_code == 403


def test_list_filters(client, world, auth):
    op = auth("operator")
    campaign = create_campaign(client, op, [world.province.id])
    a = create_content(client, op, campaign_id=campaign["id"], area_ids=[world.commune_a.id], title="Gương sáng",
                       kind="exemplar", level="priority")
    b = create_content(client, op, area_ids=[world.commune_b.id], title="Lịch tiêm chủng", kind="announcement",
                       body="Tiêm phòng dại cho chó mèo.")
    act(client, op, b["id"], "submit")

    def ids(query: str, who: str = "operator") -> list[int]:
        response = client.get(f"{API}/contents{query}", headers=auth(who))
        assert response.status_code == 200, response.text
        assert response.headers["X-Total-Count"] == str(len(response.json()))
        return sorted(c["id"] for c in response.json())

    assert ids("") == sorted([a["id"], b["id"]])
    assert ids("?status=submitted") == [b["id"]]
    assert ids(f"?campaign_id={campaign['id']}") == [a["id"]]
    assert ids(f"?area_id={world.clusters_a[0].id}") == [a["id"]]  # what airs on cluster A1
    assert ids("?level=priority") == [a["id"]]
    assert ids("?kind=announcement") == [b["id"]]
    assert ids("?q=phòng dại") == [b["id"]]  # body text
    assert ids("?q=GƯƠNG") == [a["id"]]
    assert ids("?q=guong sang") == [a["id"]]  # without accents
    assert ids("?q=100%") == []
    assert ids("", who="supervisor_b") == [b["id"]]
    assert ids("?mine=true", who="operator_a") == []
    assert ids("?airing=true") == []
    act(client, auth("approver"), b["id"], "approve")
    assert ids("?airing=true") == [b["id"]]
    assert client.get(f"{API}/contents?area_id=999999", headers=op).status_code == 422
