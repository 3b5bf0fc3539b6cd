"""The int4 codes of search parameters in the index tables (migration 0012)."""

from __future__ import annotations

from tiercare.adapters.postgres.fhir_store import param_code
from tiercare.core.fhir.definitions import definitions


def test_no_two_search_parameters_share_a_code():
    defs = definitions()
    pairs = {(rt, name) for rt in defs.resource_types for name in defs.search_params(rt)}
    codes = {param_code(rt, name) for rt, name in pairs}
    assert len(pairs) > 500
    assert len(codes) == len(pairs)


def test_code_is_md5_prefix_like_the_sql_function():
    # SELECT fhir_param('Patient', 'name') on PostgreSQL gives the same value
    import hashlib

    expected = int.from_bytes(hashlib.md5(b"Patient.name").digest()[:4], "big", signed=True)
    assert param_code("Patient", "name") == expected
