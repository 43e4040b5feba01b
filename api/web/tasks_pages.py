"""Progress of long actions (rendering many items, building a province): a box that polls the Task row."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import IdPath, SessionDep
from api.web.common import WebUser, render, web_router
from core.errors import NotFound
from core.tasks import TASK_STATUS_LABELS, Task, TaskStatus, get_task
from core.users import Principal, Role

router = web_router()


def visible_task(session, principal: Principal, task_id: int) -> Task:
    task = get_task(session, task_id)
    # Approvers follow the audio being made for what they will sign off (renders start on submission, by the
    # operator), as supervisors follow everyone's work.
    if principal.role not in (Role.admin, Role.supervisor, Role.approver) and task.created_by != principal.user_id:
        raise NotFound("tác vụ", task_id)
    return task


def task_view(task: Task) -> dict:
    finished = task.status in (TaskStatus.done, TaskStatus.failed)
    return {"task": task, "finished": finished, "label": TASK_STATUS_LABELS[TaskStatus(task.status)],
            "percent": int(100 * task.progress_done / task.progress_total) if task.progress_total else None}


@router.get("/tasks/{task_id}/progress", response_class=HTMLResponse)
def task_progress(request: Request, session: SessionDep, principal: WebUser, task_id: IdPath,
                  refresh: bool = False) -> HTMLResponse:
    """htmx partial: replaces itself every second until the task has finished; with `refresh`, the finished
    answer also reloads the page (htmx's HX-Refresh), which then shows the task's result and its effects."""
    view = task_view(visible_task(session, principal, task_id))
    response = render(request, "_task.html", **view, refresh=refresh)
    if refresh and view["finished"]:
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, session: SessionDep, principal: WebUser, task_id: IdPath) -> HTMLResponse:
    return render(request, "task.html", **task_view(visible_task(session, principal, task_id)), refresh=False)
