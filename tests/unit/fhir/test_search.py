"""Search parsing: values, prefixes, modifiers, chains, result parameters and unknown handling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tiercare.core.errors import InvalidInput, NotSupported
from tiercare.core.fhir.search import DEFAULT_COUNT, MAX_COUNT, parse_search
from tiercare.core.fhir.search_values import (
    CompositeValue,
    DateValue,
    NumberValue,
    QuantityValue,
    ReferenceValue,
    StringValue,
    TokenValue,
    UriValue,
    approximate_date_range,
    range_matches,
    split_escaped,
    unescape,
)


def one(resource_type: str, name: str, value: str, **kw: object):  # type: ignore[no-untyped-def]
    q = parse_search(resource_type, [(name, value)], **kw)  # type: ignore[arg-type]
    assert len(q.clauses) == 1
    return q.clauses[0]


def test_tokens_in_all_forms_and_or_lists() -> None:
    c = one("Observation", "code", "http://loinc.org|8480-6,|abc,sys|,plain")
    assert c.values == (TokenValue("http://loinc.org", "8480-6"), TokenValue(None, "abc", no_system=True),
                        TokenValue("sys", None), TokenValue(None, "plain"))
    assert one("Patient", "identifier", r"urn:x|a\|b\,c").values == (TokenValue("urn:x", "a|b,c"),)
    assert one("Patient", "gender:not", "male").modifier == "not"
    assert one("Observation", "code:text", "血壓").values == (StringValue("血压", "血壓"),)


def test_strings_normalise_like_the_index_and_pinyin_extension() -> None:
    assert one("Patient", "name", "張偉").values == (StringValue("张伟", "張偉"),)
    assert one("Patient", "name:exact", "Smith").modifier == "exact"
    assert one("Patient", "family:contains", "mi").values == (StringValue("mi", "mi"),)
    c = one("Patient", "name:pinyin", "Zhang  Wei")
    assert (c.modifier, c.values) == ("pinyin", (StringValue("zhang wei", "Zhang  Wei"),))


def test_dates_numbers_and_quantities_with_prefixes() -> None:
    utc = UTC
    assert one("Observation", "date", "ge2024-01").values == (
        DateValue("ge", datetime(2024, 1, 1, tzinfo=utc), datetime(2024, 2, 1, tzinfo=utc)),)
    for prefix in ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"):
        assert one("Encounter", "date", f"{prefix}2024-03-01").values[0].prefix == prefix  # type: ignore[union-attr]
    beijing = timezone(timedelta(hours=8))
    assert one("Patient", "birthdate", "1980-05-01", tz=beijing).values[0].low == datetime(1980, 4, 30, 16, tzinfo=utc)  # type: ignore[union-attr]
    q = one("Observation", "value-quantity", "le5.40|http://unitsofmeasure.org|mg")
    assert q.values == (QuantityValue("le", Decimal("5.40"), Decimal("5.395"), Decimal("5.405"),
                                      "http://unitsofmeasure.org", "mg"),)
    assert one("Observation", "value-quantity", "5.4||mg").values[0].system is None  # type: ignore[union-attr]
    assert one("Encounter", "length", "gt-3").values == (
        QuantityValue("gt", Decimal(-3), Decimal("-3.5"), Decimal("-2.5"), None, None),)
    v = one("Group", "quantity", "100") if False else None  # Group.quantity is not a search parameter
    assert v is None
    assert NumberValue("eq", Decimal(1), Decimal("0.5"), Decimal("1.5")).prefix == "eq"


def test_references_types_urls_and_identifier() -> None:
    assert one("Observation", "subject", "Patient/123").values == (ReferenceValue("Patient", "123"),)
    assert one("Observation", "patient", "123").values == (ReferenceValue("Patient", "123"),)
    assert one("Observation", "subject", "123").values == (ReferenceValue(None, "123"),)
    assert one("Observation", "subject:Patient", "123").values == (ReferenceValue("Patient", "123"),)
    assert one("Observation", "subject", "http://x.cn/fhir/Patient/9").values == (
        ReferenceValue("Patient", "9", "http://x.cn/fhir/Patient/9"),)
    assert one("QuestionnaireResponse", "questionnaire", "http://q.cn/Questionnaire/phq9|2").values == (
        ReferenceValue("Questionnaire", "phq9", "http://q.cn/Questionnaire/phq9", "2"),)
    assert one("Observation", "subject:identifier", "urn:id|42").values == (TokenValue("urn:id", "42"),)
    with pytest.raises(InvalidInput):
        one("Observation", "subject:Patient", "Group/1")
    with pytest.raises(InvalidInput):
        one("Observation", "subject:Claim", "1")


def test_uri_composite_and_missing() -> None:
    c = one("Measure", "url:below", "http://tiercare.cn/Measure/")
    assert (c.modifier, c.values) == ("below", (UriValue("http://tiercare.cn/Measure/"),))
    c = one("Observation", "code-value-quantity", "http://loinc.org|8480-6$gt140")
    assert c.values == (CompositeValue((TokenValue("http://loinc.org", "8480-6"),
                                        QuantityValue("gt", Decimal(140), Decimal("139.5"), Decimal("140.5"), None, None))),)
    c = one("Patient", "birthdate:missing", "true")
    assert (c.missing, c.values) == (True, ())
    with pytest.raises(InvalidInput, match="code-value-quantity"):
        one("Observation", "code-value-quantity", "140")


def test_chains_and_reverse_chains() -> None:
    c = one("Observation", "subject:Patient.identifier", "urn:x|1")
    assert c.chain is not None and c.chain_types == ("Patient",)
    assert (c.chain.param.resource_type, c.chain.param.name, c.chain.values) == (
        "Patient", "identifier", (TokenValue("urn:x", "1"),))
    c = one("Encounter", "subject.name", "peter")
    assert c.chain_types == ("Patient",) and c.chain.param.type == "string"  # type: ignore[union-attr]
    c = one("Observation", "patient.organization.name", "人民医院")
    assert c.chain.chain.param.resource_type == "Organization"  # type: ignore[union-attr]
    q = parse_search("Patient", [("_has:Observation:patient:code", "1234")])
    assert q.has[0].source_type == "Observation" and q.has[0].clause.values == (TokenValue(None, "1234"),)
    for bad in ("subject.nosuch", "status.code", "subject:Patient.nosuch"):
        with pytest.raises(InvalidInput):
            one("Observation", bad, "1")
    with pytest.raises(InvalidInput):
        parse_search("Patient", [("_has:Observation:code:code", "1")])


def test_result_parameters() -> None:
    q = parse_search("Observation", [
        ("_count", "50"), ("_sort", "-date,_lastUpdated"), ("_summary", "count"), ("_elements", "id,code"),
        ("_include", "Observation:subject:Patient"), ("_revinclude:iterate", "Provenance:target"),
        ("_include", "*"), ("_total", "accurate"), ("_format", "json"), ("_offset", "40")])
    assert q.count == 50 and q.offset == 40
    assert [(k.param.name, k.descending) for k in q.sort] == [("date", True), ("_lastUpdated", False)]
    assert (q.summary, q.elements, q.total) == ("count", ("id", "code"), "accurate")
    assert [(i.source_type, i.param.name if i.param else None, i.target_type, i.iterate) for i in q.include] == [
        ("Observation", "subject", "Patient", False), ("Observation", None, None, False)]
    assert q.revinclude[0].source_type == "Provenance" and q.revinclude[0].iterate
    assert q.passthrough == (("_format", "json"),)
    assert parse_search("Patient", []).count == DEFAULT_COUNT
    assert parse_search("Patient", [("_count", "100000")]).count == MAX_COUNT
    for name, value in (("_count", "-1"), ("_count", "x"), ("_sort", "nosuch"), ("_summary", "all"),
                        ("_total", "some"), ("_include", "Patient:subject"), ("_include", "Observation:code"),
                        ("_include:foo", "Observation:subject"), ("_revinclude", "Observation:subject:Claim")):
        with pytest.raises(InvalidInput) as err:
            parse_search("Observation", [(name, value)])
        assert err.value.expression == [name]


def test_unknown_parameters_strict_and_lenient() -> None:
    q = parse_search("Patient", [("foo", "1"), ("name", "x"), ("_text", "y")])
    assert q.unknown == ("foo", "_text") and len(q.clauses) == 1
    with pytest.raises(InvalidInput, match="foo") as err:
        parse_search("Patient", [("foo", "1")], strict=True)
    assert err.value.expression == ["foo"] and err.value.status == 400
    with pytest.raises(NotSupported):
        parse_search("Patient", [("_text", "1")], strict=True)
    with pytest.raises(InvalidInput):
        parse_search("Nonsense", [])


def test_bad_values_and_modifiers_are_rejected_even_when_lenient() -> None:
    assert parse_search("Patient", [("gender", ""), ("_count", ""), ("name", "x")]).clauses[0].param.name == "name"
    assert parse_search("Patient", [("gender", "")], strict=True).clauses == ()
    for name, value in (("birthdate", "1980-13-01"), ("birthdate", "soon"), ("gender", ","), ("gender", "a|b|c"),
                        ("name:exact", " "), ("birthdate:missing", "maybe"), ("name:nosuch", "x"),
                        ("_id", "|")):
        with pytest.raises(InvalidInput) as err:
            parse_search("Patient", [(name, value)])
        assert err.value.expression == [name], name
    with pytest.raises(NotSupported):
        parse_search("Observation", [("code:below", "http://snomed.info/sct|123")])
    with pytest.raises(InvalidInput):
        parse_search("Observation", [("value-quantity", "abc")])


def test_escaping() -> None:
    assert split_escaped(r"a\,b,c", ",") == [r"a\,b", "c"]
    assert unescape(r"a\$b\\c\x") == r"a$b\c\x"


def test_range_semantics_for_prefixes() -> None:
    day = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC))
    inside = (datetime(2024, 3, 1, 10, tzinfo=UTC), datetime(2024, 3, 1, 11, tzinfo=UTC))
    before = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 2, 2, tzinfo=UTC))
    after = (datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 4, 2, tzinfo=UTC))
    spanning = (datetime(2024, 2, 1, tzinfo=UTC), None)
    assert range_matches("eq", day, inside) and not range_matches("eq", day, spanning)
    assert range_matches("ne", day, before) and not range_matches("ne", day, inside)
    assert range_matches("gt", day, after) and not range_matches("gt", day, inside)
    assert range_matches("lt", day, before) and not range_matches("lt", day, after)
    assert range_matches("ge", day, inside) and range_matches("ge", day, after) and not range_matches("ge", day, before)
    assert range_matches("le", day, inside) and not range_matches("le", day, after)
    assert range_matches("sa", day, after) and not range_matches("sa", day, spanning)
    assert range_matches("eb", day, before) and not range_matches("eb", day, spanning)
    assert range_matches("gt", day, spanning) and range_matches("lt", day, spanning)
    now = datetime(2024, 3, 11, tzinfo=UTC)
    value = DateValue("ap", *day)
    wide = approximate_date_range(value, now)
    assert wide == (datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC))
    assert range_matches("ap", day, (datetime(2024, 3, 2, 12, tzinfo=UTC), datetime(2024, 3, 2, 13, tzinfo=UTC)), wide)
    assert not range_matches("ap", day, after, wide)
    with pytest.raises(ValueError):
        range_matches("xx", day, inside)
