"""Demo directives, campaigns, content and quotas from the five seed directives (campaigns/seed_texts/).

The directives are recorded with their full text; each becomes a campaign in the demo province
(Lào Cai, loaded by core.demo) whose period runs through the current year so that its content airs
today; bulletins are paragraphs of the directives, written by the demo operator "bientap",
submitted, approved by "pheduyet" and rendered here, synchronously, with progress printed.
Quotas come from the Sơn Tây and Khánh Hòa directives. Idempotent: what exists is kept, an item
left half-way (say, a render interrupted) is taken on from where it stopped.

The demo has a week of as-run history (airtime.demo), so its editorial work is recorded as done
the day before that week (`editorial_day`): directives and campaigns in the morning, bulletins
written and submitted, then approved and rendered in the afternoon, each step after the one before
it; the bulletins are valid from the first day of the history. One bulletin is approved ahead of
its validity (`valid_after_days`), which is what lets the airtime demo plant its one anomaly.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from campaigns import contents, render
from campaigns.campaigns import create_campaign
from campaigns.directives import create_directive
from campaigns.models import (
    Campaign,
    Content,
    ContentKind,
    ContentStatus,
    Directive,
    QuotaPeriod,
    QuotaRule,
    RenderStatus,
)
from campaigns.quotas import create_rule
from campaigns.schemas import CampaignCreate, ContentCreate, DirectiveCreate, QuotaCreate
from campaigns.seeds import SEED_DIR
from core.areas import Area, AreaLevel, get_area_by_code
from core.config import Settings
from core.db import saved_id
from core.errors import Invalid
from core.levels import ContentLevel
from core.timeutil import as_utc, local_today, now_utc
from core.users import Principal, Role, User

OPERATOR, APPROVER = "bientap", "pheduyet"
PROVINCE_CODE = "15"  # Tỉnh Lào Cai
# Days of as-run history before today that the demo simulates (airtime.demo); the content is written,
# approved and rendered the day before the first of them.
HISTORY_DAYS = 7
_MARKER_RE = re.compile(r"^(?:[-–•]\s*|\d+(?:\.\d+)*\.\s+)")


@dataclass(frozen=True)
class SeedDirective:
    key: str
    file: str
    number: str  # as printed: the seeds are the unnumbered drafts ("Số: /UBND-VHTT")
    issuer: str
    title: str
    starts_on: date
    ends_on: date
    recipients: tuple[str, ...] = ()  # area codes; none: not addressed to the demo province


DIRECTIVES = (
    SeedDirective("sapa", "sapa-2021-cong-van-lao-dong-gioi-sang-tao.txt", "/UBND-VHTT", "UBND thị xã Sa Pa",
                  "V/v tuyên truyền phong trào thi đua “Lao động giỏi, lao động sáng tạo” trong công nhân, viên "
                  "chức, người lao động trên địa bàn thị xã Sa Pa", date(2021, 5, 1), date(2025, 12, 31), ("03006",)),
    SeedDirective("laocai", "laocai-2021-ke-hoach-tuyen-truyen-thi-dua-2021-2025.txt", "/KH-UBND",
                  "UBND tỉnh Lào Cai", "Kế hoạch tuyên truyền phong trào thi đua yêu nước trên địa bàn tỉnh Lào Cai, "
                  "giai đoạn 2021-2025", date(2021, 1, 1), date(2025, 12, 31), (PROVINCE_CODE,)),
    SeedDirective("sontay", "sontay-2017-ke-hoach-tuyen-truyen-dhtt-ntvt.txt", "/KH-UBND", "UBND thị xã Sơn Tây",
                  "Kế hoạch tuyên truyền phong trào thi đua yêu nước, các điển hình tiên tiến, người tốt, việc tốt "
                  "trên địa bàn thị xã Sơn Tây năm 2017", date(2017, 3, 7), date(2017, 12, 31)),
    SeedDirective("tplaocai", "tp-laocai-2023-cong-van-lao-dong-gioi-sang-tao.txt", "/UBND-NV",
                  "UBND thành phố Lào Cai", "V/v đẩy mạnh thực hiện phong trào thi đua “Lao động giỏi, Lao động sáng "
                  "tạo” trong cán bộ, công chức, viên chức, người lao động trên địa bàn thành phố Lào Cai năm 2023",
                  date(2023, 3, 1), date(2023, 12, 31), ("02647", "02671")),
    SeedDirective("khanhhoa", "khanhhoa-2023-cong-van-tuyen-truyen-dhtt.txt", "/SNV-TĐKT",
                  "Sở Nội vụ tỉnh Khánh Hòa", "V/v tăng cường công tác tuyên truyền phong trào thi đua yêu nước, "
                  "điển hình tiên tiến", date(2023, 9, 1), date(2025, 12, 31)),
)


@dataclass(frozen=True)
class SeedCampaign:
    key: str
    name: str
    directives: tuple[str, ...]
    starts_on: date
    target_minutes_per_week: float
    color: str
    commemorations: tuple[str, ...]
    areas: tuple[str, ...] = (PROVINCE_CODE,)
    description: str | None = None


# Weekly targets (minutes per cluster) sized to the nine demo bulletins in the demo slots (each campaign's
# items air 1.5-4 minutes a day): a full week meets them, except "Thi đua yêu nước" (more content needed).
CAMPAIGNS = (
    SeedCampaign("ldg", "Lao động giỏi – lao động sáng tạo", ("sapa",), date(2021, 5, 1), 20, "#1f77b4",
                 ("quoc-te-lao-dong", "thanh-lap-cong-doan"),
                 description="Giai đoạn 2021–2025 (Kế hoạch 205/KH-UBND-LĐLĐ), tiếp tục trong năm nay."),
    SeedCampaign("tdyn", "Thi đua yêu nước", ("laocai",), date(2021, 1, 1), 30, "#d62728",
                 ("thi-dua-ai-quoc", "tai-lap-tinh-lao-cai", "quoc-khanh"),
                 description="Kế hoạch tuyên truyền giai đoạn 2021–2025 của UBND tỉnh Lào Cai, "
                             "tiếp tục trong năm nay."),
    SeedCampaign("dhtt", "Gương điển hình tiên tiến, người tốt việc tốt (ĐHTT, NTVT)", ("sontay",),
                 date(2017, 3, 7), 15, "#2ca02c", ("thi-dua-ai-quoc",),
                 description="Theo mô hình Kế hoạch năm 2017 của UBND thị xã Sơn Tây: hằng tháng mỗi đơn vị ít nhất "
                             "01 gương ĐHTT, NTVT."),
    SeedCampaign("khanhhoa", "Tăng cường tuyên truyền điển hình tiên tiến (Khánh Hòa 2023)", ("khanhhoa",),
                 date(2023, 9, 1), 8, "#ff7f0e", ("thi-dua-ai-quoc",),
                 description="Công văn của Sở Nội vụ tỉnh Khánh Hòa, hướng tới Đại hội thi đua yêu nước "
                             "các cấp năm 2025."),
    SeedCampaign("tplaocai", "Lao động giỏi, Lao động sáng tạo – thành phố Lào Cai 2023", ("tplaocai",),
                 date(2023, 3, 1), 15, "#9467bd", ("quoc-te-lao-dong",), areas=("02647", "02671")),
)


@dataclass(frozen=True)
class SeedItem:
    campaign: str
    directive: str  # the seed file the paragraphs come from
    title: str
    paragraphs: tuple[str, ...]  # each the start of one paragraph of the seed, taken whole
    level: ContentLevel = ContentLevel.normal
    kind: ContentKind = ContentKind.news
    unit: str | None = None  # submitting commune's code (counts toward its quota)
    valid_after_days: int = 0  # valid from this many days after the first day of the history


ITEMS = (
    SeedItem("ldg", "sapa", "Tăng cường tuyên truyền phong trào “Lao động giỏi, lao động sáng tạo”",
             ("Thực hiện Kế hoạch số 205/KH-UBND-LĐLĐ", "- Tăng cường công tác tuyên truyền các phong trào thi đua")),
    SeedItem("ldg", "sapa", "Tăng thời lượng truyền thông trên hệ thống truyền thanh cơ sở",
             ("- Tăng cường thời lượng truyền thông",), ContentLevel.priority, ContentKind.notice),
    SeedItem("tdyn", "laocai", "Tư tưởng Hồ Chí Minh về thi đua yêu nước",
             ("- Tuyên truyền tư tưởng Hồ Chí Minh về thi đua yêu nước",
              "- Tuyên truyền tiếp tục phát huy truyền thống yêu nước")),
    SeedItem("tdyn", "laocai", "Chung sức xây dựng nông thôn mới, chung tay vì người nghèo",
             ("- Tuyên truyền, vận động người dân và doanh nghiệp",), ContentLevel.priority),
    SeedItem("dhtt", "sontay", "Thế nào là gương điển hình tiên tiến, người tốt, việc tốt",
             ("Những điển hình tiên tiến, người tốt, việc tốt phải là",), kind=ContentKind.exemplar, unit="02647"),
    SeedItem("dhtt", "sontay", "Mỗi tháng ít nhất một gương người tốt, việc tốt",
             ("- Hàng tháng mỗi đơn vị phát hiện biểu dương",), ContentLevel.priority, ContentKind.announcement),
    SeedItem("khanhhoa", "khanhhoa", "Phát hiện, nhân rộng điển hình tiên tiến, mô hình mới",
             ("2. Tiếp tục phát hiện, bồi dưỡng và nhân rộng",), kind=ContentKind.exemplar, unit="02671"),
    SeedItem("tplaocai", "tplaocai", "Vai trò, ý nghĩa của phong trào “Lao động giỏi, Lao động sáng tạo”",
             ("1. Các cơ quan, đơn vị, UBND các xã, phường đẩy mạnh",)),
    SeedItem("tplaocai", "tplaocai", "UBND thành phố Lào Cai kêu gọi thi đua",
             ("UBND thành phố Lào Cai kêu gọi toàn thể",), ContentLevel.priority, valid_after_days=2),
)


@dataclass
class _Context:
    session: Session
    settings: Settings
    echo: Callable[[str], None]
    today: date
    operator: Principal
    approver: Principal
    directives: dict[str, Directive] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)

    def at(self, hour: int, minute: int) -> datetime:
        """A local time of the editorial day, as an aware UTC instant (minutes may run past 59)."""
        start = datetime.combine(editorial_day(self.today), time(hour), tzinfo=self.settings.tz)
        return as_utc(start + timedelta(minutes=minute))


def history_start(today: date) -> date:
    """The first day of the demo's as-run history."""
    return today - timedelta(days=HISTORY_DAYS)


def editorial_day(today: date) -> date:
    """The day the demo's directives, campaigns and bulletins are recorded as written and approved."""
    return history_start(today) - timedelta(days=1)


def load_demo_campaigns(session: Session, settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Idempotent. Commits after each item so that a long render never holds the database."""
    ctx = _Context(session, settings, echo, local_today(settings.tz),
                   _principal(session, OPERATOR), _principal(session, APPROVER))
    for index, seed in enumerate(DIRECTIVES):
        ctx.directives[seed.key] = _directive(ctx, seed, ctx.at(7, 30 + index))
    echo(f"Văn bản chỉ đạo: {len(ctx.directives)}.")
    for index, seed_campaign in enumerate(CAMPAIGNS):
        ctx.campaigns[seed_campaign.key] = _campaign(ctx, seed_campaign, ctx.at(8, index))
    echo(f"Chiến dịch: {len(ctx.campaigns)} (soạn, duyệt tin ngày {editorial_day(ctx.today):%d/%m/%Y}).")
    session.commit()
    for index, item in enumerate(ITEMS, start=1):
        _item(ctx, item, index)
        session.commit()
    _quotas(ctx)
    session.commit()


def _principal(session: Session, username: str) -> Principal:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise Invalid(f"Thiếu người dùng mẫu {username!r}: hãy nạp địa bàn và người dùng mẫu trước.")
    scope = session.get(Area, user.area_id) if user.area_id else None
    return Principal(role=Role(user.role), user_id=user.id, username=user.username, scope=scope)


def _area(session: Session, code: str) -> Area:
    level = AreaLevel.province if code == PROVINCE_CODE else AreaLevel.commune
    area = get_area_by_code(session, code, level)
    if area is None:
        raise Invalid(f"Thiếu địa bàn mẫu mã {code}: hãy nạp tỉnh Lào Cai trước.")
    return area


def seed_text(file: str) -> str:
    return (SEED_DIR / file).read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def paragraph(text: str, start: str) -> str:
    """The whole paragraph of `text` that begins with `start`, list marker removed."""
    for para in paragraphs(text):
        if para.startswith(start):
            return _MARKER_RE.sub("", para, count=1)
    raise ValueError(f"no paragraph starts with {start!r}")


def _directive(ctx: _Context, seed: SeedDirective, at: datetime) -> Directive:
    found = ctx.session.exec(select(Directive).where(Directive.number == seed.number, Directive.issuer == seed.issuer)
                             .order_by(col(Directive.id))).first()
    if found is not None:
        return found
    recipients = [saved_id(_area(ctx.session, code)) for code in seed.recipients]
    data = DirectiveCreate(number=seed.number, issuer=seed.issuer, title=seed.title, starts_on=seed.starts_on,
                           ends_on=seed.ends_on, full_text=seed_text(seed.file).strip(), area_ids=recipients)
    # Not every seed is addressed to the demo province: recorded as national, as the admin would.
    return create_directive(ctx.session, data, actor=_national(ctx.operator), at=at)


def _national(actor: Principal) -> Principal:
    return Principal(role=Role.admin, user_id=actor.user_id, username=actor.username, scope=None)


def campaign_end(today: date) -> date:
    """Through the end of this year, and at least two months ahead: demo content airs whenever it is loaded."""
    return max(date(today.year, 12, 31), today + timedelta(days=60))


def _campaign(ctx: _Context, seed: SeedCampaign, at: datetime) -> Campaign:
    found = ctx.session.exec(select(Campaign).where(Campaign.name == seed.name)).first()
    if found is not None:
        return found
    data = CampaignCreate(name=seed.name, description=seed.description, starts_on=seed.starts_on,
                          ends_on=campaign_end(ctx.today),
                          area_ids=[saved_id(_area(ctx.session, c)) for c in seed.areas],
                          target_minutes_per_week=seed.target_minutes_per_week, color=seed.color,
                          commemorations=list(seed.commemorations),
                          directive_ids=[saved_id(ctx.directives[k]) for k in seed.directives])
    return create_campaign(ctx.session, data, actor=ctx.operator, at=at)


def _item(ctx: _Context, item: SeedItem, index: int) -> None:
    session, campaign = ctx.session, ctx.campaigns[item.campaign]
    prefix = f"  [{index}/{len(ITEMS)}] {item.title}"
    content = session.exec(select(Content).where(Content.campaign_id == campaign.id, Content.title == item.title)
                           .order_by(col(Content.id))).first()
    if content is None:
        directive = next(d for d in DIRECTIVES if d.key == item.directive)
        text = seed_text(directive.file)
        body = "\n\n".join(paragraph(text, start) for start in item.paragraphs)
        valid_from = history_start(ctx.today) + timedelta(days=item.valid_after_days)
        data = ContentCreate(title=item.title, body=body, campaign_id=campaign.id, level=item.level, kind=item.kind,
                             valid_from=valid_from, valid_until=ctx.today + timedelta(days=30),
                             unit_area_id=_area(session, item.unit).id if item.unit else None)
        content = contents.create_content(session, data, actor=ctx.operator, at=ctx.at(8, 30 + 15 * index))
    # Written in the morning, submitted a few minutes later, approved and rendered in the afternoon; an
    # item taken on from an earlier run never gets a step dated before the one it follows.
    rev = contents.latest_revision(session, content)
    if content.status in (ContentStatus.draft, ContentStatus.rejected):
        at = _after(ctx.at(8, 40 + 15 * index), rev.created_at)
        contents.submit_content(session, content, actor=ctx.operator, settings=ctx.settings, at=at,
                                render_in_background=False)
    if content.status == ContentStatus.submitted:
        at = _after(ctx.at(14, 10 * index), rev.submitted_at)
        contents.approve_content(session, content, actor=ctx.approver, settings=ctx.settings,
                                render_in_background=False, at=at)
    rev = contents.latest_revision(session, content)
    if rev.render_status == RenderStatus.ready and rev.audio_sha256:
        ctx.echo(f"{prefix}: đã có.")
        return
    session.commit()  # the approval is kept even if the render below fails

    def progress(done: int, total: int) -> None:
        if done == total or done % 5 == 0:
            ctx.echo(f"{prefix}: đọc {done}/{total} đoạn")

    rendered_at = _after(ctx.at(14, 10 * index + 2), rev.decided_at)
    result = render.render_now(session, saved_id(rev), ctx.settings, progress=progress, at=rendered_at)
    if result is not None:
        ctx.echo(f"{prefix}: âm thanh {result.duration_ms / 1000:.0f} giây ({result.engine_used}).")


def _after(planned: datetime, earlier: datetime | None) -> datetime:
    """The planned time, or a minute after the step it follows when that was later; never in the future."""
    if earlier is not None:
        planned = max(planned, as_utc(earlier) + timedelta(minutes=1))
    return min(planned, now_utc())


QUOTAS = (
    ("sontay", QuotaPeriod.monthly, 1, None,
     "Hằng tháng mỗi xã, phường ít nhất 01 gương ĐHTT, NTVT",
     "Kế hoạch Sơn Tây: hàng tháng mỗi đơn vị phát hiện, biểu dương ít nhất 01 gương ĐHTT, NTVT để tuyên truyền."),
    ("sontay", QuotaPeriod.deadline, 1, None,
     "Mỗi xã, phường ít nhất 01 bài viết về gương ĐHTT, NTVT tiêu biểu nhất (có hạn nộp)",
     "Kế hoạch Sơn Tây: mỗi xã, phường có ít nhất 01 bài viết, thủ trưởng đơn vị xác nhận; hạn gốc 28/4/2017, "
     "áp dụng cho tỉnh mẫu với hạn ngày 28 tháng sau."),
    ("khanhhoa", QuotaPeriod.monthly, 1, 2,
     "Hằng tháng giới thiệu từ 01 đến 02 gương người tốt, việc tốt",
     "Công văn Sở Nội vụ Khánh Hòa: hàng tháng lựa chọn và giới thiệu từ 01 đến 02 gương người tốt, việc tốt."),
)


def _quotas(ctx: _Context) -> None:
    province = _area(ctx.session, PROVINCE_CODE)
    month_start = ctx.today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=28)
    created = 0
    for directive_key, period, minimum, maximum, name, note in QUOTAS:
        if ctx.session.exec(select(QuotaRule).where(QuotaRule.name == name)).first() is not None:
            continue
        deadline = period == QuotaPeriod.deadline
        data = QuotaCreate(name=name, directive_id=ctx.directives[directive_key].id, area_id=saved_id(province),
                           unit_level=AreaLevel.commune, kind=ContentKind.exemplar, min_count=minimum,
                           max_count=maximum, period=period,
                           starts_on=month_start if deadline else date(ctx.today.year, 1, 1),
                           ends_on=next_month if deadline else campaign_end(ctx.today), note=note)
        create_rule(ctx.session, data, actor=ctx.operator)
        created += 1
    ctx.echo(f"Chỉ tiêu tin, bài: thêm {created}, tổng {len(QUOTAS)}.")
