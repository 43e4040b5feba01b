"""`loaxa reports ...`: airtime reports to a file, chain verification, anomalies."""

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import col

from api.cli_common import fail, open_engine
from core.config import get_settings
from core.db import session_scope
from core.errors import DomainError
from core.formatting import thousands

app = typer.Typer(no_args_is_help=True, help="Báo cáo thời lượng phát, kiểm tra chuỗi băm, bất thường.")




def _write(path: Path | None, data: bytes) -> None:
    """To the file atomically (temp file, fsync, rename), or to stdout."""
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    typer.echo(f"Đã ghi {path} ({thousands(len(data))} byte).", err=True)


@app.command("airtime")
def airtime(
    day_from: Annotated[str, typer.Option("--from", help="Ngày đầu (YYYY-MM-DD)")],
    day_to: Annotated[str, typer.Option("--to", help="Ngày cuối (YYYY-MM-DD)")],
    group_by: Annotated[str, typer.Option(help="campaign | directive | area | cluster | content | day")] = "campaign",
    area_id: Annotated[int | None, typer.Option(help="Chỉ địa bàn này")] = None,
    campaign_id: Annotated[int | None, typer.Option(help="Chỉ chiến dịch này")] = None,
    area_level: Annotated[str | None, typer.Option(help="group_by=area: province | district | commune")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json | csv | csv_vi | xlsx | pdf")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Tệp kết quả (mặc định: stdout)")] = None,
    signer_name: Annotated[str | None, typer.Option(help="Người lập biểu")] = None,
) -> None:
    """Báo cáo thời lượng phát (kế hoạch, đã phát, chỉ tiêu, tỷ lệ) ra JSON/CSV/XLSX/PDF (csv_vi: CSV để đọc)."""
    from airtime import documents
    from airtime.aggregate import ReportQuery
    from airtime.report_values import totals
    from airtime.reports import airtime_rows
    from core.areas import AreaLevel, get_area

    try:
        start, end = date.fromisoformat(day_from), date.fromisoformat(day_to)
        level = AreaLevel(area_level) if area_level else None
    except ValueError as exc:
        fail(str(exc))
    if fmt not in documents.AIRTIME_FORMATS:
        fail(f"Định dạng {fmt!r} không hỗ trợ; chọn một trong: {', '.join(documents.AIRTIME_FORMATS)}.")
    try:
        with session_scope(open_engine()) as session:
            area = get_area(session, area_id) if area_id else None
            q = ReportQuery(start, end, group_by, area, campaign_id, level, tz=get_settings().tz)
            rows = airtime_rows(session, q)
            if fmt == "json":
                payload = {"rows": [r.__dict__ for r in rows], "totals": totals(rows).__dict__,
                           "group_by": group_by, "from": start.isoformat(), "to": end.isoformat()}
                _write(output, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode())
                return
            from campaigns.models import Campaign

            campaign = session.get(Campaign, campaign_id) if campaign_id else None
            meta = documents.report_meta(session, title=documents.TITLE, group_by=group_by, day_from=start,
                                         day_to=end, area=area, campaign_label=campaign.name if campaign else None,
                                         signer_name=signer_name, tz=get_settings().tz)
            doc = documents.airtime_document(session, q, rows, fmt, meta)
    except DomainError as exc:
        fail(exc.message)
    _write(output, doc.content)


@app.command("verify")
def verify(cluster_id: Annotated[int | None, typer.Option(help="Một cụm loa (mặc định: tất cả)")] = None) -> None:
    """Kiểm tra chuỗi băm nhật ký phát và số liệu tổng hợp; mã thoát 1 nếu có chuỗi bị sửa/xóa hoặc tổng hợp sai."""
    from sqlmodel import select

    from airtime.chain import verify_cluster
    from airtime.models import PlayChain
    from airtime.rollups import check_cluster

    broken = 0
    with session_scope(open_engine()) as session:
        ids = [cluster_id] if cluster_id else list(session.exec(select(PlayChain.cluster_id)
                                                                .order_by(col(PlayChain.cluster_id))))
        for cid in ids:
            check = verify_cluster(session, cid)
            since = f" (từ điểm lưu trữ {check.checkpoint_seq})" if check.checkpoint_seq else ""
            if check.ok:
                typer.echo(f"Cụm loa {cid}: toàn vẹn, {check.checked} sự kiện{since}, đầu chuỗi {check.head_hash}")
            else:
                broken += 1
                fb = check.first_broken
                assert fb is not None  # a chain that is not ok says where it breaks
                typer.secho(f"Cụm loa {cid}: HỎNG tại vị trí {fb.seq} (sự kiện {fb.event_id}): {fb.reason}",
                            fg=typer.colors.RED)
            totals = check_cluster(session, cid)
            if not totals.ok:
                broken += 1
                typer.secho(f"Cụm loa {cid}: SỐ LIỆU TỔNG HỢP SAI: {totals.first_mismatch}", fg=typer.colors.RED)
    if broken:
        raise typer.Exit(code=1)


@app.command("anomalies")
def anomalies(
    day_from: Annotated[str, typer.Option("--from", help="Ngày đầu (YYYY-MM-DD)")],
    day_to: Annotated[str, typer.Option("--to", help="Ngày cuối (YYYY-MM-DD)")],
    area_id: Annotated[int | None, typer.Option(help="Chỉ địa bàn này")] = None,
) -> None:
    """Liệt kê các lần phát bất thường (nội dung chưa duyệt, ngoài hiệu lực...) và cụm loa im lặng."""
    from airtime.anomalies import anomalies as find_anomalies
    from airtime.silent import silent_clusters
    from core.areas import get_area
    from core.timeutil import now_utc

    settings = get_settings()
    try:
        start, end = date.fromisoformat(day_from), date.fromisoformat(day_to)
    except ValueError as exc:
        fail(str(exc))
    try:
        with session_scope(open_engine()) as session:
            area = get_area(session, area_id) if area_id else None
            found, total = find_anomalies(session, day_from=start, day_to=end, area=area, tz=settings.tz)
            silent = silent_clusters(session, area=area, now=now_utc(), after_days=settings.silent_after_days)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"{total} lần phát bất thường.")
    for a in found:
        typer.echo(f"{a.started_at.astimezone(settings.tz):%d/%m/%Y %H:%M} {a.cluster_label}: "
                   f"{a.title or a.content_id} — {a.kind_label}")
    typer.echo(f"{len(silent)} cụm loa không có báo cáo quá {settings.silent_after_days} ngày.")
    for s in silent:
        last = f"{s.last_started_at.astimezone(settings.tz):%d/%m/%Y %H:%M}" if s.last_started_at else "chưa bao giờ"
        typer.echo(f"  {s.label}: lần cuối {last}")
