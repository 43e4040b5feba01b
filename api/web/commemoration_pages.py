"""Commemorative days and statutory holidays of a year (read-only), and the campaigns building toward each.

Included before campaign_pages: `/campaigns/commemorations` must win over `/campaigns/{campaign_id}`."""

from collections import defaultdict

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.web.common import ReaderPage, local_today, render, web_router
from campaigns.campaigns import list_campaigns
from campaigns.commemorations import BY_KEY, observances
from campaigns.models import Campaign
from campaigns.schemas import MAX_DATE, MIN_DATE

router = web_router()

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@router.get("/campaigns/commemorations", response_class=HTMLResponse)
def commemorations_page(request: Request, session: SessionDep, principal: ReaderPage,
                        year: int | None = None) -> HTMLResponse:
    today = local_today(request)
    year = min(max(year or today.year, MIN_DATE.year), MAX_DATE.year)
    campaigns, _ = list_campaigns(session, actor=principal, limit=300)
    toward: dict[str, list[Campaign]] = defaultdict(list)
    for campaign in campaigns:
        for key in campaign.commemorations:
            toward[key].append(campaign)
    return render(request, "commemorations.html", year=year, today=today, days=observances(year), toward=toward,
                  regions={key: c.region for key, c in BY_KEY.items()}, weekdays=WEEKDAYS)
