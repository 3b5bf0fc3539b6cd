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

from collections.abc import Sequence
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

IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

_EXACT_NAME = NAME_LEVELS.index("exact")
_SCRIPT_NAME = NAME_LEVELS.index("script")


class _Codes:
    """Interning of hashable values to 0, 1, 2, … (None to -1)."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}

    def __call__(self, value: object) -> int:
        if value is None or value == "":
            return -1
        got = self.index.get(value)
        if got is None:
            got = self.index[value] = len(self.index)
        return got

    def values(self) -> list[object]:
        return list(self.index)


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
    surname_key: IntArray
    given_key: IntArray
    sorted_key: IntArray
    generation_years: int


def build_columns(
    records: Sequence[StandardRecord],
    *,
    shared: frozenset[str],
    multiple: frozenset[str],
    twins: frozenset[str],
    generation_years: int,
) -> PersonColumns:
    """Reduce every record to codes once (one Python pass over the records)."""
    n = len(records)
    texts, objs, ids, prefixes, phones_c, addr_c, homes, keys = (_Codes() for _ in range(8))
    name_text = np.full(n, -1, np.int64)
    name_obj = np.full(n, -1, np.int64)
    traditional = np.zeros(n, bool)
    placeholder = np.zeros(n, bool)
    birth = np.full(n, -1, np.int64)
    birth_lunar = np.full(n, -1, np.int64)
    ymd = np.full((n, 3), -1, np.int64)
    birth_placeholder = np.zeros(n, bool)
    birth_text: list[str] = []
    id_code = np.full(n, -1, np.int64)
    id_any = np.full(n, -1, np.int64)
    id_prefix = np.full(n, -1, np.int64)
    width = max((len(r.phones) for r in records), default=0) or 1
    phones = np.full((n, width), -1, np.int64)
    address = np.full((n, 5), -1, np.int64)
    depth = np.zeros(n, np.int64)
    gender = np.full(n, -1, np.int64)
    household = np.full(n, -1, np.int64)
    newborn_multiple = np.zeros(n, bool)
    twin_household = np.zeros(n, bool)
    twin_phone = np.zeros((n, width), bool)
    surname_key = np.full(n, -1, np.int64)
    given_key = np.full(n, -1, np.int64)
    sorted_key = np.full(n, -1, np.int64)
    county = np.full(n, -1, np.int64)
    for i, r in enumerate(records):
        name = r.name
        if name is not None:
            if name.placeholder:
                placeholder[i] = True
            else:
                name_text[i] = texts(name.text)
                name_obj[i] = objs(name)
                traditional[i] = name.traditional
                if name.readings:
                    sorted_key[i] = keys("s" + "".join(sorted(x[0] for x in name.readings if x)))
            surname_key[i] = keys("f" + name.surname_key) if name.surname_key else -1
            given_key[i] = keys("g" + name.given_key) if name.given_key else -1
        b = r.birth
        if b is not None:
            v = b.value
            birth[i] = v.toordinal()
            ymd[i] = (v.year, v.month, v.day)
            birth_lunar[i] = b.as_lunar.toordinal() if b.as_lunar is not None else -1
            birth_placeholder[i] = b.placeholder
            birth_text.append(b.digits)
        else:
            birth_text.append("")
        if r.id_number is not None:
            id_any[i] = ids(r.id_number.text)
            if len(r.id_number.text) == 18:
                id_prefix[i] = prefixes(r.id_number.text[:17])
            if not r.id_foreign:
                id_code[i] = id_any[i]
        day = b.value.isoformat() if b is not None else None
        for k, p in enumerate(r.phones):
            phones[i, k] = phones_c((p.digits, p.kind))
            if day is not None and f"p|{p.digits}|{day}" in twins:
                twin_phone[i, k] = True
        if r.address is not None:
            segs = r.address.segments
            depth[i] = len(segs)
            for d in range(1, min(len(segs), 5) + 1):
                address[i, d - 1] = addr_c("".join(segs[:d]))
            county[i] = address[i, 2]
        if r.gender is not None:
            gender[i] = 0 if r.gender == "male" else 1
        household[i] = homes(r.household)
        if day is not None:
            own_keys = ([f"h|{r.household}|{day}"] if r.household else []) + [f"p|{p.digits}|{day}" for p in r.phones]
            newborn_multiple[i] = any(key in multiple for key in own_keys)
            if r.household and f"h|{r.household}|{day}" in twins:
                twin_household[i] = True
    id_texts = [str(t) for t in ids.values()]
    name_list = [x for x in objs.values() if isinstance(x, StandardName)]
    valid_of = {r.id_number.text: r.id_number.valid for r in records if r.id_number is not None}
    phone_values = [p for p in phones_c.values() if isinstance(p, tuple)]
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
        year=ymd[:, 0],
        month=ymd[:, 1],
        day=ymd[:, 2],
        birth_placeholder=birth_placeholder,
        birth_digits=_digit_matrix(birth_text, 8),
        id_code=id_code,
        id_any=id_any,
        id_prefix=id_prefix,
        id_texts=id_texts,
        id_valid=np.array([valid_of[t] for t in id_texts], dtype=bool),
        phones=phones,
        phone_shared=np.array([p[0] in shared for p in phone_values], dtype=bool),
        phone_mobile=np.array([p[1] == "mobile" for p in phone_values], dtype=bool),
        phone_digits=_digit_matrix([str(p[0]) for p in phone_values], 11),
        address=address,
        depth=depth,
        county=county,
        gender=gender,
        household=household,
        newborn_multiple=newborn_multiple,
        twin_household=twin_household,
        twin_phone=twin_phone,
        surname_key=surname_key,
        given_key=given_key,
        sorted_key=sorted_key,
        generation_years=generation_years,
    )


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


def _bit_words(bits: int, words: int) -> list[int]:
    return [(bits >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(words)]


def name_table(names: Sequence[StandardName]) -> NameTable:
    groups = shape_group_index()
    syllables: dict[str, int] = {}
    surnames = _Codes()
    count = len(names)
    fast = np.zeros(count, bool)
    length = np.zeros(count, np.int64)
    chars = np.full((count, _NAME_WIDTH), -1, np.int64)
    read_bits: list[list[int]] = []
    shape_bits: list[list[int]] = []
    surname = np.full(count, -1, np.int64)
    for row, name in enumerate(names):
        surname[row] = surnames(name.surname)
        ok = name.script == "han" and len(name.text) == len(name.readings) <= _NAME_WIDTH
        fast[row] = ok
        rb = [0] * _NAME_WIDTH
        sb = [0] * _NAME_WIDTH
        if ok:
            length[row] = len(name.text)
            for pos, (ch, reads) in enumerate(zip(name.text, name.readings, strict=True)):
                chars[row, pos] = ord(ch)
                for syl in reads:
                    rb[pos] |= 1 << syllables.setdefault(syl, len(syllables))
                for g in groups.get(ch, ()):
                    sb[pos] |= 1 << g
        read_bits.append(rb)
        shape_bits.append(sb)
    rw = max(1, (len(syllables) + 63) // 64)
    sw = max(1, (max((g for gs in groups.values() for g in gs), default=0) + 64) // 64)
    readings = np.array([[_bit_words(b, rw) for b in rb] for rb in read_bits], dtype=np.uint64).reshape(count, _NAME_WIDTH, rw)
    shapes = np.array([[_bit_words(b, sw) for b in sb] for sb in shape_bits], dtype=np.uint64).reshape(count, _NAME_WIDTH, sw)
    return NameTable(fast=fast, length=length, chars=chars, readings=readings, shapes=shapes, surname=surname)


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
    surname = (t.surname[a] == t.surname[b]) & np.array([bool(x) for x in left]) & (t.surname[a] >= 0)
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
    levels = np.where(pa & pb, 0, np.where(multiple, 1, 2))
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
        "name_county": [_combine(c.sorted_key, county)],
        "phone": phones,
        "given_year_county": [_combine(np.where(has_name, c.given_key, -1), c.year, county)],
        "birth_household": _combine_many(
            [(_tag(0, n), c.household, birth)] + [(_tag(1, n), p, c.year) for p in phones]
        ),
        "newborn_day": [_combine(np.where(in_years, birth, -1), county + 1, c.gender + 1)],
    }
