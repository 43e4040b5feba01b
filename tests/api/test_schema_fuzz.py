"""Schema fuzzing: schemathesis drives every operation in the OpenAPI schema as an admin and must
never get a server error. Bounded examples per operation keep it to a minute or two."""

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlmodel import select

from api.app import create_app
from core.config import Settings
from core.db import create_all, make_engine, session_scope
from core.users import User, issue_user_token
from tests.factories import build_world

_tmp = Path(tempfile.mkdtemp(prefix="loaxa-fuzz-"))
_settings = Settings(data_dir=_tmp / "data", database_url=f"sqlite:///{_tmp / 'fuzz.db'}",
                     secret_key="fuzz-secret-key-0123456789", scheduler_enabled=False,
                     stream_check=False)  # relays: never fetch the URLs the fuzzer makes up
_engine = make_engine(_settings.sqlalchemy_url)
create_all(_engine)
build_world(_engine)
with session_scope(_engine) as _session:
    _admin = _session.exec(select(User).where(User.username == "admin")).one()
    ADMIN_TOKEN = issue_user_token(_session, _admin, minutes=600)

app = create_app(_settings, engine=_engine, migrate=False, start_scheduler=False)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

# Logging out would revoke the fuzzer's own token and turn every later call into a 401.
SKIP = {("POST", "/api/v1/auth/logout")}


@pytest.fixture(scope="module", autouse=True)
def _task_backend():
    from core import tasks

    tasks.configure(_engine, workers=1)
    yield
    tasks.shutdown()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    if (case.method.upper(), case.path) in SKIP:
        pytest.skip("revokes the fuzzer's own token")
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, checks=[not_a_server_error])
