"""Authorisation matrix cases for directives, campaigns, content and quotas (see tests/api/test_authz_matrix.py).

Every object acted on lives in commune A and is made by operator_a (so province and commune-A
approvers may approve it: four eyes). A `setup` that needs a fresh object per caller makes one;
read-only cases reuse one made on first use.
"""

import time
from typing import Any

from tests.authz_case import Case
from tests.campaigns.audio import short_mp3
from tests.campaigns.helpers import API, campaign_body, content_body

INSIDE_READERS = {"admin": 200, "operator": 200, "operator_a": 200, "approver": 200, "approver_a": 200,
                  "supervisor": 200, "supervisor_a": 200}
ALL_HUMANS = {**INSIDE_READERS, "operator_b": 200, "approver_b": 200, "supervisor_b": 200}
OPERATORS_A = {"admin": 200, "operator": 200, "operator_a": 200}
APPROVERS_A = {"admin": 200, "approver": 200, "approver_a": 200}


def _post(ctx, path: str, json: Any = None, who: str = "operator_a") -> dict:
    response = ctx.client.post(f"{API}{path}", json=json, headers=ctx.headers[who])
    assert response.status_code in (200, 201), response.text
    return response.json()


def _campaign(ctx) -> int:
    if not hasattr(ctx, "campaign_id"):
        ctx.campaign_id = _post(ctx, "/campaigns", campaign_body([ctx.world.commune_a.id]))["id"]
    return ctx.campaign_id


def _draft(ctx) -> int:
    return _post(ctx, "/contents", content_body(campaign_id=_campaign(ctx), title=f"Tin {ctx.next()}"))["id"]


def _submitted(ctx) -> int:
    content_id = _draft(ctx)
    _post(ctx, f"/contents/{content_id}/submit")
    return content_id


def fresh_draft(ctx) -> None:
    ctx.content_id = _draft(ctx)


def fresh_submitted(ctx) -> None:
    ctx.content_id = _submitted(ctx)


def one_content(ctx) -> None:
    if not hasattr(ctx, "shared_content_id"):
        ctx.shared_content_id = _submitted(ctx)
    ctx.content_id = ctx.shared_content_id


def rendered_content(ctx) -> None:
    """An approved item whose render has finished (same short text each time: cached after the first)."""
    content_id = _post(ctx, "/contents", content_body(campaign_id=_campaign(ctx), title="Tin ngắn",
                                                      body="Xin chào bà con."))["id"]
    _post(ctx, f"/contents/{content_id}/submit")
    _post(ctx, f"/contents/{content_id}/approve", who="approver_a")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = ctx.client.get(f"{API}/contents/{content_id}", headers=ctx.headers["operator_a"]).json()
        if got["render"]["status"] != "queued":
            break
        time.sleep(0.05)
    ctx.content_id = content_id


def approved_emergency(ctx) -> None:
    """One approved emergency of commune A (no campaign, areas explicit) shared by every caller: ending it
    is idempotent, so each caller allowed to end it gets 200, the others are refused."""
    if not hasattr(ctx, "emergency_id"):
        body = {"title": "Cảnh báo lũ quét", "body": "Bà con khẩn trương sơ tán.", "level": "emergency",
                "area_ids": [ctx.world.commune_a.id]}
        ctx.emergency_id = _post(ctx, "/contents", body)["id"]
        _post(ctx, f"/contents/{ctx.emergency_id}/submit")
        _post(ctx, f"/contents/{ctx.emergency_id}/approve", who="approver_a")
    ctx.content_id = ctx.emergency_id


def one_directive(ctx) -> None:
    if not hasattr(ctx, "directive_id"):
        body = {"number": "205/KH-UBND-LĐLĐ", "issuer": "UBND tỉnh Lào Cai", "title": "V/v thi đua",
                "area_ids": [ctx.world.commune_a.id]}
        ctx.directive_id = _post(ctx, "/directives", body)["id"]


def one_quota(ctx) -> None:
    if not hasattr(ctx, "quota_id"):
        ctx.quota_id = _quota(ctx)


def fresh_quota(ctx) -> None:
    ctx.quota_id = _quota(ctx)


def _quota(ctx) -> int:
    return _post(ctx, "/quotas", {"name": "Mỗi cụm loa 01 gương", "area_id": ctx.world.commune_a.id,
                                  "unit_level": "cluster", "starts_on": "2026-01-01", "ends_on": "2026-12-31"})["id"]


def _content(ctx) -> str:
    return f"{API}/contents/{ctx.content_id}"


def _csv(ctx):
    row = f"Tin nhập {ctx.next()},Nội dung tin nhập.,01/01/2026,31/12/2030,{ctx.world.commune_a.code}\n"
    return {"file": ("tin.csv", ("tiêu đề,nội dung,từ ngày,đến ngày,địa bàn\n" + row).encode(), "text/csv")}


CASES: list[Case] = [
    # content
    Case("list contents", "GET", lambda c: f"{API}/contents", ALL_HUMANS),
    Case("create content in A", "POST", lambda c: f"{API}/contents", dict.fromkeys(OPERATORS_A, 201),
         json=lambda c: content_body(area_ids=[c.world.commune_a.id])),
    Case("get content in A", "GET", _content, INSIDE_READERS, setup=one_content),
    Case("content history in A", "GET", lambda c: f"{_content(c)}/history", INSIDE_READERS, setup=one_content),
    Case("content revisions in A", "GET", lambda c: f"{_content(c)}/revisions", INSIDE_READERS, setup=one_content),
    Case("edit draft in A", "PATCH", _content, OPERATORS_A, json=lambda c: {"title": "Tiêu đề mới"},
         setup=fresh_draft),
    Case("submit draft in A", "POST", lambda c: f"{_content(c)}/submit", OPERATORS_A, setup=fresh_draft),
    Case("withdraw submission in A", "POST", lambda c: f"{_content(c)}/withdraw", OPERATORS_A,
         setup=fresh_submitted),
    Case("approve content in A", "POST", lambda c: f"{_content(c)}/approve", APPROVERS_A, setup=fresh_submitted),
    Case("reject content in A", "POST", lambda c: f"{_content(c)}/reject", APPROVERS_A,
         json=lambda c: {"reason": "Cần bổ sung số liệu."}, setup=fresh_submitted),
    Case("archive content in A", "POST", lambda c: f"{_content(c)}/archive", {**OPERATORS_A, **APPROVERS_A},
         setup=fresh_draft),
    Case("retry render in A", "POST", lambda c: f"{_content(c)}/render",
         dict.fromkeys({**OPERATORS_A, **APPROVERS_A}, 202), setup=rendered_content),
    Case("upload recording in A", "POST", lambda c: f"{_content(c)}/audio", OPERATORS_A, setup=fresh_draft,
         files=lambda c: {"file": ("doc.mp3", short_mp3(), "audio/mpeg")}),
    Case("import contents into A", "POST", lambda c: f"{API}/contents/import", dict.fromkeys(OPERATORS_A, 201),
         files=_csv),
    Case("reach of content in A", "GET", lambda c: f"{_content(c)}/reach", INSIDE_READERS, setup=one_content),
    Case("end an emergency in A", "POST", lambda c: f"{_content(c)}/end", {**OPERATORS_A, **APPROVERS_A},
         setup=approved_emergency),
    # campaigns
    Case("list campaigns", "GET", lambda c: f"{API}/campaigns", ALL_HUMANS),
    Case("commemorative days", "GET", lambda c: f"{API}/campaigns/commemorations?year=2026", ALL_HUMANS),
    Case("create campaign in A", "POST", lambda c: f"{API}/campaigns", dict.fromkeys(OPERATORS_A, 201),
         json=lambda c: campaign_body([c.world.commune_a.id])),
    Case("get campaign in A", "GET", lambda c: f"{API}/campaigns/{_campaign(c)}", INSIDE_READERS),
    Case("edit campaign in A", "PATCH", lambda c: f"{API}/campaigns/{_campaign(c)}", OPERATORS_A,
         json=lambda c: {"target_minutes_per_week": 45}),
    # directives
    Case("list directives", "GET", lambda c: f"{API}/directives", ALL_HUMANS),
    Case("create directive for A", "POST", lambda c: f"{API}/directives", dict.fromkeys(OPERATORS_A, 201),
         json=lambda c: {"number": "50/KH-STTTT", "issuer": "Sở TT-TT", "title": "V/v tuyên truyền",
                         "area_ids": [c.world.commune_a.id]}),
    Case("get directive for A", "GET", lambda c: f"{API}/directives/{c.directive_id}", INSIDE_READERS,
         setup=one_directive),
    Case("edit directive for A", "PATCH", lambda c: f"{API}/directives/{c.directive_id}", OPERATORS_A,
         json=lambda c: {"title": "V/v thi đua yêu nước"}, setup=one_directive),
    # quotas
    Case("list quotas", "GET", lambda c: f"{API}/quotas", ALL_HUMANS),
    Case("quota compliance", "GET", lambda c: f"{API}/quotas/compliance", ALL_HUMANS),
    Case("create quota in A", "POST", lambda c: f"{API}/quotas", dict.fromkeys(OPERATORS_A, 201),
         json=lambda c: {"name": "Mỗi cụm loa 01 tin", "area_id": c.world.commune_a.id, "unit_level": "cluster",
                         "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    Case("get quota in A", "GET", lambda c: f"{API}/quotas/{c.quota_id}", INSIDE_READERS, setup=one_quota),
    Case("edit quota in A", "PATCH", lambda c: f"{API}/quotas/{c.quota_id}", OPERATORS_A,
         json=lambda c: {"min_count": 2}, setup=one_quota),
    Case("delete quota in A", "DELETE", lambda c: f"{API}/quotas/{c.quota_id}", dict.fromkeys(OPERATORS_A, 204),
         setup=fresh_quota),
]
