"""Column-wise features and comparisons of the person model (按列计算的比较).

The batch compares millions of candidate pairs. Calling a Python function per
pair and comparison (person_model's level functions) cost about 20 µs a pair;
here every record is reduced once to integer codes and small digit matrices
(name, birth ordinal, ID, phones, address prefixes, household), and each
comparison is computed for all pairs at once with numpy. What numpy cannot do
directly is done once per *distinct* value pair: names (two names recur on many
pairs) go through `compare_names` once per distinct pair of names, and string
distances go through rapidfuzz's ``cpdist`` (C++, code points, never bytes).

The levels are exactly those of `person_model.person_comparisons` (a test checks
both on the same pairs); the real-time path keeps the per-pair functions.
Blocking keys are given as int64 codes per record so that blocks are formed by
sorting arrays (`blocking.candidate_pairs` with ``codes``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from rapidfuzz.process import cpdist

from tiercare.core.mpi.compare_fields import (
    ADDRESS_LEVELS,
    BIRTH_LEVELS,
    ID_LEVELS,
    NAME_LEVELS,
    compare_names,
    shape_group_index,
)
from tiercare.core.mpi.standardise import StandardRecord
from tiercare.core.mpi.standardise_name import StandardName
from tiercare.core.mpi.standardise_phone import Phone

IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

_EXACT_NAME = NAME_LEVELS.index("exact")
_SCRIPT_NAME = NAME_LEVELS.index("script")


def _digit_matrix(texts: Sequence[str], width: int) -> npt.NDArray[np.uint8]:
    """Digits of equal-width strings as a matrix (rows of other widths are 255s)."""
    out = np.full((len(texts), width), 255, dtype=np.uint8)
    for row, text in enumerate(texts):
        if len(text) == width and text.isdigit():
            out[row] = np.frombuffer(text.encode("ascii"), dtype=np.uint8) - 48
    return out


def _one_edit(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> BoolArray:
    """Rows of equal-width digit strings within OSA distance 1: one digit replaced
    or two adjacent digits swapped (insertions change the width and never occur
    between two 8-digit dates or two 11-digit mobiles)."""
    diff = a != b
    count = diff.sum(axis=1)
    adjacent = diff[:, :-1] & diff[:, 1:]
    swapped = adjacent & (a[:, :-1] == b[:, 1:]) & (a[:, 1:] == b[:, :-1])
    valid = (a != 255).all(axis=1) & (b != 255).all(axis=1)
    return np.asarray(valid & ((count <= 1) | ((count == 2) & swapped.any(axis=1))), dtype=bool)


@dataclass
class PersonColumns:
    """Per-record codes of standardised records (-1 for missing)."""

    n: int
    name_text: IntArray  # interned name text, placeholders and missing -1
    name_obj: IntArray  # interned StandardName (text + script + readings)
    names: list[StandardName]
    name_texts: list[str]
    name_tables: NameTable
    traditional: BoolArray
    placeholder: BoolArray
    birth: IntArray  # proleptic ordinal
    birth_lunar: IntArray  # ordinal of the numbers read as lunar
    year: IntArray
    month: IntArray
    day: IntArray
    birth_placeholder: BoolArray
    birth_digits: npt.NDArray[np.uint8]
    id_code: IntArray  # own ID number only (guardian numbers -1)
    id_any: IntArray  # any ID number (blocking)
    id_prefix: IntArray  # first 17 characters of an 18-character number
    id_texts: list[str]
    id_valid: BoolArray
    phones: IntArray  # (n, k) phone codes
    phone_shared: BoolArray  # per phone code
    phone_mobile: BoolArray  # per phone code
    phone_digits: npt.NDArray[np.uint8]  # per phone code, 11 columns (mobiles)
    address: IntArray  # (n, 5) prefix codes of depth 1..5
    depth: IntArray
    county: IntArray
    gender: IntArray
    household: IntArray
    newborn_multiple: BoolArray  # the record's household/phone + day has several babies
    twin_household: BoolArray  # household + day carries two valid ID numbers
    twin_phone: BoolArray  # (n, k) phone + day carries two valid ID numbers
    surname: IntArray  # surname characters, placeholders included (陈涛之女: 陈)
    parent_ambiguous: BoolArray  # a placeholder whose parent key has several named babies
    surname_key: IntArray
    given_key: IntArray
    sorted_key: IntArray
    generation_years: int


def _factorize(values: Sequence[object]) -> tuple[IntArray, list[object]]:
    """Codes 0, 1, 2, … of hashable values in order of first appearance; None and
    "" get -1."""
    index: dict[object, int] = {None: -1, "": -1}
    codes = [index.setdefault(v, len(index) - 2) for v in values]
    del index[None], index[""]
    return np.fromiter(codes, np.int64, len(codes)), list(index)


def _key_parts(keys: frozenset[str]) -> frozenset[str]:
    # "h|household|day" / "p|phone|day" -> the household or phone: only records
    # carrying one of these need their keys spelt out.
    return frozenset(k.split("|")[1] for k in keys)


def build_columns(
    records: Sequence[StandardRecord], *, shared: frozenset[str], generation_years: int
) -> PersonColumns:
    """Reduce every record to codes once (a few Python passes over the records,
    one list comprehension per field). The multiple-birth flags are set after,
    by `mark_multiple_births`."""
    n = len(records)
    rname = [r.name for r in records]
    usable = [x if x is not None and not x.placeholder else None for x in rname]
    name_text, _ = _factorize([x.text if x is not None else None for x in usable])
    name_obj, name_values = _factorize(usable)
    name_list = [x for x in name_values if isinstance(x, StandardName)]
    traditional = np.fromiter((x is not None and x.traditional for x in usable), bool, n)
    placeholder = np.fromiter((x is not None and x.placeholder for x in rname), bool, n)
    # Keys per distinct name (张伟 recurs), then spread to the records.
    all_codes, all_names = _factorize(rname)
    key_codes: dict[object, int] = {None: -1, "": -1}

    def per_name(key: Callable[[StandardName], str | None]) -> IntArray:
        table = np.fromiter(
            (key_codes.setdefault(k, len(key_codes)) if (k := key(x)) else -1  # type: ignore[arg-type]
             for x in all_names), np.int64, len(all_names))
        return np.where(all_codes >= 0, table[np.maximum(all_codes, 0)] if len(table) else -1, -1)

    sorted_key = np.where(placeholder, -1, per_name(
        lambda x: "s" + "".join(sorted(y[0] for y in x.readings if y)) if x.readings else None))
    surname_key = per_name(lambda x: "f" + x.surname_key if x.surname_key else None)
    given_key = per_name(lambda x: "g" + x.given_key if x.given_key else None)
    births = [r.birth for r in records]
    birth = np.fromiter((b.value.toordinal() if b is not None else -1 for b in births), np.int64, n)
    birth_lunar = np.fromiter(
        (b.as_lunar.toordinal() if b is not None and b.as_lunar is not None else -1 for b in births), np.int64, n)
    year = np.fromiter((b.value.year if b is not None else -1 for b in births), np.int64, n)
    month = np.fromiter((b.value.month if b is not None else -1 for b in births), np.int64, n)
    day_ = np.fromiter((b.value.day if b is not None else -1 for b in births), np.int64, n)
    birth_placeholder = np.fromiter((b is not None and b.placeholder for b in births), bool, n)
    known = birth >= 0
    digits = np.zeros((n, 8), np.uint8)
    digits[:, 0:4] = (year[:, None] // np.array([1000, 100, 10, 1]) % 10).astype(np.uint8)
    digits[:, 4:6] = (month[:, None] // np.array([10, 1]) % 10).astype(np.uint8)
    digits[:, 6:8] = (day_[:, None] // np.array([10, 1]) % 10).astype(np.uint8)
    digits[~known] = 255
    id_text = [r.id_number.text if r.id_number is not None else None for r in records]
    id_any, id_values = _factorize(id_text)
    id_prefix, _ = _factorize([t[:17] if t is not None and len(t) == 18 else None for t in id_text])
    foreign = np.fromiter((r.id_foreign for r in records), bool, n)
    id_code = np.where(foreign, -1, id_any)
    valid_of = {r.id_number.text: r.id_number.valid for r in records if r.id_number is not None}
    id_texts = [str(t) for t in id_values]
    width = max((len(r.phones) for r in records), default=0) or 1
    phone_codes: dict[Phone, int] = {}
    phones = np.full((n, width), -1, np.int64)
    for k in range(width):
        phones[:, k] = np.fromiter(
            (phone_codes.setdefault(r.phones[k], len(phone_codes)) if len(r.phones) > k else -1 for r in records),
            np.int64, n)
    phone_values = list(phone_codes)
    address = np.full((n, 5), -1, np.int64)
    segs = [r.address.segments if r.address is not None else () for r in records]
    depth = np.fromiter((len(x) for x in segs), np.int64, n)
    prefix_codes: dict[object, int] = {}
    for d in range(1, 6):
        address[:, d - 1] = np.fromiter(
            (prefix_codes.setdefault(x[:d], len(prefix_codes)) if len(x) >= d else -1 for x in segs), np.int64, n)
    gender = np.fromiter((-1 if r.gender is None else (0 if r.gender == "male" else 1) for r in records), np.int64, n)
    household, _ = _factorize([r.household for r in records])
    return PersonColumns(
        n=n,
        name_text=name_text,
        name_obj=name_obj,
        names=name_list,
        name_texts=[x.text for x in name_list],
        name_tables=name_table(name_list),
        traditional=traditional,
        placeholder=placeholder,
        birth=birth,
        birth_lunar=birth_lunar,
        year=year,
        month=month,
        day=day_,
        birth_placeholder=birth_placeholder,
        birth_digits=digits,
        id_code=id_code,
        id_any=id_any,
        id_prefix=id_prefix,
        id_texts=id_texts,
        # Per-value tables end with one spare entry: lookups clip -1 to 0, which
        # must exist even when no record has an ID number or a phone.
        id_valid=np.array([valid_of[t] for t in id_texts] + [False], dtype=bool),
        phones=phones,
        phone_shared=np.array([p.digits in shared for p in phone_values] + [False], dtype=bool),
        phone_mobile=np.array([p.kind == "mobile" for p in phone_values] + [False], dtype=bool),
        phone_digits=_digit_matrix([str(p.digits) for p in phone_values] + [""], 11),
        address=address,
        depth=depth,
        county=address[:, 2],
        gender=gender,
        household=household,
        newborn_multiple=np.zeros(n, bool),
        twin_household=np.zeros(n, bool),
        twin_phone=np.zeros((n, width), bool),
        surname=_factorize([x.surname if x is not None else None for x in rname])[0],
        parent_ambiguous=np.zeros(n, bool),
        surname_key=surname_key,
        given_key=given_key,
        sorted_key=sorted_key,
        generation_years=generation_years,
    )


def shares_birth_key(c: PersonColumns) -> BoolArray:
    """Records whose household + birth date or phone + birth date is also on
    another record: only they can be in a multiple birth (多胞胎) key, so the
    Python work of `person_model.multiple_births` is limited to them."""
    n = c.n
    out = np.zeros(n, bool)
    rows = np.arange(n, dtype=np.int64)
    keys = _combine_many([(_tag(0, n), c.household, c.birth)] + [(_tag(1, n), c.phones[:, k], c.birth)
                                                                 for k in range(c.phones.shape[1])])
    allk = np.concatenate(keys)
    owner = np.tile(rows, len(keys))
    keep = allk >= 0
    allk, owner = allk[keep], owner[keep]
    pairs = np.unique(np.stack([allk, owner], axis=1), axis=0) if len(allk) else np.empty((0, 2), np.int64)
    _, inverse, counts = np.unique(pairs[:, 0], return_inverse=True, return_counts=True)
    out[pairs[counts[inverse.reshape(-1)] >= 2, 1]] = True
    return out


def mark_multiple_births(
    c: PersonColumns, records: Sequence[StandardRecord], multiple: frozenset[str], twins: frozenset[str]
) -> None:
    """Set the per-record flags read by the newborn and multiple-birth comparisons:
    whether a record's household/phone + birth-date key is in ``multiple`` (several
    babies) or ``twins`` (two valid ID numbers). Keys are "h|household|day" and
    "p|phone|day" (person_model._birth_keys)."""
    about = _key_parts(multiple) | _key_parts(twins)
    for i, r in enumerate(records):
        b = r.birth
        if b is None or not (r.household in about or any(p.digits in about for p in r.phones)):
            continue
        day = b.value.isoformat()
        hkey = f"h|{r.household}|{day}" if r.household else None
        pkeys = [f"p|{p.digits}|{day}" for p in r.phones]
        c.newborn_multiple[i] = hkey in multiple or any(k in multiple for k in pkeys)
        c.twin_household[i] = hkey in twins
        for k, key in enumerate(pkeys):
            c.twin_phone[i, k] = key in twins


# --- comparisons, all pairs at once ------------------------------------------


_NAME_WIDTH = 4  # Han names up to 4 characters go the array way; longer ones (rare) one by one


@dataclass
class NameTable:
    """Per distinct name, what the Han-name comparison reads, as arrays: length,
    characters, the toneless readings of each position as a bitset over syllables
    and the shape-alike groups (形近字) of each character as a bitset over groups.
    ``fast`` marks Han names of at most 4 characters with one reading set per
    character; others are compared by `compare_names` itself."""

    fast: BoolArray
    length: IntArray
    chars: IntArray  # (names, 4) code points, -1 past the end
    readings: npt.NDArray[np.uint64]  # (names, 4, words)
    shapes: npt.NDArray[np.uint64]  # (names, 4, words)
    surname: IntArray


def name_table(names: Sequence[StandardName]) -> NameTable:
    groups = shape_group_index()
    syllables: dict[str, int] = {}
    surnames: dict[str, int] = {}
    count = len(names)
    fast = np.zeros(count, bool)
    length = np.zeros(count, np.int64)
    chars = np.full((count, _NAME_WIDTH), -1, np.int64)
    surname = np.fromiter(
        (surnames.setdefault(x.surname, len(surnames)) if x.surname else -1 for x in names), np.int64, count)
    read_at: list[tuple[int, int, int]] = []  # (name, position, syllable)
    shape_at: list[tuple[int, int, int]] = []  # (name, position, group)
    for row, name in enumerate(names):
        if not (name.script == "han" and len(name.text) == len(name.readings) <= _NAME_WIDTH):
            continue
        fast[row] = True
        length[row] = len(name.text)
        for pos, (ch, reads) in enumerate(zip(name.text, name.readings, strict=True)):
            chars[row, pos] = ord(ch)
            read_at.extend((row, pos, syllables.setdefault(syl, len(syllables))) for syl in reads)
            shape_at.extend((row, pos, g) for g in groups.get(ch, ()))
    n_groups = max((g for gs in groups.values() for g in gs), default=0) + 1
    return NameTable(
        fast=fast,
        length=length,
        chars=chars,
        readings=_bitsets(read_at, count, len(syllables)),
        shapes=_bitsets(shape_at, count, n_groups),
        surname=surname,
    )


def _bitsets(at: list[tuple[int, int, int]], count: int, bits: int) -> npt.NDArray[np.uint64]:
    words = max(1, (bits + 63) // 64)
    out = np.zeros((count, _NAME_WIDTH, words), np.uint64)
    if at:
        idx = np.asarray(at, dtype=np.int64)
        one = np.left_shift(np.uint64(1), (idx[:, 2] % 64).astype(np.uint64))
        np.bitwise_or.at(out, (idx[:, 0], idx[:, 1], idx[:, 2] // 64), one)
    return out


def _fast_name_levels(t: NameTable, texts: Sequence[str], a: IntArray, b: IntArray) -> LevelArray:
    """Levels of distinct pairs of different Han names, as `compare_names` gives
    them: homophone (each position shares a reading), shape (each position equal
    or shape-alike), edit1 (OSA distance 1 on code points), same_surname, different."""
    same_len = t.length[a] == t.length[b]
    valid = np.arange(_NAME_WIDTH)[None, :] < t.length[a][:, None]
    sound = ((t.readings[a] & t.readings[b]) != 0).any(axis=2)
    homophone = same_len & (sound | ~valid).all(axis=1)
    chars_a, chars_b = t.chars[a], t.chars[b]
    alike = (chars_a == chars_b) | (((t.shapes[a] & t.shapes[b]) != 0).any(axis=2) & (chars_a != chars_b))
    shape = same_len & (alike | ~valid).all(axis=1)
    left = [texts[int(x)] for x in a.tolist()]
    right = [texts[int(x)] for x in b.tolist()]
    edit1 = cpdist(left, right, scorer=OSA.distance, score_cutoff=1, workers=1) <= 1 if left else np.zeros(0, bool)
    surname = (t.surname[a] == t.surname[b]) & (t.surname[a] >= 0)
    lv = NAME_LEVELS.index
    return np.select(
        [homophone, shape, edit1, surname],
        [lv("homophone"), lv("shape"), lv("edit1"), lv("same_surname")],
        lv("different"),
    ).astype(np.int8)


def name_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    out = np.full(len(i), -1, np.int8)
    ta, tb = c.name_text[i], c.name_text[j]
    known = (ta >= 0) & (tb >= 0)
    same = known & (ta == tb)
    out[same] = np.where(c.traditional[i][same] | c.traditional[j][same], _SCRIPT_NAME, _EXACT_NAME)
    rest = np.nonzero(known & ~same)[0]
    if len(rest):
        # Once per distinct pair of names: 张伟/张玮 recurs on many pairs.
        count = len(c.names)
        oa, ob = c.name_obj[i[rest]], c.name_obj[j[rest]]
        code, inverse = np.unique(np.minimum(oa, ob) * count + np.maximum(oa, ob), return_inverse=True)
        a, b = code // count, code % count
        t = c.name_tables
        levels = np.full(len(code), -1, np.int8)
        fast = t.fast[a] & t.fast[b]
        levels[fast] = _fast_name_levels(t, c.name_texts, a[fast], b[fast])
        names = c.names
        for row in np.nonzero(~fast)[0].tolist():
            label = compare_names(names[int(a[row])], names[int(b[row])])
            levels[row] = -1 if label is None else NAME_LEVELS.index(label)
        out[rest] = levels[inverse.reshape(-1)]
    return out


def birth_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    a, b = c.birth[i], c.birth[j]
    ya, yb = c.year[i], c.year[j]
    swap = (ya == yb) & (c.month[i] == c.day[j]) & (c.day[i] == c.month[j])
    placeholder = (c.birth_placeholder[i] | c.birth_placeholder[j]) & (ya == yb)
    lunar = ((a == c.birth_lunar[j]) & (c.birth_lunar[j] >= 0)) | ((b == c.birth_lunar[i]) & (c.birth_lunar[i] >= 0))
    typo = _one_edit(c.birth_digits[i], c.birth_digits[j])
    levels = np.select(
        [a == b, lunar, swap, placeholder, typo],
        [BIRTH_LEVELS.index(x) for x in ("exact", "lunar", "swap", "placeholder", "typo")],
        BIRTH_LEVELS.index("different"),
    )
    return np.where((a < 0) | (b < 0), -1, levels).astype(np.int8)


def id_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    a, b = c.id_code[i], c.id_code[j]
    out = np.full(len(i), -1, np.int8)
    known = (a >= 0) & (b >= 0)
    va = c.id_valid[np.maximum(a, 0)]
    vb = c.id_valid[np.maximum(b, 0)]
    same = known & (a == b)
    out[same] = np.where(va[same], ID_LEVELS.index("exact"), ID_LEVELS.index("typo"))
    out[known & ~same & va & vb] = ID_LEVELS.index("different")
    rest = np.nonzero(known & ~same & ~(va & vb))[0]
    if len(rest):
        texts = c.id_texts
        left = [texts[int(x)] for x in a[rest].tolist()]
        right = [texts[int(x)] for x in b[rest].tolist()]
        near = cpdist(left, right, scorer=OSA.distance, score_cutoff=1, workers=1) <= 1
        prefix = np.array([len(x) == len(y) == 18 and x[:17] == y[:17] for x, y in zip(left, right, strict=True)], bool)
        out[rest] = np.where(near | prefix, ID_LEVELS.index("typo"), ID_LEVELS.index("different_invalid"))
    return out


def phone_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    pa, pb = c.phones[i], c.phones[j]
    has_a, has_b = (pa >= 0).any(axis=1), (pb >= 0).any(axis=1)
    common = np.zeros(len(i), bool)
    common_own = np.zeros(len(i), bool)  # a common phone that is not a shared one
    typo = np.zeros(len(i), bool)
    for k in range(pa.shape[1]):
        for m in range(pb.shape[1]):
            x, y = pa[:, k], pb[:, m]
            both = (x >= 0) & (y >= 0)
            eq = both & (x == y)
            common |= eq
            common_own |= eq & ~c.phone_shared[np.maximum(x, 0)]
            mob = both & ~eq & c.phone_mobile[np.maximum(x, 0)] & c.phone_mobile[np.maximum(y, 0)]
            if mob.any():
                rows = np.nonzero(mob)[0]
                hit = _one_edit(c.phone_digits[x[rows]], c.phone_digits[y[rows]])
                typo[rows[hit]] = True
    levels = np.select([common_own, common, typo], [0, 1, 2], 3)
    return np.where(has_a & has_b, levels, -1).astype(np.int8)


def address_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    da, db = c.depth[i], c.depth[j]
    depth = np.minimum(da, db)
    agree = np.zeros(len(i), np.int64)
    for d in range(5):
        eq = (c.address[i, d] == c.address[j, d]) & (c.address[i, d] >= 0) & (d < depth)
        agree = np.where(eq, d + 1, agree)
    lv = ADDRESS_LEVELS.index
    levels = np.select(
        [agree >= 5, (agree == 4) & (depth == 5), agree == 4, (agree == 3) & (depth >= 4), agree == 3],
        [lv("same_village"), lv("differ_village"), lv("same_township"), lv("differ_township"), lv("same_county")],
        lv("different_county"),
    )
    return np.where((da == 0) | (db == 0), -1, levels).astype(np.int8)


def _same_different(a: IntArray, b: IntArray) -> LevelArray:
    return np.where((a < 0) | (b < 0), -1, np.where(a == b, 0, 1)).astype(np.int8)


def newborn_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    pa, pb = c.placeholder[i], c.placeholder[j]
    multiple = c.newborn_multiple[i] | c.newborn_multiple[j]
    surname = (c.surname[i] == c.surname[j]) & (c.surname[i] >= 0) & ~(c.parent_ambiguous[i] | c.parent_ambiguous[j])
    levels = np.where(pa & pb, 0, np.where(multiple, 1, np.where(surname, 2, 3)))
    return np.where(pa | pb, levels, -1).astype(np.int8)


def multiple_birth_levels(c: PersonColumns, i: IntArray, j: IntArray) -> LevelArray:
    # The pair shares a household/phone + birth-date key that carries two valid
    # ID numbers: same day, and the same household or a common phone so marked.
    a, b = c.birth[i], c.birth[j]
    same_day = (a == b) & (a >= 0)
    yes = same_day & (c.household[i] == c.household[j]) & (c.household[i] >= 0) & c.twin_household[i]
    pa, pb = c.phones[i], c.phones[j]
    for k in range(pa.shape[1]):
        for m in range(pb.shape[1]):
            yes |= same_day & (pa[:, k] >= 0) & (pa[:, k] == pb[:, m]) & c.twin_phone[i, k]
    return np.where((a < 0) | (b < 0), -1, np.where(yes, 0, 1)).astype(np.int8)


def gap_levels(c: PersonColumns, i: IntArray, j: IntArray, years: int) -> LevelArray:
    """0 when birth years are ``years`` or more apart, 1 when not, -1 unknown."""
    a, b = c.year[i], c.year[j]
    return np.where((a < 0) | (b < 0), -1, np.where(np.abs(a - b) >= years, 0, 1)).astype(np.int8)


def compare_columns(c: PersonColumns, pairs: IntArray) -> LevelArray:
    """Comparison vectors of all pairs, columns in the order of `person_comparisons`."""
    i, j = pairs[:, 0], pairs[:, 1]
    cols = [
        name_levels(c, i, j),
        birth_levels(c, i, j),
        id_levels(c, i, j),
        phone_levels(c, i, j),
        address_levels(c, i, j),
        _same_different(c.gender[i], c.gender[j]),
        _same_different(c.household[i], c.household[j]),
        newborn_levels(c, i, j),
        gap_levels(c, i, j, c.generation_years),
        multiple_birth_levels(c, i, j),
        gap_levels(c, i, j, 2),
    ]
    return np.stack(cols, axis=1) if len(pairs) else np.empty((0, len(cols)), np.int8)


# --- blocking keys as codes ----------------------------------------------------


def _combine(*cols: IntArray) -> IntArray:
    """One int64 code per row of the given non-negative columns (-1 where any is
    negative): mixed radix, exact (no hashing, so no false blocks)."""
    ok = np.ones(len(cols[0]), bool)
    code = np.zeros(len(cols[0]), np.int64)
    span = 1
    for col in cols:
        ok &= col >= 0
        radix = int(col.max(initial=0)) + 1
        span *= radix
        if span >= 2**62:
            raise OverflowError("blocking key out of int64 range")
        code = code * radix + np.maximum(col, 0)
    return np.where(ok, code, -1)


def _tag(tag: int, n: int) -> IntArray:
    return np.full(n, tag, np.int64)


def _combine_many(rows: Sequence[tuple[IntArray, ...]]) -> list[IntArray]:
    """`_combine` for several arrays sharing one code space: the radix of each
    position is taken over all of them, so equal tuples get equal codes."""
    width = len(rows[0])
    radix = [max(int(r[k].max(initial=0)) for r in rows) + 1 for k in range(width)]
    out = []
    for r in rows:
        ok = np.ones(len(r[0]), bool)
        code = np.zeros(len(r[0]), np.int64)
        for col, base in zip(r, radix, strict=True):
            ok &= col >= 0
            code = code * base + np.maximum(col, 0)
        out.append(np.where(ok, code, -1))
    if np.prod(np.asarray(radix, dtype=np.float64)) >= 2.0**62:
        raise OverflowError("blocking key out of int64 range")
    return out


def blocking_codes(c: PersonColumns, newborn_years: frozenset[int]) -> dict[str, list[IntArray]]:
    """The keys of `person_model.person_blocking`, as int64 codes per record; the
    arrays of one rule share a code space (a record's phones are compared with
    every phone of the other)."""
    n = c.n
    has_name = (c.name_text >= 0) | c.placeholder
    birth = np.where(c.birth >= 0, c.birth, -1)
    county = c.county
    phones = [c.phones[:, k] for k in range(c.phones.shape[1])]
    in_years = np.isin(c.year, np.fromiter(newborn_years, np.int64, len(newborn_years))) & (birth >= 0)
    return {
        "id": _combine_many([(_tag(0, n), c.id_any), (_tag(1, n), c.id_prefix)]),
        "surname_birth": [_combine(np.where(has_name, c.surname_key, -1), birth)],
        "name_year": [_combine(c.sorted_key, c.year)],
        "name_township": [_combine(c.sorted_key, np.where(c.depth >= 4, c.address[:, 3], -1))],
        "name_day": [_combine(c.sorted_key, c.month, c.day)],
        "phone": phones,
        "given_birth": [_combine(np.where(has_name, c.given_key, -1), birth)],
        "birth_household": _combine_many(
            [(_tag(0, n), c.household, birth)] + [(_tag(1, n), p, c.year) for p in phones]
        ),
        "newborn_day": [_combine(np.where(in_years, birth, -1), county + 1, c.gender + 1)],
    }
