"""Search on the real PostgreSQL: parameter types, prefixes, modifiers, chains, includes,
paging, Chinese names (OpenCC + pinyin) and strict/lenient handling."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pg


@pytest.fixture
def region(fhir):
    """Two patients, observations and an encounter, created through a transaction."""
    def entry(full, res):
        return {"fullUrl": full, "resource": res, "request": {"method": "POST", "url": res["resourceType"]}}

    p1, p2 = "urn:uuid:00000000-0000-4000-8000-000000000001", "urn:uuid:00000000-0000-4000-8000-000000000002"
    org = "urn:uuid:00000000-0000-4000-8000-000000000003"
    r = fhir("POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": [
        entry(org, {"resourceType": "Organization", "name": "城关镇卫生院"}),
        entry(p1, {"resourceType": "Patient", "name": [{"text": "張偉", "family": "張", "given": ["偉"]}],
                   "gender": "male", "birthDate": "1970-03-04",
                   "identifier": [{"system": "urn:cn:id", "value": "110101197003040011"}],
                   "managingOrganization": {"reference": org}}),
        entry(p2, {"resourceType": "Patient", "name": [{"text": "李娜", "family": "李", "given": ["娜"]}],
                   "gender": "female", "birthDate": "1985-11-20",
                   "identifier": [{"system": "urn:cn:id", "value": "110101198511200022"}]}),
        *[entry(f"urn:uuid:00000000-0000-4000-8000-0000000001{i:02d}",
                {"resourceType": "Observation", "status": "final",
                 "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic BP"}]},
                 "subject": {"reference": p1 if i % 2 == 0 else p2},
                 "effectiveDateTime": f"2026-0{1 + i % 6}-15T08:00:00Z",
                 "valueQuantity": {"value": 120 + 5 * i, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                                   "code": "mm[Hg]"}}) for i in range(10)],
        entry("urn:uuid:00000000-0000-4000-8000-000000000200",
              {"resourceType": "Encounter", "status": "finished",
               "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
               "subject": {"reference": p1}, "period": {"start": "2026-03-01T09:00:00+08:00",
                                                         "end": "2026-03-01T10:00:00+08:00"}}),
    ]})
    assert r.status == 200, r.body
    locs = [e["response"]["location"].split("/")[1] for e in r.body["entry"]]
    return {"org": locs[0], "p1": locs[1], "p2": locs[2], "obs": locs[3:13], "enc": locs[13]}


def ids(resp):
    return [e["resource"]["id"] for e in resp.body.get("entry", []) if e["search"]["mode"] == "match"]


def test_token_and_identifier(fhir, region):
    r = fhir("GET", "Patient?identifier=urn:cn:id|110101197003040011")
    assert ids(r) == [region["p1"]]
    assert ids(fhir("GET", "Patient?identifier=110101198511200022")) == [region["p2"]]
    assert ids(fhir("GET", "Patient?gender=female")) == [region["p2"]] or region["p2"] in ids(
        fhir("GET", "Patient?gender=female&_count=100"))
    mine = {region["p1"], region["p2"]}
    assert set(ids(fhir("GET", "Patient?gender:not=female&_count=1000"))) & mine == {region["p1"]}


def test_token_text_is_a_prefix_search_on_display(fhir, region):
    r = fhir("GET", f"Observation?code:text=systolic&subject={region['p1']}&_count=100")
    assert len(ids(r)) == 5
    assert ids(fhir("GET", f"Observation?code:text=bp&subject={region['p1']}")) == []


def test_chinese_names_traditional_simplified_and_pinyin(fhir, region):
    assert ids(fhir("GET", "Patient?name=张伟")) == [region["p1"]]     # record says 張偉
    assert ids(fhir("GET", "Patient?name=張")) == [region["p1"]]
    assert ids(fhir("GET", "Patient?name:pinyin=zhang wei")) == [region["p1"]]
    assert ids(fhir("GET", "Patient?name:exact=李娜")) == [region["p2"]]
    assert ids(fhir("GET", "Organization?name:contains=卫生")) == [region["org"]]


def test_date_and_quantity_prefixes(fhir, region):
    obs = region["obs"]
    r = fhir("GET", f"Observation?subject=Patient/{region['p1']}&code=http://loinc.org|8480-6&date=ge2026-03-01"
                    "&_count=100")
    # p1 has i = 0,2,4,6,8 -> months 1,3,5,1,3
    assert sorted(ids(r)) == sorted([obs[2], obs[4], obs[8]])
    assert sorted(ids(fhir("GET", "Observation?value-quantity=gt160&_count=100"
                                  f"&subject={region['p2']}"))) == sorted([obs[9]])
    assert ids(fhir("GET", f"Observation?value-quantity=145||mm[Hg]&subject:Patient={region['p2']}")) == [obs[5]]
    assert ids(fhir("GET", f"Observation?date=2026-05&subject={region['p1']}")) == [obs[4]]
    assert ids(fhir("GET", f"Encounter?date=2026-03-01&patient={region['p1']}")) == [region["enc"]]


def test_composite(fhir, region):
    r = fhir("GET", f"Observation?code-value-quantity=http://loinc.org|8480-6$ge160&subject={region['p2']}")
    assert ids(r) == [region["obs"][9]]


def test_chain_has_include_revinclude(fhir, region):
    r = fhir("GET", "Observation?subject:Patient.identifier=urn:cn:id|110101197003040011&_count=100")
    assert len(ids(r)) == 5
    r = fhir("GET", "Observation?subject.name=李娜&_count=100")
    assert len(ids(r)) == 5
    r = fhir("GET", "Patient?_has:Encounter:patient:status=finished&_id=" + region["p1"])
    assert ids(r) == [region["p1"]]
    r = fhir("GET", f"Encounter?_id={region['enc']}&_include=Encounter:subject")
    included = [e["resource"]["id"] for e in r.body["entry"] if e["search"]["mode"] == "include"]
    assert included == [region["p1"]]
    r = fhir("GET", f"Patient?_id={region['p1']}&_revinclude=Encounter:patient")
    included = [e["resource"]["id"] for e in r.body["entry"] if e["search"]["mode"] == "include"]
    assert included == [region["enc"]]


def test_missing_and_sort(fhir, region):
    r = fhir("GET", f"Patient?_id={region['p1']},{region['p2']}&organization:missing=true")
    assert ids(r) == [region["p2"]]
    r = fhir("GET", f"Patient?_id={region['p1']},{region['p2']}&_sort=-birthdate")
    assert ids(r) == [region["p2"], region["p1"]]
    r = fhir("GET", f"Observation?subject={region['p1']}&_sort=date,-_id&_count=100")
    dates = [e["resource"]["effectiveDateTime"] for e in r.body["entry"]]
    assert dates == sorted(dates)


def test_keyset_paging_is_stable_under_inserts(fhir, region):
    subject = region["p2"]
    page1 = fhir("GET", f"Observation?subject={subject}&_count=2&_sort=value-quantity")
    assert len(ids(page1)) == 2
    nxt = next(link["url"] for link in page1.body["link"] if link["relation"] == "next")
    # a concurrent write that sorts before the cursor must not shift the next page
    fhir("POST", "Observation", {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                                 "subject": {"reference": f"Patient/{subject}"}, "valueQuantity": {"value": 1}})
    page2 = fhir("GET", "Observation?" + nxt.split("?", 1)[1])
    values = [e["resource"]["valueQuantity"]["value"] for e in page2.body["entry"]]
    assert values == [145, 155]  # p2 has 125, 135 | 145, 155 | 165
    prev = next(link["url"] for link in page2.body["link"] if link["relation"] == "previous")
    back = fhir("GET", "Observation?" + prev.split("?", 1)[1])
    assert ids(back) == ids(page1)


def test_total_summary_elements(fhir, region):
    r = fhir("GET", f"Observation?subject={region['p1']}&_total=accurate&_count=2")
    assert r.body["total"] == 5
    r = fhir("GET", f"Observation?subject={region['p1']}&_summary=count")
    assert r.body["total"] == 5 and "entry" not in r.body
    r = fhir("GET", f"Patient?_id={region['p1']}&_elements=gender")
    res = r.body["entry"][0]["resource"]
    assert set(res) == {"resourceType", "id", "meta", "gender"}
    assert res["meta"]["tag"][-1]["code"] == "SUBSETTED"


def test_strict_and_lenient(fhir, region):
    lenient = fhir("GET", "Patient?foo=bar&gender=male&_count=1000")
    assert lenient.status == 200
    outcome = [e for e in lenient.body["entry"] if e["search"]["mode"] == "outcome"]
    assert "foo" in outcome[0]["resource"]["issue"][0]["diagnostics"]
    strict = fhir("GET", "Patient?foo=bar", headers={"prefer": "handling=strict"})
    assert strict.status == 400
    assert strict.body["resourceType"] == "OperationOutcome"


def test_sql_looking_values_are_just_values(fhir, region):
    for value in ["' OR 1=1 --", "%", "_", "\\", "x'); DROP TABLE fhir_resource; --"]:
        r = fhir("GET", "Patient", query=[("name", value)])
        assert r.status == 200
        assert ids(r) == []
    assert fhir("GET", "Patient", query=[("birthdate", "' OR 1=1")]).status == 400


def test_conditional_create_and_update(fhir, region):
    body = {"resourceType": "Patient", "identifier": [{"system": "urn:cn:id", "value": "110101197003040011"}]}
    r = fhir("POST", "Patient", body, {"if-none-exist": "identifier=urn:cn:id|110101197003040011"})
    assert (r.status, r.body["id"]) == (200, region["p1"])
    r = fhir("POST", "Patient", {**body, "identifier": [{"system": "urn:cn:id", "value": "NEW-1"}]},
             {"if-none-exist": "identifier=urn:cn:id|NEW-1"})
    assert r.status == 201
    r = fhir("PUT", "Patient?identifier=urn:cn:id|NEW-1",
             {"resourceType": "Patient", "gender": "female",
              "identifier": [{"system": "urn:cn:id", "value": "NEW-1"}]})
    assert (r.status, r.body["meta"]["versionId"]) == (200, "2")
    r = fhir("POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:00000000-0000-4000-8000-00000000abcd", "resource": body,
         "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:cn:id|110101197003040011"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                      "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-00000000abcd"}},
         "request": {"method": "POST", "url": "Observation"}}]})
    assert r.status == 200, r.body
    assert r.body["entry"][0]["response"]["status"] == "200 OK"
    obs_id = r.body["entry"][1]["response"]["location"].split("/")[1]
    assert fhir("GET", f"Observation/{obs_id}").body["subject"]["reference"] == f"Patient/{region['p1']}"


def _included(resp):
    return sorted(e["resource"]["id"] for e in resp.body["entry"] if e["search"]["mode"] == "include")


def test_include_target_type_and_iterate(fhir, region):
    # :Type restricts _include to references of that target type
    r = fhir("GET", f"Encounter?_id={region['enc']}&_include=Encounter:subject:Patient")
    assert _included(r) == [region["p1"]]
    r = fhir("GET", f"Encounter?_id={region['enc']}&_include=Encounter:subject:Group")
    assert _included(r) == []
    # :iterate follows one more level: Encounter -> Patient -> Organization
    r = fhir("GET", f"Encounter?_id={region['enc']}&_include=Encounter:subject"
                    "&_include:iterate=Patient:organization")
    assert _included(r) == sorted([region["p1"], region["org"]])
    # without :iterate an _include must start from the searched type (R4 search.html#include)
    r = fhir("GET", f"Encounter?_id={region['enc']}&_include=Encounter:subject&_include=Patient:organization")
    assert r.status == 400 and "use :iterate" in r.body["issue"][0]["diagnostics"]
    # _revinclude:iterate: Organization <- Patient <- Encounter
    r = fhir("GET", f"Organization?_id={region['org']}&_revinclude=Patient:organization"
                    "&_revinclude:iterate=Encounter:patient")
    assert _included(r) == sorted([region["p1"], region["enc"]])
