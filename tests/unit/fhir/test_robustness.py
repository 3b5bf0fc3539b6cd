"""Hostile input never escapes as anything but a TierCareError (the API turns those into 4xx)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tiercare.core.errors import TierCareError
from tiercare.core.fhir.index import extract
from tiercare.core.fhir.search import parse_search
from tiercare.core.fhir.validation import validate

NAMES = st.sampled_from([
    "name", "name:exact", "name:pinyin", "birthdate", "gender", "gender:not", "identifier", "_id", "_count",
    "_sort", "_include", "_revinclude:iterate", "general-practitioner", "general-practitioner:Practitioner.name",
    "organization.name", "_has:Observation:patient:code", "_summary", "_total", "_elements", "address-city",
    "telecom", "death-date", "link", "x", "name:bogus", "_lastUpdated", "_tag", "_profile",
])
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["' OR 1=1 --", "1;DROP TABLE fhir_resource", "ge2024-01-01", "eq", "|", "$", "\\", ",,,",
                     "Patient/1", "http://x/Patient/1", "urn:uuid:1", "張偉", "zhang wei", "9" * 400, "\x00", "-1",
                     "Observation:subject", "*", "true", "-date", "2024-13-45T99:99:99Z", "1e99999"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(NAMES, VALUES), max_size=6), st.booleans())
def test_search_parsing_raises_only_tiercare_errors(params: list[tuple[str, str]], strict: bool) -> None:
    try:
        parse_search("Patient", params, strict=strict)
    except TierCareError:
        pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "given", "family", "value", "code", "coding", "reference", "valueQuantity",
                         "period", "start", "end", "system", "_given", "extension", "url", "contained",
                         "resourceType", "subject", "component", "effectiveDateTime", "status", "id"]),
        children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["Patient", "Observation", "Encounter", "Bundle"]), st.dictionaries(st.text(max_size=12), JSON, max_size=4),
       JSON)
def test_validation_and_extraction_never_crash(rt: str, extra: dict[str, Any], value: Any) -> None:
    resource: dict[str, Any] = {**extra, "resourceType": rt, "name": value, "subject": value, "component": value,
                                "valueQuantity": value, "effectiveDateTime": value}
    issues = validate(resource)
    assert all(i.path and i.message for i in issues)
    extract(resource)
