"""Directives ("kế hoạch", "công văn"): the documents behind campaigns and quotas."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import MAX_ID, IdPath, OperatorUser, Reader, SessionDep
from campaigns.directives import (
    create_directive,
    directives_public,
    get_directive,
    list_directives,
    update_directive,
)
from campaigns.schemas import DirectiveCreate, DirectivePublic, DirectiveUpdate

router = APIRouter(tags=["directives"])


@router.post("/directives", response_model=DirectivePublic, status_code=status.HTTP_201_CREATED,
             summary="Record a directive (number, date, issuer, title, period, full text, recipient areas)")
def create(session: SessionDep, principal: OperatorUser, body: DirectiveCreate) -> DirectivePublic:
    directive = create_directive(session, body, actor=principal)
    return directives_public(session, [directive], with_text=True)[0]


@router.get("/directives", response_model=list[DirectivePublic],
            summary="Directives addressed to the caller's subtree (and national ones); X-Total-Count header")
def list_(session: SessionDep, principal: Reader, response: Response,
          q: Annotated[str | None, Query(max_length=100)] = None,
          area_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[DirectivePublic]:
    rows, total = list_directives(session, actor=principal, q=q, area_id=area_id, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return directives_public(session, rows)


@router.get("/directives/{directive_id}", response_model=DirectivePublic, summary="One directive, with its text")
def get(session: SessionDep, principal: Reader, directive_id: IdPath) -> DirectivePublic:
    return directives_public(session, [get_directive(session, directive_id, actor=principal)], with_text=True)[0]


@router.patch("/directives/{directive_id}", response_model=DirectivePublic, summary="Change a directive")
def patch(session: SessionDep, principal: OperatorUser, directive_id: IdPath,
          body: DirectiveUpdate) -> DirectivePublic:
    directive = update_directive(session, get_directive(session, directive_id, actor=principal), body,
                                 actor=principal)
    return directives_public(session, [directive], with_text=True)[0]
