"""`loaxa devices ...`: the fleet from the server's shell (a pairing code without opening the web UI)."""

from typing import Annotated

import typer
from sqlmodel import select

from api.cli_common import fail
from core.config import get_settings
from core.db import make_engine, session_scope, upgrade_database
from core.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Thiết bị phát của các cụm loa.")


def default_server_url() -> str:
    """What a device on this network would type: the public address when set, else where `serve` listens."""
    settings = get_settings()
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


@app.command("pair-code")
def pair_code(
    cluster: Annotated[str, typer.Argument(help="Cụm loa: id (số) hoặc mã cụm, ví dụ 02923-C03")],
    server: Annotated[str | None, typer.Option(help="Địa chỉ máy chủ thiết bị sẽ dùng (mặc định: "
                                                    "LOAXA_PUBLIC_BASE_URL, hoặc nơi `loaxa serve` lắng nghe)")] = None,
    state: Annotated[str | None, typer.Option(help="Thư mục trạng thái của tác tử trong lệnh in ra")] = None,
) -> None:
    """Tạo mã ghép nối một lần (15 phút) cho một cụm loa và in lệnh `loaxa agent pair` để chép."""
    from core.areas import Area, AreaLevel
    from core.timeutil import now_utc
    from devices.pairing import STATE_DIR, create_pairing_code

    settings = get_settings()
    settings.ensure_dirs()
    upgrade_database(settings.sqlalchemy_url)
    try:
        with session_scope(make_engine(settings.sqlalchemy_url)) as session:
            if cluster.isdigit():
                found = [a for a in [session.get(Area, int(cluster))] if a is not None]
            else:
                found = list(session.exec(select(Area).where(Area.code == cluster, Area.level == AreaLevel.cluster)))
            if not found:
                fail(f"Không có cụm loa {cluster!r}. Dùng id của cụm (trang Thiết bị hoặc trang địa bàn) "
                     "hoặc mã cụm loa.")
            if len(found) > 1:
                fail(f"Mã {cluster!r} có ở nhiều xã: dùng id của cụm ({', '.join(str(a.id) for a in found)}).")
            area = found[0]
            issued = create_pairing_code(session, area, created_by=None, now=now_utc())
            name = area.name
    except DomainError as exc:
        fail(exc.message)
    expires = issued.expires_at.astimezone(settings.tz)
    command = (f"loaxa agent pair --server {(server or default_server_url()).rstrip('/')} "
               f"--code {issued.code} --state {state or STATE_DIR}")
    typer.echo(f"Mã ghép nối cho cụm loa {name} (id {issued.cluster_id}): {issued.code}")
    typer.echo(f"Hết hạn lúc {expires:%H:%M %d/%m/%Y} (15 phút), chỉ dùng một lần.")
    typer.echo("Trên thiết bị, chạy:")
    typer.echo(f"  {command}")
