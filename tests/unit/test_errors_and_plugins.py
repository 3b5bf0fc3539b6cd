import asyncio

import orjson
import pytest

from tiercare.api.errors import operation_outcome, server_error, tiercare_error
from tiercare.core import errors
from tiercare.plugins import commands, load


@pytest.mark.parametrize(
    ("cls", "status", "code"),
    [(errors.InvalidInput, 400, "invalid"), (errors.NotFound, 404, "not-found"), (errors.Gone, 410, "deleted"),
     (errors.PreconditionFailed, 412, "conflict"), (errors.Unprocessable, 422, "processing"),
     (errors.Unauthorized, 401, "login"), (errors.DatabaseUnavailable, 503, "transient")],
)
def test_errors_become_operation_outcomes(cls, status, code):
    resp = asyncio.run(tiercare_error(None, cls("bad thing", expression=["Patient.birthDate"])))  # type: ignore[arg-type]
    assert resp.status_code == status
    assert resp.media_type == "application/fhir+json"
    body = orjson.loads(resp.body)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] == [{"severity": "error", "code": code, "diagnostics": "bad thing",
                              "expression": ["Patient.birthDate"]}]


def test_unexpected_errors_hide_details():
    class FakeURL:
        path = "/x"

    class FakeRequest:
        method = "GET"
        url = FakeURL()

    resp = asyncio.run(server_error(FakeRequest(), RuntimeError("张伟 110101199003077777")))  # type: ignore[arg-type]
    body = orjson.loads(resp.body)
    assert resp.status_code == 500
    assert "张伟" not in resp.body.decode()
    assert body["issue"][0]["code"] == "exception"


def test_outcome_shape():
    assert operation_outcome("x", "not-found", "warning") == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "not-found", "diagnostics": "x"}],
    }


def test_plugin_loading():
    assert load("tiercare.cli:cli").name == "cli"
    assert all(hasattr(c, "name") for c in commands())
