"""Plain person records (人员记录) that the registry links, and validation issues.

`PersonRecord` is what every source is mapped to before linking: FHIR Patient
resources (see `fhir_patient.from_fhir_patient`), the synthetic-region generator's
NDJSON, a CSV. All fields are optional raw strings as entered; standardisation
(`standardise.standardise_record`) never mutates them and never drops a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a validation issue is: ``warning`` keeps the field, ``error`` drops
    the field from comparisons (it becomes null evidence)."""

    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding (校验结果) on one field: a code a program can test
    and no PHI (the value itself is never copied here)."""

    field: str
    code: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRecord:
    """One registration of a person at one source (一条人员登记记录).

    Fields (all raw, as entered):
      * ``record_id``: unique id of the record (e.g. ``Patient/123``).
      * ``name``: full name 姓名 (Han, traditional, pinyin or minority with ·).
      * ``family_name`` / ``given_name``: when the source keeps them apart.
      * ``gender``: ``male`` / ``female`` / ``other`` / ``unknown`` (FHIR codes) or 男/女.
      * ``birth_date``: ``YYYY-MM-DD`` or a Chinese form; ``birth_date_lunar`` marks
        a date the resident gave in the lunar calendar (农历生日).
      * ``id_number``: 居民身份证号 (GB 11643), 18 or legacy 15 characters.
      * ``phones``: any number of phone numbers.
      * ``address_code``: GB/T 2260 division code, 6, 9 or 12 digits (to village).
      * ``facility``: registering facility id; ``household``: household id (户).
      * ``source``: the source system, used to link across sources only.
    """

    record_id: str
    name: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    gender: str | None = None
    birth_date: str | None = None
    birth_date_lunar: bool = False
    id_number: str | None = None
    phones: tuple[str, ...] = field(default_factory=tuple)
    address_code: str | None = None
    facility: str | None = None
    household: str | None = None
    source: str | None = None
