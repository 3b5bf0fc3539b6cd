"""Mapping a FHIR R4 Patient resource to a `PersonRecord` (FHIR 患者资源映射).

Chinese conventions (systems and extension URLs are data, ``data/fhir_identifiers.toml``):
  * the resident ID number is the ``Patient.identifier`` whose system is one of
    ``resident_id_systems`` (the national OID urn:oid:1.2.156.112604.1.2.1 or
    TierCare's URI); a household id uses ``household_systems``;
  * the name is the ``official`` HumanName (else ``usual``, else the first):
    ``text`` when present, else family + given (no space between Han
    characters, "given family" for Latin script);
  * phones are ``telecom`` entries with system ``phone`` or ``sms``;
  * the GB/T 2260 code of the address comes from an address extension
    (``address_code_extensions``), else from ``Address.district`` when it is
    all digits;
  * a lunar birth date (农历生日) is the extension ``lunar_birth_extension`` on
    ``_birthDate``: valueString holds the lunar date as written, valueBoolean
    true says ``birthDate`` carries the lunar numbers;
  * the facility is ``managingOrganization.reference``.
Only reads; never raises on odd content (non-dict parts are ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiercare.core.errors import InvalidInput
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise_name import is_han


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _pick_name(names: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for use in ("official", "usual"):
        for name in names:
            if name.get("use") == use:
                return name
    return names[0] if names else None


def _name_parts(name: Mapping[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    if name is None:
        return None, None, None
    family = name.get("family") if isinstance(name.get("family"), str) else None
    given_list = [g for g in name.get("given", []) if isinstance(g, str)] if isinstance(name.get("given"), list) else []
    han = any(is_han(ch) for ch in (family or "") + "".join(given_list))
    given = ("" if han else " ").join(given_list) or None
    text = name.get("text") if isinstance(name.get("text"), str) else None
    if not text and (family or given):
        text = f"{family or ''}{given or ''}" if han else " ".join(p for p in (given, family) if p)
    return text, family, given


def _address_code(addresses: list[Mapping[str, Any]], urls: list[str]) -> str | None:
    for address in addresses:
        for ext in _dicts(address.get("extension")):
            if ext.get("url") in urls:
                for key in ("valueCode", "valueString"):
                    if isinstance(ext.get(key), str):
                        return str(ext[key])
        district = address.get("district")
        if isinstance(district, str) and district.strip().isdigit():
            return district.strip()
    return None


def from_fhir_patient(resource: Mapping[str, Any], *, household: str | None = None) -> PersonRecord:
    """The person record of a FHIR R4 Patient (JSON as a dict). ``household``
    supplies the household id when it is kept elsewhere (a Group of type person,
    户, listing the members, as the synthetic-region generator writes)."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "Patient":
        raise InvalidInput("not a FHIR Patient resource")
    conf = load_table("fhir_identifiers")
    id_number = None
    for ident in _dicts(resource.get("identifier")):
        system, value = ident.get("system"), ident.get("value")
        if not isinstance(value, str):
            continue
        if system in conf["resident_id_systems"] and id_number is None:
            id_number = value
        elif system in conf["household_systems"] and household is None:
            household = value
    text, family, given = _name_parts(_pick_name(_dicts(resource.get("name"))))
    phones = tuple(
        str(t["value"])
        for t in _dicts(resource.get("telecom"))
        if t.get("system") in ("phone", "sms") and isinstance(t.get("value"), str)
    )
    birth = resource.get("birthDate") if isinstance(resource.get("birthDate"), str) else None
    lunar = False
    birth_meta = resource.get("_birthDate")
    for ext in _dicts(birth_meta.get("extension") if isinstance(birth_meta, Mapping) else None):
        if ext.get("url") == conf["lunar_birth_extension"]:
            if isinstance(ext.get("valueString"), str):
                birth, lunar = ext["valueString"], True
            elif ext.get("valueBoolean") is True:
                lunar = True
    org = resource.get("managingOrganization")
    facility = org.get("reference") if isinstance(org, Mapping) and isinstance(org.get("reference"), str) else None
    rid = resource.get("id")
    return PersonRecord(
        record_id=f"Patient/{rid}" if isinstance(rid, str) else "Patient/",
        name=text,
        family_name=family,
        given_name=given,
        gender=resource.get("gender") if isinstance(resource.get("gender"), str) else None,
        birth_date=birth,
        birth_date_lunar=lunar,
        id_number=id_number,
        phones=phones,
        address_code=_address_code(_dicts(resource.get("address")), conf["address_code_extensions"]),
        facility=facility,
        household=household,
    )
