"""Pure helpers of the FHIR service layer (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tiercare.core.errors import InvalidInput
from tiercare.services.fhir import _same_content, instant, parse_etag
from tiercare.services.fhir_bundle import _rewrite
from tiercare.services.fhir_router import MAX_DEPTH, parse_json


def test_parse_json_limits():
    assert parse_json(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(nested)
    for bad, reason in [(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
                        (b"{", "not valid JSON"), (b"\xff", "not valid"), (b"  ", "empty")]:
        with pytest.raises(InvalidInput, match=reason):
            parse_json(bad)


def test_etags_and_instants():
    assert [parse_etag(v) for v in ('W/"3"', '"12"', "7")] == [3, 12, 7]
    with pytest.raises(InvalidInput):
        parse_etag('W/"x"')
    assert instant(datetime(2026, 11, 23, 8, 0, 1, 123456, tzinfo=UTC)) == "2026-11-23T08:00:01.123Z"


def test_same_content_ignores_version_meta_only():
    stored = {"resourceType": "Patient", "id": "p", "meta": {"versionId": "2", "lastUpdated": "x"}, "gender": "male"}
    assert _same_content(stored, {"resourceType": "Patient", "gender": "male"})
    assert _same_content(stored, {"resourceType": "Patient", "id": "p", "gender": "male", "meta": {"versionId": "9"}})
    assert not _same_content(stored, {"resourceType": "Patient", "gender": "female"})
    assert not _same_content(stored, {"resourceType": "Patient", "gender": "male", "meta": {"tag": [{"code": "a"}]}})


def test_bundle_reference_rewrite():
    ids = {"urn:uuid:1": "Patient/abc"}
    res = {"subject": {"reference": "urn:uuid:1"}, "x": [{"reference": "urn:uuid:2"}], "reference": 5}
    assert _rewrite(res, ids) == {"subject": {"reference": "Patient/abc"}, "x": [{"reference": "urn:uuid:2"}],
                                  "reference": 5}


def test_json_depth_ignores_brackets_inside_strings():
    import json

    from tiercare.services.fhir_router import json_depth

    assert json_depth(json.dumps({"a": '[[["{{\\', "b": [1, {"c": []}]}).encode()) == 4
    assert json_depth(b"[" * 70 + b"]" * 70) == 70
    assert json_depth(b"1") == 0
