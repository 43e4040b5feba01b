"""Page filter forms send every field, an unchosen one blank (`?area_id=&campaign_id=` for "Toàn quốc" and
"Tất cả"). For the pages a blank field means "not given": this middleware drops blank query parameters
before routing, so `int | None` filters see None instead of answering a validation error. The API (/api/)
is left exactly as it is."""

from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

UNTOUCHED_PREFIXES = ("/api/", "/media/", "/static/")


class DropBlankQueryParams:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string") and not scope["path"].startswith(UNTOUCHED_PREFIXES):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if v.strip()]
            if len(kept) != len(pairs):
                scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)
