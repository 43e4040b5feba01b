"""`loaxa contents ...`: list, show, import and (re-)render content items from the shell."""

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import fail, open_engine
from core.config import get_settings
from core.db import saved_id
from core.formatting import duration_words

app = typer.Typer(no_args_is_help=True, help="Tin, bài.")




def _principal(session, username: str | None):
    """The named user (their scope and role apply), or the whole country for read-only commands."""
    from sqlmodel import select

    from core.areas import Area
    from core.users import Principal, Role, User

    if username is None:
        return Principal(role=Role.admin, user_id=None, username="cli", scope=None)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        fail(f"Không có người dùng {username!r}.")
    scope = session.get(Area, user.area_id) if user.area_id else None
    return Principal(role=Role(user.role), user_id=user.id, username=user.username, scope=scope)


@app.command("list")
def list_cmd(status: Annotated[str | None, typer.Option(help="draft | submitted | approved | rejected | archived")]
             = None,
             limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Liệt kê tin, bài mới nhất."""
    from campaigns.contents import list_contents
    from core.db import session_scope

    with session_scope(open_engine()) as session:
        rows, total = list_contents(session, actor=_principal(session, None), status=status, limit=limit)
        for c in rows:
            typer.echo(f"{c.id:>6}  {c.status:<10} {c.level:<9} {c.valid_from:%d/%m/%Y}-{c.valid_until:%d/%m/%Y}  "
                       f"{c.title}")
    typer.echo(f"({len(rows)}/{total})")


@app.command("show")
def show_cmd(content_id: int) -> None:
    """In một tin (JSON như GET /api/v1/contents/{id})."""
    from campaigns.contents import content_public, get_content
    from core.db import session_scope
    from core.errors import DomainError
    from core.timeutil import local_today

    settings = get_settings()
    try:
        with session_scope(open_engine()) as session:
            content = get_content(session, content_id, actor=_principal(session, None))
            public = content_public(session, content, today=local_today(settings.tz))
    except DomainError as exc:
        fail(exc.message)
    typer.echo(json.dumps(public.model_dump(mode="json"), ensure_ascii=False, indent=2))


@app.command("import")
def import_cmd(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tệp .csv hoặc .xlsx")],
               user: Annotated[str, typer.Option("--user", help="Biên tập viên nhập tin (phạm vi của họ áp dụng)")],
               campaign_id: Annotated[int | None, typer.Option(help="Chiến dịch mặc định")] = None,
               submit: Annotated[bool, typer.Option(help="Gửi duyệt ngay")] = False) -> None:
    """Nhập tin, bài từ bảng tính (cùng định dạng với POST /api/v1/contents/import)."""
    from campaigns.importer import import_contents
    from core.db import session_scope
    from core.errors import DomainError

    try:
        with session_scope(open_engine()) as session:
            outcome = import_contents(session, path.read_bytes(), path.name, actor=_principal(session, user),
                                      settings=get_settings(), campaign_id=campaign_id, submit=submit)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"Đã nhập {len(outcome.ids)} tin (gửi duyệt {outcome.submitted}): {', '.join(map(str, outcome.ids))}")


@app.command("render")
def render_cmd(content_id: int) -> None:
    """Tạo lại âm thanh của bản đã duyệt, ngay trong tiến trình này (có hiển thị tiến độ)."""
    from campaigns.contents import get_content, latest_revision
    from campaigns.models import ContentRevision, RevisionStatus
    from campaigns.render import render_now
    from core.db import session_scope
    from core.errors import DomainError

    settings = get_settings()
    try:
        with session_scope(open_engine()) as session:
            content = get_content(session, content_id, actor=_principal(session, None))
            latest = latest_revision(session, content)
            rev = latest if latest.status == RevisionStatus.approved else (
                session.get(ContentRevision, content.airing_revision_id) if content.airing_revision_id else None)
            if rev is None:
                fail("Tin chưa được duyệt.")
            result = render_now(session, saved_id(rev), settings, notify=True,
                                progress=lambda done, total: typer.echo(f"  {done}/{total}"))
    except DomainError as exc:
        fail(exc.message)
    if result is None:
        typer.echo("Tin dùng bản ghi âm: không tạo âm thanh tự động.")
    else:
        typer.echo(f"{result.url}  {duration_words(result.duration_ms)}  ({result.engine_used})")
