"""The suite's own hostile-input fuzzer: every operation of the OpenAPI schema is called with a body and
parameters built from its schema, and each string and date in turn replaced by what broke servers before
(a lone surrogate, a NUL, a formula, text that speaks as silence, calendar edges). Schemathesis (see
test_schema_fuzz.py) explores shapes; it never sends these values, because Hypothesis' text excludes
surrogates and its dates rarely touch year 1 or 9999. Every answer must be below 500 and a 4xx must say
what is wrong."""

import copy
import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

HOSTILE_STRINGS = ["\ud800", "a\x00b", "=1+1", " \n\t ", "…", "\u202eABC", "x" * 5000]
EDGE_DATES = ["0001-01-01", "9999-12-31", "2026-02-30"]
EDGE_DATETIMES = ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59+07:00", "9999-12-31T23:59:59-12:00"]
# Values the schema's patterns and checks accept, by field name: the baseline must pass, so that a refusal
# is about the one hostile value.
PLAIN_VALUES = {"color": "#1f77b4", "language": "vi", "start_time": "06:00", "end_time": "06:30",
                "sha256": "0" * 64, "stream_url": "http://127.0.0.1:9/live", "term": "HTXNN", "code": "X01",
                "username": "nguoi_dung_moi", "password": "mat-khau-dai-du-12",
                "valid_from": "2026-12-05", "valid_until": "2026-12-31"}
SKIP = {("POST", "/api/v1/auth/logout")}  # would revoke the fuzzer's own token


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _nullable(spec: dict, schema: dict) -> bool:
    """Optional and nullable: the baseline leaves it out, the hostile pass still fills it."""
    return any(_resolve(spec, s).get("type") == "null" for s in _resolve(spec, schema).get("anyOf", []))


def _sample(spec: dict, schema: dict, ids: dict[str, int], name: str = "") -> Any:
    """A plausible value for a schema: the baseline every hostile variant starts from."""
    if name in PLAIN_VALUES:
        return PLAIN_VALUES[name]
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(spec, s).get("type") != "null"]
            return _sample(spec, options[0], ids, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {prop: _sample(spec, sub, ids, prop) for prop, sub in schema.get("properties", {}).items()
                if prop in required or prop in PLAIN_VALUES or not _nullable(spec, sub)}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), ids, name)]
    if kind == "integer":
        return ids.get(name, 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-12-05"
    if schema.get("format") == "date-time":
        return "2026-12-05T07:00:00+07:00"
    if schema.get("format") == "time":
        return "06:00:00"
    if "pattern" in schema:  # codes, user names: a value the pattern accepts, so the other fields get tested
        return f"{name[:3] or 'x'}{len(ids)}abc"
    return "Tin phát thanh thử"[: schema.get("maxLength", 100)]


def _leaves(spec: dict, schema: dict, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, kind) of every string/date leaf the body schema has; kind is "string", "date" or "date-time"."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(spec, s).get("type") != "null"]
            if options:
                yield from _leaves(spec, options[0], path)
            return
    if "enum" in schema:
        return
    if schema.get("type") == "object" or "properties" in schema:
        for prop, sub in schema.get("properties", {}).items():
            yield from _leaves(spec, sub, (*path, prop))
    elif schema.get("type") == "array":
        yield from _leaves(spec, schema.get("items", {}), (*path, 0))
    elif schema.get("type") == "string":
        yield path, schema.get("format", "string")


def _replaced(body: Any, path: tuple, value: str) -> Any:
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:  # an optional object the baseline left out is filled with {} on the way
        if isinstance(target, dict):
            target = target.setdefault(step, {} if not isinstance(step, int) else [])
        else:
            while len(target) <= step:
                target.append({})
            target = target[step]
    if isinstance(target, list):
        target.append(value)
    else:
        target[path[-1]] = value
    return body


def _values_for(kind: str) -> list[str]:
    if kind == "date":
        return EDGE_DATES + ["\ud800"]
    if kind == "date-time":
        return EDGE_DATETIMES + ["\ud800"]
    return HOSTILE_STRINGS


def _operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            # DELETE takes no strings worth fuzzing and would remove what the other operations need.
            if (method.upper(), path) not in SKIP and method in {"get", "post", "put", "patch"}:
                yield method.upper(), path, op


def _seed(client: TestClient, headers: dict, engine, world) -> dict[str, int]:
    """One real row of each kind, so hostile values reach the services and the database instead of
    stopping at a 404 for a missing parent."""
    from sqlmodel import Session, select

    from core.db import saved_id
    from core.users import User
    from tests.airtime.builders import make_campaign, make_content, make_directive

    commune = world.commune_a.id
    with Session(engine) as session:
        directive = make_directive(session)
        campaign = make_campaign(session, "Thi đua yêu nước", date(2026, 1, 1), date(2026, 12, 31),
                                 area_ids=[commune], directives=[directive])
        content = make_content(session, "Gương người tốt", campaign=campaign)
        # user_id: never the admin's own, or a PATCH with is_active=false would log the fuzzer out.
        other_user = session.exec(select(User).where(User.username == "operator_b")).one()
        ids = {"directive_id": saved_id(directive), "campaign_id": saved_id(campaign),
               "content_id": saved_id(content), "user_id": saved_id(other_user)}
        session.commit()
    ids |= {"cluster_id": world.clusters_a[0].id, "area_id": commune, "parent_id": world.province.id}
    created = {
        "slot_id": ("/api/v1/slots", {"area_id": commune, "name": "Bản tin sáng", "start_time": "06:00",
                                      "duration_minutes": 5}),
        "relay_id": ("/api/v1/relays", {"area_ids": [commune], "name": "Thời sự VOV1", "start_time": "06:10",
                                        "duration_minutes": 15, "weekdays": list(range(7)),
                                        "stream_url": "http://127.0.0.1:9/live"}),
        "entry_id": ("/api/v1/lexicon", {"term": "HTXNN", "spoken": "hợp tác xã nông nghiệp", "area_id": commune}),
        "rule_id": ("/api/v1/quotas", {"name": "Mỗi xã một gương tốt", "campaign_id": ids["campaign_id"],
                                       "area_id": world.province.id, "starts_on": "2026-01-01",
                                       "ends_on": "2026-12-31"}),
    }
    for key, (url, body) in created.items():
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    return ids


@pytest.fixture
def fuzz(client: TestClient, auth, world, engine) -> Iterator[tuple[TestClient, dict, dict[str, int]]]:
    headers = auth("admin")
    yield client, headers, _seed(client, headers, engine, world)


def _send(client: TestClient, method: str, url: str, headers: dict, *, body: Any = None,
          params: dict | None = None) -> tuple[int, str]:
    # ensure_ascii keeps a lone surrogate as the JSON escape "\ud800": valid JSON syntax, as a hostile
    # client would send it.
    content = json.dumps(body, ensure_ascii=True) if body is not None else None
    if params:  # percent-encoded by hand: a lone surrogate goes out as the bytes ED A0 80, not valid UTF-8
        url += "?" + "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                              for k, v in params.items())
    response = client.request(method, url, headers={**headers, "Content-Type": "application/json"},
                              content=content)
    return response.status_code, response.text


def _fill_path(path: str, op: dict, ids: dict[str, int]) -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            name = param["name"]
            value = {"day": "2026-12-05", "sha256": "0" * 64, "ext": "mp3"}.get(name, str(ids.get(name, 1)))
            path = path.replace("{" + name + "}", value)
    return path


def test_no_operation_answers_a_server_error_to_hostile_strings_and_dates(fuzz) -> None:
    client, headers, ids = fuzz
    spec = client.get("/openapi.json").json()
    failures: list[str] = []
    calls = 0
    for method, path, op in _operations(spec):
        url = _fill_path(path, op, ids)
        body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        base = _sample(spec, body_schema, ids) if body_schema else None
        variants: list[tuple[Any, dict]] = []
        if body_schema:
            for leaf, kind in _leaves(spec, body_schema):
                variants += [(_replaced(base, leaf, value), {}) for value in _values_for(kind)]
        for param in op.get("parameters", []):
            schema = _resolve(spec, param.get("schema", {}))
            options = [_resolve(spec, s) for s in schema.get("anyOf", [schema])]
            kinds = {s.get("format", "string") for s in options if s.get("type") == "string" and "enum" not in s}
            if param["in"] == "query" and kinds:
                variants += [(base, {param["name"]: value}) for kind in kinds for value in _values_for(kind)]
        for body, params in variants:
            status, text = _send(client, method, url, headers, body=body, params=params)
            calls += 1
            if status == 401:
                failures.append(f"{method} {url} → 401: the fuzzer lost its own login, the rest proves nothing")
            if status >= 500:
                failures.append(f"{method} {url} {params or ''} → {status}: {text[:200]}")
            elif status >= 400:
                detail = json.loads(text).get("detail") if text.startswith("{") else None
                if not detail:
                    failures.append(f"{method} {url} → {status} without a message: {text[:200]}")
    assert calls > 300  # the walk really reached the operations
    assert {"slot_id", "relay_id", "entry_id", "rule_id"} <= set(ids), ids  # ... and real rows
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("payload", [
    "\ud800".encode("utf-8", "surrogatepass"),        # not UTF-8 at all
    b"title,text\rA,B\rC,D",                           # bare carriage returns
    "tiêu đề,nội dung\n=1+1,\x00\n".encode(),          # a formula and a NUL
    b"",                                               # nothing
])
def test_imports_of_hostile_files_answer_4xx_or_succeed(fuzz, payload: bytes) -> None:
    client, headers, ids = fuzz
    for name in ("bai.csv", "bai.xlsx", "\ud800.csv".encode("utf-8", "surrogatepass").decode("latin-1")):
        response = client.post("/api/v1/contents/import", headers=headers,
                               files={"file": (name, payload, "text/csv")},
                               data={"campaign_id": "1", "area_id": str(ids["area_id"])})
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["detail"]
