from fastapi import APIRouter

from api.deps import CurrentPrincipal, IdPath, SessionDep
from core.errors import NotFound
from core.tasks import TaskPublic, get_task, task_public
from core.users import Role

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get("/{task_id}", response_model=TaskPublic, summary="Progress of a background task")
def get(session: SessionDep, principal: CurrentPrincipal, task_id: IdPath) -> TaskPublic:
    task = get_task(session, task_id)
    if principal.role not in (Role.admin, Role.supervisor) and task.created_by != principal.user_id:
        raise NotFound("tác vụ", task_id)
    return task_public(task)
