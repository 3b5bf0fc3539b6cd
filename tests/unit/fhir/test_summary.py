"""_summary and _elements views follow the isSummary flags of the R4 definitions."""

from __future__ import annotations

from typing import Any

from tiercare.core.fhir.summary import SUBSETTED, summarize

PATIENT: dict[str, Any] = {
    "resourceType": "Patient", "id": "p1", "meta": {"versionId": "2"},
    "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
    "name": [{"family": "张", "given": ["伟"]}], "gender": "male", "_gender": {"id": "g"},
    "photo": [{"contentType": "image/png"}], "maritalStatus": {"text": "married"},
    "contact": [{"name": {"family": "李"}}],
    "link": [{"other": {"reference": "Patient/2"}, "type": "seealso"}],
}


def test_summary_true_keeps_summary_elements_recursively() -> None:
    view = summarize(PATIENT, "true")
    assert set(view) == {"resourceType", "id", "meta", "name", "gender", "_gender", "link"}
    assert view["link"] == PATIENT["link"]
    assert view["meta"] == {"versionId": "2", "tag": [SUBSETTED]}
    assert "tag" not in PATIENT["meta"]  # the input is not modified
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "note": [{"text": "n"}],
           "valueQuantity": {"value": 1}, "component": [{"code": {"text": "c"}, "valueString": "v",
                                                          "interpretation": [{"text": "i"}]}]}
    view = summarize(obs, "true")
    assert set(view) == {"resourceType", "status", "code", "valueQuantity", "component", "meta"}
    assert view["component"] == [{"code": {"text": "c"}, "valueString": "v"}]


def test_summary_text_data_and_passthrough() -> None:
    assert set(summarize(PATIENT, "text")) == {"resourceType", "id", "meta", "text"}
    assert "text" not in summarize(PATIENT, "data") and "photo" in summarize(PATIENT, "data")
    assert summarize(PATIENT, "false") is PATIENT
    assert summarize(PATIENT) is PATIENT
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "text": {"div": "d"}}
    assert set(summarize(obs, "text")) == {"resourceType", "meta", "text", "status", "code"}


def test_elements_keep_mandatory_and_choice_forms() -> None:
    obs = {"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
           "subject": {"reference": "Patient/1"}, "valueQuantity": {"value": 1}, "note": [{"text": "n"}]}
    view = summarize(obs, elements=["value", "subject"])
    assert set(view) == {"resourceType", "id", "meta", "status", "code", "valueQuantity", "subject"}
    assert set(summarize(PATIENT, elements=["gender"])) == {"resourceType", "id", "meta", "gender", "_gender"}
