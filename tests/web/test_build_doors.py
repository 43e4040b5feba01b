"""A day's build is asked for through one service (playlists.tasks.submit_build) from the API and the page:
the same checks, the same queued task, the same threshold for running in the background."""

import re
from datetime import timedelta

from sqlmodel import Session

from core.tasks import Task, wait
from core.timeutil import now_utc


def _today(settings):
    return now_utc().astimezone(settings.tz).date()


def _task(engine, task_id: int) -> Task:
    with Session(engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task


def test_both_doors_queue_the_same_build(client, world, auth, web_login, engine, settings):
    day = _today(settings) + timedelta(days=1)
    api = client.post("/api/v1/playlists/build", headers=auth("operator_a"),
                      json={"date": day.isoformat(), "area_id": world.commune_a.id, "background": True})
    assert api.status_code == 202 and api.json()["status"] == "queued" and api.json()["playlists"] == 2
    csrf = web_login("operator_a")
    page = client.post("/playlists/build", data={"area_id": str(world.commune_a.id), "day": f"{day:%d/%m/%Y}",
                                                 "csrf_token": csrf})
    assert page.status_code == 200
    from_api = _task(engine, api.json()["task_id"])
    from_page = _task(engine, int(re.search(r'id="task-(\d+)"', page.text).group(1)))
    assert from_api.func == from_page.func == "playlists.tasks:build_day_task"
    assert from_api.title == from_page.title == f"Lập danh sách phát ngày {day:%d/%m/%Y} — {world.commune_a.name}"
    assert {k: v for k, v in from_api.kwargs.items() if k != "reason"} == \
        {k: v for k, v in from_page.kwargs.items() if k != "reason"}
    assert (from_api.kwargs["reason"], from_page.kwargs["reason"]) == ("manual", "web")
    assert from_api.kwargs["area_id"] == world.commune_a.id and from_api.kwargs["day"] == day.isoformat()
    for task in (from_api, from_page):
        assert wait(engine, task.id, timeout=60).status == "done"


def test_both_doors_refuse_a_day_too_far_with_the_same_words(client, world, auth, web_login, settings):
    far = _today(settings) + timedelta(days=400)
    api = client.post("/api/v1/playlists/build", headers=auth("operator_a"), json={"date": far.isoformat()})
    assert api.status_code == 422
    words = api.json()["detail"]
    assert "366" in words
    csrf = web_login("operator_a")
    page = client.post("/playlists/build", data={"day": f"{far:%d/%m/%Y}", "csrf_token": csrf})
    assert page.status_code == 422 and words in page.text


def test_a_build_past_the_synchronous_size_runs_in_the_background(client, world, auth, engine, settings,
                                                                   monkeypatch):
    import playlists.tasks

    monkeypatch.setattr(playlists.tasks, "SYNC_BUILD_MAX_CLUSTERS", 1)
    response = client.post("/api/v1/playlists/build", headers=auth("operator_a"),
                           json={"date": _today(settings).isoformat()})
    assert response.status_code == 202 and response.json()["playlists"] == 2
    assert wait(engine, response.json()["task_id"], timeout=60).status == "done"
    small = client.post("/api/v1/playlists/build", headers=auth("operator_a"),
                        json={"date": _today(settings).isoformat(), "area_id": world.clusters_a[0].id})
    assert small.status_code == 200 and small.json()["playlists"] == 1 and small.json()["build_id"]
