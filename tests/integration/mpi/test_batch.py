"""`tiercare mpi link` (batch): persons, links, reviews; idempotent; manual decisions kept."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from tests.integration.mpi.conftest import id_number, patient

from tiercare.adapters.postgres.mpi_store import PgMpiStore
from tiercare.core.mpi.rules import load_table
from tiercare.services.mpi_batch import link_all

pytestmark = [pytest.mark.pg, pytest.mark.slow]

TODAY = date(2026, 11, 23)
# The packaged model, with fewer random pairs for u: 16 records have only 120 pairs.
SETTINGS = {**load_table("model"), "estimation": {**load_table("model")["estimation"], "u_random_pairs": 2000}}

PEOPLE = [
    ("王秀英", "1962-03-14", "female", "13987654321", "101"),
    ("李建国", "1975-11-02", "male", "13811112222", "102"),
    ("张丽华", "1988-07-21", "female", "13733334444", "103"),
    ("陈志强", "1990-01-30", "male", "13655556666", "104"),
    ("刘桂兰", "1955-09-09", "female", "13577778888", "105"),
    ("杨明", "2001-12-12", "male", "13499990000", "106"),
    ("赵敏", "1979-04-18", "female", "13322223333", "107"),
    ("黄海涛", "1968-06-06", "male", "13244445555", "108"),
]


def load(api):
    """Two registrations of each person (the second without a phone), written without the
    real-time listener, so that only the batch links them."""
    api.router.service.write_listeners.clear()
    empty(api.db)
    ids = {}
    for name, birth, gender, phone, seq in PEOPLE:
        idn = id_number(birth, seq, gender)
        ids[name] = (api.create(patient(name, birth, gender, idn=idn, phone=phone)),
                     api.create(patient(name, birth, gender, idn=idn)))
    return ids


def empty(db):
    """Other tests' committed Patients out of sight (rolled back with the test)."""
    db.execute("DELETE FROM fhir_resource WHERE resource_type = 'Patient'")


def persons(db):
    return dict(db.execute("SELECT patient_id, person_id FROM mpi_link").fetchall())


def test_batch_links_duplicates_and_is_idempotent(api, db):
    ids = load(api)
    store = PgMpiStore(db)
    report = link_all(store, today=TODAY, settings=SETTINGS)
    assert report.records == 16 and report.linkable == 16
    links = persons(db)
    for a, b in ids.values():
        assert links[a] == links[b]
    assert len(set(links.values())) == 8
    assert report.persons == 8 and report.new_persons == 8
    golden = store.person(links[ids["王秀英"][0]])["golden"]
    assert golden["name"] == "王秀英" and golden["phones"] == ["13987654321"]
    assert db.execute("SELECT count(*) FROM mpi_model").fetchone()[0] == 1
    params = store.latest_params()["parameters"]
    assert {"m", "u", "lambda", "tf"} <= set(params) and "王秀英" in params["tf"]["name"]
    events = db.execute("SELECT count(*) FROM mpi_event").fetchone()[0]

    again = link_all(store, today=TODAY, settings=SETTINGS)
    assert persons(db) == links
    assert again.new_persons == 0 and again.moved == 0
    assert db.execute("SELECT count(*) FROM mpi_model").fetchone()[0] == 1  # same fit: no new row
    assert db.execute("SELECT count(*) FROM mpi_event").fetchone()[0] == events


def test_batch_respects_manual_decisions(api, db):
    ids = load(api)
    store = PgMpiStore(db)
    link_all(store, today=TODAY, settings=SETTINGS)
    a, b = ids["李建国"]
    store.decide_pair(a, b, "cannot_link", "reviewer", "two people")
    c, d = ids["张丽华"]
    store.set_link(c, persons(db)[ids["陈志强"][0]], "manual", None, "reviewer")
    link_all(store, today=TODAY, settings=SETTINGS)
    links = persons(db)
    assert links[a] != links[b]
    assert links[c] == links[ids["陈志强"][0]]  # a manual link survives the batch
    assert store.link_of(c).kind == "manual"


def test_batch_on_empty_store(db):
    empty(db)
    assert link_all(PgMpiStore(db), today=TODAY, settings=SETTINGS).records == 0


def test_cli_link_runs_on_committed_database(settings):
    from tiercare.cli import _CTX, _register_feature_commands, cli

    _register_feature_commands()
    env = {"TIERCARE_HOME": str(settings.home), "TIERCARE_DATABASE_URL": settings.database_url.get_secret_value()}
    try:
        result = CliRunner().invoke(cli, ["mpi", "link", "--today", "2026-11-23"], env=env)
    finally:
        _CTX.close()
    assert result.exit_code == 0, result.output
    assert "Patients" in result.output and "persons" in result.output
