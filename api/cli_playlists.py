"""`loaxa playlists ...` commands: build and publish a day, show a playlist, forecast a week, run the scheduler."""

import json
import logging
from datetime import date
from typing import Annotated

import typer

from api.cli_common import fail, open_engine
from core.config import get_settings
from core.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Lịch phát và danh sách phát.")


def _engine():
    return get_settings(), open_engine()



def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"Ngày phải có dạng YYYY-MM-DD, nhận {text!r}.")
        raise


@app.command("build")
def build(day: Annotated[str, typer.Option("--date", help="Ngày cần lập (YYYY-MM-DD)")],
          area_id: Annotated[int | None, typer.Option(help="Chỉ các cụm loa dưới địa bàn này")] = None) -> None:
    """Lập và công bố danh sách phát của một ngày (in kết quả dạng JSON)."""
    from core.timeutil import local_today
    from playlists.service import build_day, check_build_day

    settings, engine = _engine()
    the_day = _day(day)
    try:
        check_build_day(the_day, local_today(settings.tz))

        def progress(done: int, total: int, message: str) -> None:
            typer.echo(message, err=True)

        result = build_day(engine, day=the_day, tz=settings.tz, area_id=area_id, progress=progress)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))


@app.command("show")
def show(cluster_id: Annotated[int, typer.Option("--cluster", help="Mã cụm loa")],
         day: Annotated[str, typer.Option("--date", help="Ngày (YYYY-MM-DD)")],
         form: Annotated[str, typer.Option("--format", help="json | m3u8")] = "json") -> None:
    """In danh sách phát đã công bố của một cụm loa."""
    from sqlmodel import Session

    from playlists.formats import load_view, m3u8, playlist_json

    settings, engine = _engine()
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    try:
        with Session(engine) as session:
            view = load_view(session, cluster_id, _day(day))
    except DomainError as exc:
        fail(exc.message)
    if form == "m3u8":
        typer.echo(m3u8(view, settings.tz, base), nl=False)
    else:
        typer.echo(json.dumps(playlist_json(view, settings.tz, base), ensure_ascii=False, indent=2))


@app.command("forecast")
def forecast(campaign_id: Annotated[int, typer.Option("--campaign", help="Mã chiến dịch")],
             week: Annotated[str | None, typer.Option(help="Tuần ISO, ví dụ 2026-W24 (mặc định tuần này)")] = None,
             ) -> None:
    """Dự báo thời lượng phát của một chiến dịch trong một tuần so với chỉ tiêu."""
    from sqlmodel import Session

    from core.timeutil import local_today
    from playlists.forecast import forecast_campaign, parse_week

    settings, engine = _engine()
    today = local_today(settings.tz)
    try:
        with Session(engine) as session:
            result = forecast_campaign(session, campaign_id=campaign_id, week_start=parse_week(week, None, today),
                                       tz=settings.tz)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))


@app.command("scheduler")
def scheduler() -> None:
    """Chạy bộ lập lịch riêng (khi LOAXA_SCHEDULER_ENABLED=false cho loaxa serve). Chỉ một bộ chạy mỗi hệ thống;
    bộ khởi động sau sẽ chờ và tự tiếp quản khi bộ đang chạy dừng."""
    from scheduler.service import run_standalone

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings, engine = _engine()
    raise typer.Exit(run_standalone(settings, engine))
