"""Bulk NDJSON import and export on the real PostgreSQL."""

from __future__ import annotations

import gzip
import json

import pytest

from tiercare.adapters.files import NdjsonWriter, ndjson_files, read_lines
from tiercare.services.fhir_bulk import BulkImporter
from tiercare.services.fhir_export import export_resources

pytestmark = pytest.mark.pg


def _ndjson(tmp_path, name, rows, gz=False):
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    path = tmp_path / name
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _lines(target):
    for path in ndjson_files(target):
        for number, raw in read_lines(path):
            yield path.name, number, raw


def test_import_is_idempotent_and_reports_bad_lines(router, tmp_path, db):
    _ndjson(tmp_path, "Patient.ndjson", [
        {"resourceType": "Patient", "id": "imp-1", "gender": "male"},
        "{broken",
        {"resourceType": "Patient", "id": "imp-2", "gender": "female"},
        {"resourceType": "Nonsense", "id": "x"},
        {"resourceType": "Patient", "gender": "other"},  # no id: content-derived id
    ])
    _ndjson(tmp_path, "Observation.ndjson.gz", [
        {"resourceType": "Observation", "id": "imp-o1", "status": "final", "code": {"text": "bp"},
         "subject": {"reference": "Patient/imp-1"}},
    ], gz=True)
    importer = BulkImporter(router.store, router.service, batch_size=2)
    first = importer.run(_lines(tmp_path), analyze=True)
    assert (first.lines, first.created, first.updated, first.unchanged) == (6, 4, 0, 0)
    assert [(e.source, e.line) for e in first.errors] == [("Patient.ndjson", 2), ("Patient.ndjson", 4)]
    assert "not valid JSON" in first.errors[0].message
    again = importer.run(_lines(tmp_path))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    count = db.execute("SELECT count(*) FROM fhir_resource WHERE id LIKE 'imp-%'").fetchone()[0]
    assert count == 3
    # a changed line makes a new version
    _ndjson(tmp_path, "Patient.ndjson", [{"resourceType": "Patient", "id": "imp-1", "gender": "female"}])
    third = importer.run(_lines(tmp_path / "Patient.ndjson"))
    assert (third.created, third.updated) == (0, 1)
    v = db.execute("SELECT version FROM fhir_resource WHERE resource_type='Patient' AND id='imp-1'").fetchone()[0]
    assert v == 2


def test_large_batch_uses_staging_and_keeps_history(router, db):
    lines = [("mem", i, json.dumps({"resourceType": "Practitioner", "id": f"bulk-{i}", "active": True}).encode())
             for i in range(1, 121)]
    report = BulkImporter(router.store, router.service, batch_size=100).run(iter(lines), analyze=False)
    assert report.created == 120
    hist = db.execute("SELECT count(*) FROM fhir_history h JOIN fhir_resource r ON r.rid = h.rid WHERE r.id LIKE 'bulk-%'").fetchone()[0]
    assert hist == 120


def test_export_writes_ndjson_per_type(router, tmp_path):
    lines = [("mem", 1, b'{"resourceType": "Organization", "id": "exp-org", "name": "Xian hospital"}')]
    BulkImporter(router.store, router.service).run(iter(lines), analyze=False)
    writer = NdjsonWriter(tmp_path / "out")
    n = export_resources(router, writer.write, types=["Organization"], since=None, actor="t")
    writer.close()
    assert n >= 1
    rows = [json.loads(x) for x in (tmp_path / "out" / "Organization.ndjson").read_text().splitlines()]
    assert any(r["id"] == "exp-org" and r["name"] == "Xian hospital" for r in rows)


@pytest.mark.slow
def test_import_with_worker_processes_gives_the_same_result(router, db):
    lines = [("mem", i, json.dumps({"resourceType": "Patient", "id": f"wk-{i}", "gender": "male",
                                    "name": [{"text": "張偉"}]}).encode()) for i in range(1, 41)]
    lines.insert(5, ("mem", 99, b"{bad"))
    report = BulkImporter(router.store, router.service, batch_size=10, workers=2).run(iter(lines), analyze=False)
    assert (report.created, [e.line for e in report.errors]) == (40, [99])
    rows = db.execute("SELECT count(*) FROM fhir_string s JOIN fhir_resource r ON r.rid = s.rid WHERE r.id LIKE 'wk-%%' "
                      "AND s.param = fhir_param('Patient', 'name') AND s.value = '张伟'").fetchone()[0]
    assert rows == 40


def test_imported_text_with_escapes_reads_back_equal_and_is_searchable(router, tmp_path, db):
    # COPY text format: backslashes, tabs and line breaks inside JSON strings must survive
    odd = 'C:\\temp\\x \t tab \n newline "quoted" 張偉 \\N'
    row = {"resourceType": "Patient", "id": "esc-1", "name": [{"text": odd, "family": "張"}],
           "identifier": [{"system": "urn:esc\\sys", "value": "a\\b\tc"}]}
    _ndjson(tmp_path, "Patient.ndjson", [row])
    report = BulkImporter(router.store, router.service, batch_size=10).run(_lines(tmp_path), analyze=False)
    assert (report.created, report.errors) == (1, [])
    with router.store.session() as s:
        stored = s.current("Patient", "esc-1")
    assert stored is not None
    assert stored.body["name"][0]["text"] == odd
    assert stored.body["identifier"][0] == row["identifier"][0]
    n = db.execute("SELECT count(*) FROM fhir_token t JOIN fhir_resource r ON r.rid = t.rid WHERE r.id = 'esc-1' "
                   "AND t.param = fhir_param('Patient', 'identifier') AND t.code = %s AND t.system = fhir_hash(%s)",
                   ("a\\b\tc", "urn:esc\\sys")).fetchone()[0]
    assert n == 1
