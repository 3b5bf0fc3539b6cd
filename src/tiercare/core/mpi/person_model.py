"""The Chinese person-linkage model (居民匹配模型): comparisons, blocking keys and
rules over standardised records, and `link_persons`, the pure entry point.

Comparisons (levels strongest first; null when either side is missing):
  name       exact, script (繁简), pinyin (拼音), homophone (同音), shape (形近),
             edit1, same_surname, different; term-frequency adjusted on exact
  birth      exact, lunar (农历当公历), swap (日月颠倒), placeholder (1月1日), typo, different
  id         exact, typo, different (both valid: two people), different_invalid;
             null when either ID is a guardian's (监护人证件)
  phone      shared, shared_household (家庭共用), typo, different
  address    GB/T 2260 segment levels (see standardise_address)
  gender     same, different
  household  same, different
Features read only by rules: newborn (placeholder names: both, one in a household
with a multiple birth, one whose parent's surname is the other's, one), age_gap (a generation), multiple_birth (the pair
shares a household/phone + birth date that carries two valid ID numbers),
birth_gap (birth years two or more apart).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz.distance import OSA

from tiercare.core.mpi.blocking import BlockingKey
from tiercare.core.mpi.compare_fields import (
    ADDRESS_LEVELS,
    BIRTH_LEVELS,
    ID_LEVELS,
    NAME_LEVELS,
    age_gap_level,
    birth_gap_level,
    compare_addresses,
    compare_birth,
    compare_ids,
    compare_names,
)
from tiercare.core.mpi.fellegi_sunter import Comparison
from tiercare.core.mpi.linker import ColumnForm, LinkModel, LinkResult, link, rules_from_settings
from tiercare.core.mpi.person_columns import (
    blocking_codes,
    build_columns,
    compare_columns,
    mark_multiple_births,
    shares_birth_key,
)
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise import StandardRecord, clear_caches, standardise_record
from tiercare.core.mpi.standardise_name import StandardName

PHONE_LEVELS = ("shared", "shared_household", "typo", "different")
# Newborn placeholder (新生儿占位名) features: both records placeholders; one, in a
# household/phone with several babies born that day; one, whose parent's surname
# (陈涛之女) is the other's surname; one otherwise.
NEWBORN_LEVELS = ("both", "one_multiple_birth", "one_parent_surname", "one")


def _index(levels: tuple[str, ...], label: str | None) -> int:
    return -1 if label is None else levels.index(label)


def shared_phones(records: Sequence[StandardRecord], min_names: int) -> frozenset[str]:
    """Phones that appear on records of at least ``min_names`` different names:
    household or shared phones (家庭共用电话), weaker evidence than one's own."""
    names: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        key = rec.name.key or rec.name.text if rec.name is not None else rec.record_id
        for phone in rec.phones:
            names[phone.digits].add(key)
    return frozenset(p for p, n in names.items() if len(n) >= min_names)


def _birth_keys(rec: StandardRecord) -> list[str]:
    if rec.birth is None:
        return []
    day = rec.birth.value.isoformat()
    keys = [f"h|{rec.household}|{day}"] if rec.household else []
    return keys + [f"p|{p.digits}|{day}" for p in rec.phones]


def _keys_of_two_babies(named: dict[str, list[StandardName]]) -> frozenset[str]:
    """Keys whose named records hold two or more different babies: names close to
    each other (a typo, a homophone) count as one."""
    out = set()
    for key, names in named.items():
        distinct: list[StandardName] = []
        for name in names:
            if all(compare_names(name, d) not in _SAME_NAME for d in distinct):
                distinct.append(name)
        if len(distinct) >= 2:
            out.add(key)
    return frozenset(out)


def multiple_births(records: Sequence[StandardRecord]) -> frozenset[str]:
    """Household (or phone) + birth-date keys of two or more babies (twins,
    双胞胎/多胞胎): a newborn placeholder there could be any of them. Named
    records count as one baby when their names are close (a typo or homophone of
    one name is not a second child); two different placeholders (之子 and 之女)
    are two babies."""
    named: dict[str, list[StandardName]] = defaultdict(list)
    placeholders: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if rec.name is None:
            continue
        for key in _birth_keys(rec):
            if rec.name.placeholder:
                placeholders[key].add(rec.name.text)
            else:
                named[key].append(rec.name)
    out = {k for k, v in placeholders.items() if len(v) >= 2}
    return frozenset(out | _keys_of_two_babies(named))


def _parent_key(rec: StandardRecord) -> str | None:
    """County + birth date + sex + surname (陈涛之女 gives 陈): where a placeholder
    named after a parent looks for the named baby."""
    if rec.name is None or rec.birth is None or rec.address is None or rec.address.county is None:
        return None
    if not rec.name.surname:
        return None
    return f"{rec.address.county}|{rec.birth.value.isoformat()}|{rec.gender or ''}|{rec.name.surname}"


def ambiguous_parent_keys(records: Sequence[StandardRecord]) -> frozenset[str]:
    """Parent keys (`_parent_key`) held by two or more different named babies:
    a placeholder there could be either, so its surname is no evidence. Names
    close to each other (a typo, a homophone) count as one baby."""
    wanted = {k for r in records if r.name is not None and r.name.placeholder and (k := _parent_key(r))}
    days = {r.birth.value for r in records if r.name is not None and r.name.placeholder and r.birth is not None}
    named: dict[str, list[StandardName]] = defaultdict(list)
    for rec in records:
        # Only keys some placeholder looks for matter (births that day first: cheap).
        if rec.name is None or rec.name.placeholder or rec.birth is None or rec.birth.value not in days:
            continue
        key = _parent_key(rec)
        if key in wanted:
            named[key].append(rec.name)
    return _keys_of_two_babies(named)


def id_multiple_births(records: Sequence[StandardRecord]) -> frozenset[str]:
    """Household (or phone) + birth-date keys carrying two or more different valid
    own ID numbers: certainly twins or more (多胞胎). Only there are two records
    with names one character apart and no ID agreement held for review; elsewhere
    that pattern is, by far, one person with a typo."""
    ids: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        own = rec.own_id
        if own is not None and own.valid:
            for key in _birth_keys(rec):
                ids[key].add(own.text)
    return frozenset(k for k, v in ids.items() if len(v) >= 2)


_SAME_NAME = frozenset({"exact", "script", "pinyin", "homophone", "shape", "edit1"})


def person_comparisons(
    shared: frozenset[str],
    multiple: frozenset[str] = frozenset(),
    twins: frozenset[str] = frozenset(),
    ambiguous: frozenset[str] = frozenset(),
) -> list[Comparison[StandardRecord]]:
    """The comparisons of the Chinese person model, given the set of shared phones,
    the household/birth-date keys of multiple births judged by names
    (``multiple``) and by valid ID numbers (``twins``), and the ambiguous parent
    keys (``ambiguous``, `ambiguous_parent_keys`)."""

    def name(a: StandardRecord, b: StandardRecord) -> int:
        return _index(NAME_LEVELS, compare_names(a.name, b.name))

    def birth(a: StandardRecord, b: StandardRecord) -> int:
        return _index(BIRTH_LEVELS, compare_birth(a.birth, b.birth))

    def idn(a: StandardRecord, b: StandardRecord) -> int:
        return _index(ID_LEVELS, compare_ids(a.own_id, b.own_id))

    def phone(a: StandardRecord, b: StandardRecord) -> int:
        if not a.phones or not b.phones:
            return -1
        common = {p.digits for p in a.phones} & {p.digits for p in b.phones}
        if common:
            return 1 if common <= shared else 0
        mob_a = [p.digits for p in a.phones if p.kind == "mobile"]
        mob_b = [p.digits for p in b.phones if p.kind == "mobile"]
        if any(OSA.distance(x, y) <= 1 for x in mob_a for y in mob_b):
            return 2
        return 3

    def address(a: StandardRecord, b: StandardRecord) -> int:
        return _index(ADDRESS_LEVELS, compare_addresses(a.address, b.address))

    def gender(a: StandardRecord, b: StandardRecord) -> int:
        if a.gender is None or b.gender is None:
            return -1
        return 0 if a.gender == b.gender else 1

    def household(a: StandardRecord, b: StandardRecord) -> int:
        if a.household is None or b.household is None:
            return -1
        return 0 if a.household == b.household else 1

    def newborn(a: StandardRecord, b: StandardRecord) -> int:
        pa = a.name is not None and a.name.placeholder
        pb = b.name is not None and b.name.placeholder
        if pa and pb:
            return 0
        if not (pa or pb):
            return -1
        if any(k in multiple for k in _birth_keys(a) + _birth_keys(b)):
            return 1
        ph, other = (a, b) if pa else (b, a)
        # 陈涛之女 / 陈敏玉: the parent named in the placeholder gave the surname.
        if (ph.name is not None and other.name is not None and ph.name.surname
                and ph.name.surname == other.name.surname and _parent_key(ph) not in ambiguous):
            return 2
        return 3

    def birth_gap(a: StandardRecord, b: StandardRecord) -> int:
        return _index(("years", "close"), birth_gap_level(a.birth, b.birth))

    def multiple_birth(a: StandardRecord, b: StandardRecord) -> int:
        if a.birth is None or b.birth is None:
            return -1
        common = set(_birth_keys(a)) & set(_birth_keys(b))
        return 0 if common & twins else 1

    def age_gap(a: StandardRecord, b: StandardRecord) -> int:
        return _index(("generation", "none"), age_gap_level(a.birth, b.birth))

    def name_tf(r: StandardRecord) -> str | None:
        return r.name.text if r.name is not None and not r.name.placeholder else None

    return [
        Comparison("name", NAME_LEVELS, name, tf_key=name_tf),
        Comparison("birth", BIRTH_LEVELS, birth),
        Comparison("id", ID_LEVELS, idn),
        Comparison("phone", PHONE_LEVELS, phone),
        Comparison("address", ADDRESS_LEVELS, address),
        Comparison("gender", ("same", "different"), gender),
        Comparison("household", ("same", "different"), household),
        Comparison("newborn", NEWBORN_LEVELS, newborn, weighted=False),
        Comparison("age_gap", ("generation", "none"), age_gap, weighted=False),
        Comparison("multiple_birth", ("yes", "no"), multiple_birth, weighted=False),
        Comparison("birth_gap", ("years", "close"), birth_gap, weighted=False),
    ]


def _sorted_key(r: StandardRecord) -> str | None:
    # Syllables sorted: "Wei Zhang" and 张伟 share a key whatever the order.
    if r.name is None or r.name.placeholder or not r.name.readings:
        return None
    return "".join(sorted(x[0] for x in r.name.readings if x))


def person_blocking(newborn_years: frozenset[int] = frozenset()) -> list[BlockingKey[StandardRecord]]:
    """Blocking keys: several, so that one wrong field does not lose the pair.
    ``newborn_years``: birth years of newborn placeholder records; records born
    in those years are also blocked on birth date + county, because a
    placeholder often carries the parent's name (次仁·吐尔洪之子) and no phone."""

    def by_id(r: StandardRecord) -> Iterable[str]:
        if r.id_number is None:
            return ()
        # Region + birth date + sequence without the check: catches check-character typos.
        return (r.id_number.text, "p" + r.id_number.text[:17]) if len(r.id_number.text) == 18 else (r.id_number.text,)

    def surname_birth(r: StandardRecord) -> Iterable[str]:
        if r.name is None or r.birth is None or not r.name.surname_key:
            return ()
        return (f"{r.name.surname_key}|{r.birth.value.isoformat()}",)

    def name_year(r: StandardRecord) -> Iterable[str]:
        key = _sorted_key(r)
        return () if key is None or r.birth is None else (f"{key}|{r.birth.value.year}",)

    def name_township(r: StandardRecord) -> Iterable[str]:
        # Township, not county: a county of 190k residents made blocks of common
        # names (张伟) hundreds strong, 19.5M candidate pairs at 1M records.
        key = _sorted_key(r)
        town = r.address.prefix(4) if r.address is not None and r.address.depth >= 4 else None
        return () if key is None or town is None else (f"{key}|{town}",)

    def name_day(r: StandardRecord) -> Iterable[str]:
        # Month and day of birth with the name: a wrong birth year (typo, lunar
        # year) and no ID or phone in common.
        key = _sorted_key(r)
        return () if key is None or r.birth is None else (f"{key}|{r.birth.value.month}-{r.birth.value.day}",)

    def phones(r: StandardRecord) -> Iterable[str]:
        return tuple(p.digits for p in r.phones)

    def given_birth(r: StandardRecord) -> Iterable[str]:
        # A wrong surname (萧/肖 keyed as 肖): given name and birth date.
        if r.name is None or r.birth is None:
            return ()
        given = r.name.given_key
        return (f"{given}|{r.birth.value.isoformat()}",) if given else ()

    def birth_household(r: StandardRecord) -> Iterable[str]:
        # Newborn placeholders have no name key: household + birth date finds them.
        if r.birth is None:
            return ()
        out = [f"{r.household}|{r.birth.value.isoformat()}"] if r.household else []
        out += [f"{p.digits}|{r.birth.value.year}" for p in r.phones]
        return out

    def newborn_day(r: StandardRecord) -> Iterable[str]:
        if r.birth is None or r.birth.value.year not in newborn_years:
            return ()
        county = r.address.county if r.address is not None else ""
        return (f"{r.birth.value.isoformat()}|{county}|{r.gender or ''}",)

    return [
        BlockingKey("id", by_id),
        BlockingKey("surname_birth", surname_birth),
        BlockingKey("name_year", name_year),
        BlockingKey("name_township", name_township),
        BlockingKey("name_day", name_day),
        BlockingKey("phone", phones),
        BlockingKey("given_birth", given_birth),
        BlockingKey("birth_household", birth_household),
        BlockingKey("newborn_day", newborn_day),
    ]


@dataclass
class PersonLinkage:
    """Standardised records and the linkage result over them."""

    records: list[StandardRecord]
    result: LinkResult
    model: LinkModel[StandardRecord]


def person_model(
    records: Sequence[StandardRecord], settings: Mapping[str, Any] | None = None, *, columns: bool = False
) -> LinkModel[StandardRecord]:
    """The model over ``records``; with ``columns`` also its column-wise form
    (person_columns), which the batch uses for blocking and comparing."""
    settings = settings or load_table("model")
    shared = shared_phones(records, load_table("phone_rules")["shared_min_names"])
    newborn_years = frozenset(
        r.birth.value.year for r in records if r.name is not None and r.name.placeholder and r.birth is not None
    )
    form = None
    if columns:
        cols = build_columns(
            records, shared=shared, generation_years=int(load_table("model")["features"]["parent_child_min_years"])
        )
        # Keys held by one record only cannot be multiple births: the Python
        # passes below run over the records that share one (same sets).
        share = shares_birth_key(cols).tolist()
        subset = [r for r, keep in zip(records, share, strict=True) if keep]
        multiple, twins = multiple_births(subset), id_multiple_births(subset)
        ambiguous = ambiguous_parent_keys(records)
        mark_multiple_births(cols, records, multiple, twins)
        cols.parent_ambiguous[:] = [r.name is not None and r.name.placeholder and _parent_key(r) in ambiguous
                                    for r in records]
        form = ColumnForm(
            compare=lambda pairs: compare_columns(cols, pairs),
            block_codes=lambda: blocking_codes(cols, newborn_years),
        )
    else:
        multiple, twins = multiple_births(records), id_multiple_births(records)
        ambiguous = ambiguous_parent_keys(records)
    return LinkModel(
        person_comparisons(shared, multiple, twins, ambiguous),
        person_blocking(newborn_years),
        rules_from_settings(settings),
        columns=form,
    )


def link_persons(
    records: Sequence[PersonRecord],
    *,
    today: date,
    seed: int = 0,
    settings: Mapping[str, Any] | None = None,
) -> PersonLinkage:
    """Standardise and deduplicate person records; records that are not linkable
    (garbage) take part in nothing and stay alone in their own cluster."""
    return link_standardised([standardise_record(r, today=today) for r in records], seed=seed, settings=settings)


def link_standardised(
    records: Sequence[StandardRecord], *, seed: int = 0, settings: Mapping[str, Any] | None = None
) -> PersonLinkage:
    """`link_persons` for records already standardised (a caller that streams a
    million registrations standardises each as it reads it and keeps only the
    standardised form)."""
    settings = settings or load_table("model")
    std = list(records)
    clear_caches()
    model = person_model(std, settings, columns=True)
    result = link(std, model, settings, seed=seed, eligible=[r.linkable for r in std])
    return PersonLinkage(records=std, result=result, model=model)
