"""Early warning on the shared record: Conditions written through the FHIR router become
daily series, detectors raise signals once, the CDC steps through the workflow."""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import nullcontext

import psycopg
import pytest
from starlette.testclient import TestClient

from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.adapters.postgres.surveillance import PgSurveillance
from tiercare.adapters.postgres.tokens import create_token
from tiercare.core.errors import Conflict, InvalidInput, NotFound
from tiercare.core.surveillance.notifiable import SignalCandidate, default_catalogue
from tiercare.services import surveillance as svc
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core
from tiercare.services.fhir_router import FhirRequest, FhirRouter

pytestmark = pytest.mark.pg

DAY = dt.date(2024, 3, 20)
EXT = "https://tiercare.org/fhir/StructureDefinition/notifiable-report-time"
CATALOGUE = dataclasses.replace(default_catalogue(), history_days=60)


@pytest.fixture
def put(db: psycopg.Connection):
    db.execute("SELECT 1")
    router = FhirRouter(PgFhirStore.on_connection(db), FhirService(load_core()), "http://test/fhir/R4")

    def _put(resource: dict) -> None:
        import orjson

        path = f"/{resource['resourceType']}/{resource['id']}"
        resp = router.handle(FhirRequest("PUT", path, [], {}, orjson.dumps(resource), "tester"))
        assert resp.status in (200, 201), resp.body

    return _put


def patient(pid: str, district: str | None) -> dict:
    res: dict = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1990-01-01"}
    if district:
        res["address"] = [{"use": "home", "district": district}]
    return res


def condition(
    cid: str,
    pid: str,
    code: str,
    onset: str,
    recorded: str,
    reported: str | None = None,
    status: str = "confirmed",
) -> dict:
    res: dict = {
        "resourceType": "Condition",
        "id": cid,
        "verificationStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status}
            ]
        },
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "onsetDateTime": onset,
        "recordedDate": recorded,
    }
    if reported:
        res["extension"] = [{"url": EXT, "valueDateTime": reported}]
    return res


@pytest.fixture
def region(put):
    """Influenza at 0-1 case a day in county 339002 for 40 days, then 8 cases on DAY;
    one cholera case in 339003 on DAY; a refuted influenza case and one without address."""
    put(patient("p-a", "339002"))
    put(patient("p-b", "339003101"))  # a township code: counts in county 339003
    put(patient("p-x", None))
    n = 0
    for back in range(40, 0, -1):
        if back % 3 == 0:
            day = DAY - dt.timedelta(days=back)
            n += 1
            put(
                condition(
                    f"c-flu-{n}",
                    "p-a",
                    "J11.1",
                    f"{day}T09:00:00+08:00",
                    f"{day}T15:00:00+08:00",
                    f"{day}T20:00:00+08:00",
                )
            )
    for i in range(8):
        put(
            condition(
                f"c-spike-{i}",
                "p-a",
                "J11.1",
                f"{DAY}T0{i}:30:00+08:00",
                f"{DAY}T10:00:00+08:00",
                f"{DAY + dt.timedelta(days=2)}T10:00:00+08:00" if i == 0 else f"{DAY}T12:00:00+08:00",
            )
        )
    # 23:30 local on DAY is 15:30 UTC: it counts on DAY, in the region's time zone
    put(
        condition(
            "c-cholera",
            "p-b",
            "A00.9",
            f"{DAY}T23:30:00+08:00",
            f"{DAY}T23:50:00+08:00",
            f"{DAY + dt.timedelta(days=1)}T03:00:00+08:00",
        )
    )
    put(
        condition(
            "c-refuted", "p-a", "J11.1", f"{DAY}T08:00:00+08:00", f"{DAY}T09:00:00+08:00", status="refuted"
        )
    )
    put(condition("c-noaddr", "p-x", "J11.1", f"{DAY}T08:00:00+08:00", f"{DAY}T09:00:00+08:00"))


@pytest.fixture
def store(db):
    return PgSurveillance(lambda: nullcontext(db))


def test_case_counts_by_onset_and_area(region, store):
    counts = store.case_counts(CATALOGUE, DAY, DAY, "onset", 6)
    got = {(c.code, c.area): c.cases for c in counts}
    assert got == {("J11.1", "339002"): 8, ("A00.9", "339003"): 1, ("J11.1", "unknown"): 1}


def test_report_basis_moves_cases_to_their_report_day(region, store):
    counts = store.case_counts(CATALOGUE, DAY, DAY + dt.timedelta(days=2), "report", 6)
    by_day = {(c.code, c.day): c.cases for c in counts if c.area != "unknown"}
    assert by_day[("J11.1", DAY)] == 7
    assert by_day[("J11.1", DAY + dt.timedelta(days=2))] == 1
    assert by_day[("A00.9", DAY + dt.timedelta(days=1))] == 1


def test_run_raises_each_signal_once(region, store, db):
    first = svc.run_day(store, CATALOGUE, DAY)
    assert first.new_signals == first.alarms == 2
    again = svc.run_day(store, CATALOGUE, DAY)
    assert again.alarms == 2 and again.new_signals == 0
    rows = {r["disease"]: r for r in store.list_signals()}
    flu, cholera = rows["influenza"], rows["cholera"]
    assert (flu["area"], flu["observed"], flu["method"]) == ("339002", 8.0, "ears_c2")
    assert flu["upperbound"] < 8
    assert (cholera["area"], cholera["method"], cholera["observed"]) == ("339003", "fixed_threshold", 1.0)
    detail = store.get_signal(flu["id"])
    assert len(detail["series"]["dates"]) == CATALOGUE.snapshot_days
    assert detail["series"]["counts"][-1] == 8.0
    assert detail["series"]["dates"][-1] == DAY.isoformat()


def test_quiet_day_raises_nothing(region, store):
    report = svc.run_day(store, CATALOGUE, DAY - dt.timedelta(days=3))
    assert report.alarms == 0 and report.series >= 1


def test_workflow_steps_are_checked_and_recorded(store):
    store.save_signals(
        [SignalCandidate(DAY, "339002", "measles", "ears_c2", {}, 5.0, 1.0, 3.0, (), ())], "onset"
    )
    sid = store.list_signals(disease="measles")[0]["id"]
    now = dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(Conflict, match="cannot confirm a signal that is new"):
        svc.take_step(store, sid, "confirm", by="cdc-li", now=now, note="x")
    svc.take_step(store, sid, "start_verification", by="cdc-li", now=now)
    with pytest.raises(InvalidInput, match="needs a note"):
        svc.take_step(store, sid, "confirm", by="cdc-li", now=now)
    with pytest.raises(InvalidInput, match="unknown action"):
        svc.take_step(store, sid, "escalate", by="cdc-li", now=now)
    case = svc.take_step(
        store,
        sid,
        "confirm",
        by="cdc-wang",
        now=now + dt.timedelta(hours=3),
        note="5 cases in one primary school, field team confirmed",
    )
    assert case.state == "confirmed"
    detail = store.get_signal(sid)
    assert [e["to_state"] for e in detail["events"]] == ["under_verification", "confirmed"]
    assert detail["events"][1]["by"] == "cdc-wang"
    with pytest.raises(NotFound):
        store.get_signal(10**9)


def test_timeliness_by_legal_limit(region, store):
    rows = {r["limit"]: r for r in svc.timeliness(store, CATALOGUE, DAY, DAY)}
    # cholera: diagnosed 23:50, reported 03:00 next day: later than 2 h
    assert rows["2h"] == {"limit": "2h", "cases": 1, "on_time": 0, "rate": 0.0}
    # 8 influenza cases diagnosed on DAY with a report time; one reported two days later
    assert rows["24h"]["cases"] == 8 and rows["24h"]["on_time"] == 7


def test_api_lists_signals_and_takes_steps(container, committed_url):
    api_store = PgSurveillance(container.database.connection)
    api_store.save_signals(
        [
            SignalCandidate(
                DAY, "339099", "mumps", "ears_c2", {"alpha": 0.001}, 6.0, 1.2, 4.1, (DAY.isoformat(),), (6.0,)
            )
        ],
        "onset",
    )
    with psycopg.connect(committed_url, autocommit=True) as conn:
        token = create_token(conn, "cdc-zhao")
    from tiercare.api.app import create_app

    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(container)) as client:
        assert client.get("/api/surveillance/signals").status_code == 401
        listed = client.get("/api/surveillance/signals?area=339099", headers=auth).json()
        assert [s["disease"] for s in listed] == ["mumps"]
        sid = listed[0]["id"]
        detail = client.get(f"/api/surveillance/signals/{sid}", headers=auth).json()
        assert detail["allowed_actions"] == ["start_verification"]
        assert detail["series"] == {"dates": [DAY.isoformat()], "counts": [6.0]}
        r = client.post(
            f"/api/surveillance/signals/{sid}/steps", headers=auth, json={"action": "start_verification"}
        )
        assert r.status_code == 200 and r.json()["state"] == "under_verification"
        r = client.post(f"/api/surveillance/signals/{sid}/steps", headers=auth, json={"action": "close"})
        assert r.status_code == 409 and r.json()["resourceType"] == "OperationOutcome"
        r = client.post(f"/api/surveillance/signals/{sid}/steps", headers=auth, content=b"{not json")
        assert r.status_code == 400
        steps = client.get(f"/api/surveillance/signals/{sid}", headers=auth).json()["events"]
        assert steps[0]["by"] == "cdc-zhao"
        r = client.get("/api/surveillance/timeliness?from=2024-01-01", headers=auth)
        assert r.status_code == 400 and "'to'" in r.json()["issue"][0]["diagnostics"]
        assert client.get("/api/surveillance/diseases", headers=auth).json()[0]["key"] == "plague"
    with psycopg.connect(committed_url, autocommit=True) as conn:
        conn.execute("DELETE FROM surv_signal_event WHERE signal_id = %s", (sid,))
        conn.execute("DELETE FROM surv_signal WHERE id = %s", (sid,))


def test_backfill_judges_each_day_with_its_own_window(region, store):
    reports = svc.run_days(store, CATALOGUE, DAY - dt.timedelta(days=2), DAY)
    assert [r.day for r in reports] == [DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1), DAY]
    assert [r.alarms for r in reports] == [0, 0, 2]
    with pytest.raises(InvalidInput, match="comes before"):
        svc.run_days(store, CATALOGUE, DAY, DAY - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="basis"):
        svc.run_day(store, CATALOGUE, DAY, basis="notified")  # type: ignore[arg-type]
