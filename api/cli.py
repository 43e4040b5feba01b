"""The `loaxa` command line: serve, database, users, areas, speech and demo data."""

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import fail, open_engine
from core.config import get_settings
from core.db import session_scope, upgrade_database
from core.errors import DomainError

app = typer.Typer(help="loaxa — lịch phát thanh cho loa truyền thanh cơ sở.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
users_app = typer.Typer(help="Người dùng.", no_args_is_help=True)
areas_app = typer.Typer(help="Địa bàn và cụm loa.", no_args_is_help=True)
from api import cli_airtime, cli_contents, cli_devices, cli_playlists, cli_reports, cli_tts  # noqa: E402
from api.wiring import wire_events  # noqa: E402

app.add_typer(db_app, name="db")
app.add_typer(cli_tts.app, name="tts", help="Chuẩn hóa văn bản và tổng hợp tiếng nói.")
app.add_typer(cli_contents.app, name="contents", help="Tin, bài.")
app.add_typer(cli_playlists.app, name="playlists", help="Lịch phát và danh sách phát.")
app.add_typer(cli_reports.app, name="reports", help="Báo cáo thời lượng phát.")
app.add_typer(cli_airtime.app, name="airtime", help="Nhật ký phát: lưu trữ sự kiện cũ.")
app.add_typer(cli_devices.app, name="devices", help="Thiết bị phát: mã ghép nối.")
# The one scheduler process of a deployment (when LOAXA_SCHEDULER_ENABLED=false on the web hosts).
app.command("scheduler", help="Chạy bộ lập lịch (một tiến trình hoạt động; tiến trình sau chờ để tiếp quản).")(
    cli_playlists.scheduler)
app.add_typer(users_app, name="users")
app.add_typer(areas_app, name="areas")


@app.callback()
def _start() -> None:
    """Runs before every command: the event handlers are wired before any work (api.wiring)."""
    wire_events()




@app.command()
def serve(host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe")] = None,
          port: Annotated[int | None, typer.Option(help="Cổng")] = None) -> None:
    """Chạy API, giao diện web và bộ lập lịch."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    typer.echo(f"loaxa đang chạy tại http://{host}:{port}/  (API: http://{host}:{port}/docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu."""
    settings = get_settings()
    settings.ensure_dirs()
    upgrade_database(settings.sqlalchemy_url)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@users_app.command("create")
def users_create(username: Annotated[str, typer.Option(help="Tên đăng nhập")],
                 password: Annotated[str, typer.Option(help="Mật khẩu (ít nhất 8 ký tự)")],
                 role: Annotated[str, typer.Option(help="admin | operator | approver | supervisor")],
                 area_id: Annotated[int | None, typer.Option(help="Địa bàn được giao (mặc định: toàn quốc)")] = None,
                 full_name: Annotated[str | None, typer.Option(help="Họ và tên")] = None) -> None:
    """Tạo người dùng."""
    from pydantic import ValidationError

    from core.users import UserCreate, create_user

    try:
        data = UserCreate.model_validate({"username": username, "password": password, "role": role,
                                          "area_id": area_id, "full_name": full_name})
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    try:
        with session_scope(open_engine()) as session:
            user = create_user(session, data)
            typer.echo(f"Đã tạo người dùng {user.username} (id {user.id}, vai trò {user.role}).")
    except DomainError as exc:
        fail(exc.message)


@areas_app.command("import")
def areas_import(province: Annotated[str, typer.Option(help='Tên tỉnh, ví dụ "Lào Cai"')],
                 legacy: Annotated[bool, typer.Option(help="Dùng danh mục 63 tỉnh (trước 2025)")] = False) -> None:
    """Nạp các xã/phường thật của một tỉnh từ danh mục đơn vị hành chính."""
    from core.areas import import_province

    try:
        with session_scope(open_engine()) as session:
            result = import_province(session, province, legacy=legacy)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"Đã thêm {result.created} địa bàn, {result.existing} địa bàn đã có.")


@areas_app.command("add-cluster")
def areas_add_cluster(commune_code: Annotated[str, typer.Option(help="Mã xã/phường")],
                      name: Annotated[str, typer.Option(help="Tên cụm loa")],
                      code: Annotated[str | None, typer.Option(help="Mã cụm loa")] = None) -> None:
    """Thêm một cụm loa vào xã/phường."""
    from core.areas import AreaCreate, AreaLevel, create_area, get_area_by_code

    try:
        with session_scope(open_engine()) as session:
            commune = get_area_by_code(session, commune_code, AreaLevel.commune)
            if commune is None:
                fail(f"Không có xã/phường mã {commune_code!r}.")
            area = create_area(session, AreaCreate(name=name, level=AreaLevel.cluster, code=code,
                                                   parent_id=commune.id))
            typer.echo(f"Đã thêm cụm loa {area.name} (id {area.id}) vào {commune.name}.")
    except DomainError as exc:
        fail(exc.message)


@areas_app.command("import-clusters")
def areas_import_clusters(
    path: Annotated[Path, typer.Argument(help="Tệp CSV: mã xã,tên cụm loa[,mã cụm loa]")],
) -> None:
    """Nhập hàng loạt cụm loa từ tệp CSV (tất cả hoặc không gì cả)."""
    from core.areas import import_clusters_csv

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"Không đọc được {path}: {exc}")
    with session_scope(open_engine()) as session:
        result = import_clusters_csv(session, text, scope=None)
        if result.errors:
            session.rollback()
            for err in result.errors:
                typer.secho(err, fg=typer.colors.RED, err=True)
            raise typer.Exit(code=1)
    typer.echo(f"Đã thêm {result.created} cụm loa, {result.existing} cụm loa đã có.")


@app.command()
def demo(allow_network: Annotated[bool, typer.Option(
        "--allow-network", help="Vẫn nạp khi máy chủ nghe trên mạng (mật khẩu mẫu ai cũng biết)")] = False) -> None:
    """Nạp dữ liệu mẫu: tỉnh Lào Cai, cụm loa, người dùng, chiến dịch, lịch phát (chạy lại không sao)."""
    from api.demo import is_loopback_host, load_demo

    settings = get_settings()
    # The demo users share a published password: on a server others can reach they are open doors.
    if not is_loopback_host(settings.host):
        if not allow_network:
            fail(f"LOAXA_HOST={settings.host} không phải địa chỉ nội bộ (127.0.0.1, localhost): dữ liệu mẫu có "
                  "mật khẩu ai cũng biết nên không được nạp vào máy chủ mở ra mạng. Thêm --allow-network nếu "
                  "thật sự muốn, rồi đổi hoặc xoá các tài khoản mẫu.")
        typer.secho("Cảnh báo: dữ liệu mẫu với mật khẩu loaxa-demo-2026 đang được nạp vào máy chủ mở ra mạng "
                    f"({settings.host}). Hãy đổi hoặc xoá các tài khoản mẫu trước khi dùng thật.",
                    fg=typer.colors.YELLOW, err=True)
    load_demo(settings, open_engine(), echo=typer.echo)


@app.command("backup")
def backup_command(directory: Annotated[Path, typer.Argument(help="Thư mục mới để chứa bản sao lưu")]) -> None:
    """Sao lưu cơ sở dữ liệu, tệp âm thanh và khóa bí mật (kèm mã kiểm tra) vào một thư mục mới."""
    from core.backup import backup
    from core.formatting import size_text

    try:
        summary = backup(get_settings(), directory, echo=typer.echo)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"Đã sao lưu {summary.files} tệp ({size_text(summary.bytes)}, {summary.database}) vào "
               f"{summary.directory}.")


@app.command("restore")
def restore_command(directory: Annotated[Path, typer.Argument(help="Thư mục bản sao lưu")],
                    force: Annotated[bool, typer.Option("--force", help="Ghi đè cơ sở dữ liệu đang có dữ liệu")]
                    = False) -> None:
    """Khôi phục một bản sao lưu, rồi kiểm tra chuỗi băm nhật ký phát của mọi cụm loa."""
    from datetime import datetime

    from core.backup import restore
    from core.timeutil import to_local

    settings = get_settings()
    try:
        manifest = restore(settings, directory, force=force, echo=typer.echo)
    except DomainError as exc:
        fail(exc.message)
    upgrade_database(settings.sqlalchemy_url)  # a backup from an older version gets today's schema
    made = to_local(datetime.fromisoformat(manifest["created_at"]), settings.tz)
    typer.echo(f"Đã khôi phục bản sao lưu lúc {made:%H:%M %d/%m/%Y}. Kiểm tra nhật ký phát:")
    cli_reports.verify(cluster_id=None)


@app.command("agent", add_help_option=False,
             context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def agent_command(ctx: typer.Context) -> None:
    """Tác tử phát cho cụm loa: pair, run, status, install-service (`loaxa agent --help`)."""
    from agent.cli import main as agent_main  # the agent's own command line (agent/cli.py), unchanged

    raise typer.Exit(code=agent_main(ctx.args, prog="loaxa agent"))


@app.command()
def worker() -> None:
    """Chạy một tiến trình xử lý tác vụ nền trên Redis (khi LOAXA_TASK_BACKEND=rq)."""
    from core.rq_worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise typer.Exit(code=run_worker(get_settings(), open_engine()))


if __name__ == "__main__":
    sys.exit(app())
