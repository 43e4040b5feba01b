"""`loaxa airtime ...`: archiving old as-run events (docs/airtime.md, "Archiving")."""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import fail, open_engine
from core.config import get_settings
from core.errors import DomainError
from core.formatting import thousands

app = typer.Typer(no_args_is_help=True, help="Nhật ký phát: lưu trữ sự kiện cũ.")


@app.callback()
def airtime() -> None:
    """Nhật ký phát: lưu trữ sự kiện cũ."""  # a group even with one command: `loaxa airtime archive`


def parse_day(text: str) -> date:
    """dd/mm/yyyy (what users type) or yyyy-mm-dd."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    fail(f"Ngày {text!r} không hợp lệ: dùng dd/mm/yyyy (ví dụ 01/01/2025) hoặc yyyy-mm-dd.")


@app.command("archive")
def archive_command(
    before: Annotated[str, typer.Option("--before", help="Lưu trữ các sự kiện của những ngày TRƯỚC ngày này "
                                                         "(dd/mm/yyyy hoặc yyyy-mm-dd)")],
    directory: Annotated[Path | None, typer.Option("--dir", help="Thư mục chứa tệp lưu trữ (mặc định: "
                                                                 "<LOAXA_DATA_DIR>/archive)")] = None,
) -> None:
    """Ghi nhật ký phát cũ của từng cụm loa ra tệp CSV đã kiểm tra chuỗi băm, ghi điểm kiểm tra rồi xóa khỏi CSDL."""
    from airtime.archive import archive

    settings = get_settings()
    day = parse_day(before)
    target = directory or settings.data_dir / "archive"
    try:
        result = archive(open_engine(), before=day, directory=target, tz=settings.tz,
                         progress=lambda line: typer.echo(line, err=True))
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"Đã lưu trữ {thousands(result.events)} sự kiện của {result.clusters} cụm loa (các ngày trước "
               f"{day:%d/%m/%Y}) vào {target}.")
