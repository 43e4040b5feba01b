from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from api.deps import CurrentPrincipal, SessionDep, SettingsDep
from core.users import authenticate, logout

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Message(BaseModel):
    detail: str


@router.post("/token", response_model=TokenOut,
             responses={403: {"model": Message}, 429: {"model": Message}},
             summary="Log in with username and password (form fields) and get a bearer token")
def login(request: Request, session: SessionDep, settings: SettingsDep,
          username: Annotated[str, Form(min_length=1, max_length=200)],
          password: Annotated[str, Form(min_length=1, max_length=200)]) -> TokenOut:
    token = authenticate(session, username, password, max_failures=settings.login_max_failures,
                         window_seconds=settings.login_window_seconds,
                         token_minutes=settings.access_token_minutes,
                         client=request.client.host if request.client else "")
    return TokenOut(access_token=token)


@router.post("/logout", response_model=Message, summary="Revoke the token used for this call")
def logout_route(session: SessionDep, principal: CurrentPrincipal) -> Message:
    logout(session, principal)
    return Message(detail="Đã đăng xuất.")
