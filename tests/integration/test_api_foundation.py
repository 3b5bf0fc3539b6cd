import psycopg
import pytest
from starlette.testclient import TestClient

from tiercare.adapters.postgres.tokens import create_token, lookup_token, revoke_token
from tiercare.api.app import create_app

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def client(container):
    with TestClient(create_app(container)) as c:
        yield c


@pytest.fixture(scope="module")
def token(committed_url):
    with psycopg.connect(committed_url, autocommit=True) as conn:
        return create_token(conn, "test-client")


def test_health_reports_database(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["schema_version"] >= 1


def test_metadata_is_public_capability_statement(client):
    r = client.get("/fhir/R4/metadata")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    cs = r.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["rest"][0]["mode"] == "server"


def test_other_paths_need_a_token(client):
    r = client.get("/fhir/R4/Patient")
    assert r.status_code == 401
    assert r.json()["issue"][0]["code"] == "login"
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.get("/fhir/R4/Patient", headers={"Authorization": "Bearer tc_wrong"})
    assert r.status_code == 401


def test_unknown_path_with_token_is_outcome_404(client, token):
    r = client.get("/no/such/thing", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404
    assert r.json()["resourceType"] == "OperationOutcome"


def test_tokens_are_stored_hashed_and_revocable(db):
    tok = create_token(db, "alice", days=1)
    assert lookup_token(db, tok) == "alice"
    stored = db.execute("SELECT token_hash FROM auth_token WHERE name = 'alice'").fetchone()[0]
    assert tok not in stored and len(stored) == 64
    assert revoke_token(db, "alice") == 1
    assert lookup_token(db, tok) is None


def test_expired_token_is_refused(db):
    tok = create_token(db, "bob", days=1)
    db.execute("UPDATE auth_token SET expires_at = now() - interval '1 second' WHERE name = 'bob'")
    assert lookup_token(db, tok) is None
