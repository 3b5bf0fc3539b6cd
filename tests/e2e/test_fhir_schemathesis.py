"""schemathesis against the served OpenAPI description of the FHIR endpoints (issue 4: "finds
no 5xx"). A bounded run (a few generated requests per operation, derandomised) on the
Starlette app and the real PostgreSQL; tools/schemathesis_fhir.py runs the fuller one over
HTTP against `tiercare serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tiercare.adapters.postgres.tokens import create_token
from tiercare.api.app import create_app
from tiercare.bootstrap import Container, build
from tiercare.config import load_settings

pytestmark = [pytest.mark.pg, pytest.mark.slow,
              # raised inside schemathesis's own negative-case strategies, not by this code
              pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")]

EXAMPLES = 4  # per operation and phase; the tools/ script runs many more


@schemathesis.serializer("application/fhir+ndjson")
def _ndjson(ctx, value):  # type: ignore[no-untyped-def]
    """$import bodies: whatever string was generated, as UTF-8 (bad lines are the point)."""
    return value.encode() if isinstance(value, str) else str(value).encode()


@pytest.fixture(scope="module")
def served_app(committed_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Container, str]]:
    home = tmp_path_factory.mktemp("schemathesis-home")
    container = build(load_settings(env={"TIERCARE_HOME": str(home), "TIERCARE_DATABASE_URL": committed_url},
                                    max_body_bytes=256 * 1024, base_url="http://testserver"))
    with container.database.connect(autocommit=True) as conn:
        token = create_token(conn, "schemathesis")
    yield container, token
    import threading

    for thread in threading.enumerate():  # $export jobs the generated requests started
        if thread.name.startswith("export-"):
            thread.join(60)
    container.close()


def test_no_server_errors(served_app):  # type: ignore[no-untyped-def]
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    container, token = served_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(container))
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case) -> None:  # type: ignore[no-untyped-def]
                response = case.call(headers=auth)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
                elif response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                    if response.json().get("resourceType") != "OperationOutcome":
                        failures.append(f"{case.method} {case.formatted_path}: {response.status_code} not an outcome")

            try:
                run()
            except Unsatisfiable:  # no negative example exists (e.g. /metadata takes no input)
                assert mode is GenerationMode.NEGATIVE
    assert operations >= 14
    assert failures == []
