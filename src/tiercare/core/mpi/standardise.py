"""Standardising a whole person record (人员记录标准化).

`standardise_record` runs the field standardisers, collects every validation
issue, derives what the ID number implies (birth date, sex) and recognises the
guardian pattern (监护人证件): an ID number whose birth date is far from the
record's own birth date belongs to someone else (a parent's number on a child's
record) and is kept but marked ``id_foreign``, so it is no evidence either way;
so is a valid number whose sex digit contradicts the record's sex.
A record with too little usable evidence (garbage name and no valid ID, or
fewer than ``min_fields`` usable fields) is marked not linkable: it is reported,
never linked. Thresholds are data (``data/model.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from tiercare.core.mpi.record import Issue, PersonRecord, Severity
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise_address import DivisionCode, standardise_address_code
from tiercare.core.mpi.standardise_date import BirthDate, standardise_birth_date
from tiercare.core.mpi.standardise_id import IdNumber, standardise_id_number
from tiercare.core.mpi.standardise_name import StandardName, standardise_name
from tiercare.core.mpi.standardise_phone import Phone, standardise_phone

_GENDERS = {
    "male": "male", "m": "male", "男": "male", "1": "male",
    "female": "female", "f": "female", "女": "female", "2": "female",
}


@dataclass(frozen=True, slots=True)
class StandardRecord:
    """A person record after standardisation (标准化记录): what comparisons read."""

    record_id: str
    source: str | None
    name: StandardName | None
    gender: str | None
    birth: BirthDate | None
    id_number: IdNumber | None
    id_foreign: bool
    phones: tuple[Phone, ...]
    address: DivisionCode | None
    household: str | None
    facility: str | None
    issues: tuple[Issue, ...]
    linkable: bool

    @property
    def own_id(self) -> IdNumber | None:
        """The ID number when it is the person's own (not a guardian's)."""
        return None if self.id_foreign else self.id_number

    @property
    def birth_year(self) -> int | None:
        return self.birth.value.year if self.birth else None


# Names and dates repeat across a county (张伟, 1980-01-01): standardise each
# distinct value once. Pure functions of their arguments, so caching is safe.
@lru_cache(maxsize=262144)
def _name(raw: str | None, family: str | None, given: str | None) -> tuple[StandardName | None, tuple[Issue, ...]]:
    issues: list[Issue] = []
    got = standardise_name(raw, issues, family=family, given=given)
    return got, tuple(issues)


@lru_cache(maxsize=262144)
def _birth(raw: str | None, today: date, lunar: bool) -> tuple[BirthDate | None, tuple[Issue, ...]]:
    issues: list[Issue] = []
    got = standardise_birth_date(raw, issues, today=today, lunar=lunar)
    return got, tuple(issues)


def _gender(raw: str | None, issues: list[Issue]) -> str | None:
    if raw is None or not raw.strip():
        return None
    got = _GENDERS.get(raw.strip().lower())
    if got is None and raw.strip().lower() not in ("other", "unknown", "未知", "0", "9"):
        issues.append(Issue("gender", "code", Severity.WARNING))
    return got


def standardise_record(record: PersonRecord, *, today: date) -> StandardRecord:
    """Standardise one record; never raises on bad values, reports them instead."""
    name, name_issues = _name(record.name, record.family_name, record.given_name)
    issues = list(name_issues)
    gender = _gender(record.gender, issues)
    birth, birth_issues = _birth(record.birth_date, today, record.birth_date_lunar)
    issues.extend(birth_issues)
    id_number = standardise_id_number(record.id_number, today=today)
    if id_number is not None and not id_number.valid:
        issues.append(Issue("id_number", id_number.reason or "invalid"))
    id_foreign = False
    rules = load_table("id_rules")
    if id_number is not None and id_number.valid and id_number.birth_date is not None:
        if birth is not None and abs(birth.value.year - id_number.birth_date.year) >= rules["guardian_min_years"]:
            id_foreign = True
            issues.append(Issue("id_number", "not_own", Severity.WARNING))
        elif birth is None:
            birth = BirthDate(value=id_number.birth_date)
        if not id_foreign and gender is not None and id_number.male is not None and (gender == "male") != id_number.male:
            # A valid number whose sex digit contradicts the record is someone
            # else's (a spouse's or parent's card copied in): no evidence either way.
            id_foreign = True
            issues.append(Issue("gender", "id_mismatch", Severity.WARNING))
    phones: list[Phone] = []
    for raw in record.phones:
        phone = standardise_phone(raw, issues)
        if phone is not None and phone not in phones:
            phones.append(phone)
    address = standardise_address_code(record.address_code, issues)
    model = load_table("model")
    usable_name = name is not None and not name.placeholder
    valid_id = id_number is not None and id_number.valid and not id_foreign
    fields = sum((usable_name, birth is not None, valid_id, bool(phones), address is not None))
    linkable = (usable_name or valid_id or (name is not None and birth is not None)) and fields >= model["linkable"]["min_fields"]
    if not linkable:
        issues.append(Issue("record", "not_linkable"))
    return StandardRecord(
        record_id=record.record_id,
        source=record.source,
        name=name,
        gender=gender,
        birth=birth,
        id_number=id_number,
        id_foreign=id_foreign,
        phones=tuple(phones),
        address=address,
        household=(record.household or "").strip() or None,
        facility=record.facility,
        issues=tuple(issues),
        linkable=linkable,
    )
