"""`loaxa contents ...` commands against the test database."""

import json

import pytest
from typer.testing import CliRunner

import api.cli_contents as cli
from tests.campaigns.helpers import act, create_content, today


@pytest.fixture
def run(engine, settings, monkeypatch):
    monkeypatch.setattr(cli, "open_engine", lambda: engine)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(cli.app, list(args))
        return result

    return invoke


def test_list_show_import_and_render(run, client, world, auth, tmp_path):
    op = auth("operator_a")
    item = create_content(client, op, area_ids=[world.commune_a.id], title="Tin thử dòng lệnh", body="Xin chào.")
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    assert f"{item['id']}  draft" in listed.output and "Tin thử dòng lệnh" in listed.output

    shown = run("show", str(item["id"]))
    assert shown.exit_code == 0 and json.loads(shown.output)["title"] == "Tin thử dòng lệnh"
    assert run("show", "999").exit_code == 1

    sheet = tmp_path / "tin.csv"
    d = today().strftime("%d/%m/%Y")
    sheet.write_text(f"tiêu đề,nội dung,từ ngày,đến ngày\nTin nhập,Nội dung.,{d},{d}\n", encoding="utf-8")
    imported = run("import", str(sheet), "--user", "operator_b", "--submit")
    assert imported.exit_code == 0, imported.output
    assert "Đã nhập 1 tin (gửi duyệt 1)" in imported.output
    assert run("import", str(sheet), "--user", "nobody").exit_code == 1

    assert run("render", str(item["id"])).exit_code == 1  # not approved
    act(client, op, item["id"], "submit")
    act(client, auth("approver_a"), item["id"], "approve")
    rendered = run("render", str(item["id"]))
    assert rendered.exit_code == 0, rendered.output
    assert "/media/" in rendered.output and "espeak-ng" in rendered.output
