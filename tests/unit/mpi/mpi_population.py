"""A small deterministic Chinese population for the linkage tests (not a test).

Background: persons of one county (villages of two townships) with a clean record
each, a third of them registered again at another facility with the usual
omissions (no ID, no phone). On top: hand-made cases, one per error type and per
trap (twins, mother and child, household phone, newborn placeholder, garbage),
each named so that the tests can find its records.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.standardise_id import mod11_2_check

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段覃"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红俊峰鹏宇浩凯晨欣怡婷雪琳子涵梓轩博思雨佳嘉诺一航宁瑶晓东海波斌"
COUNTY = "430124"
VILLAGES = [f"{COUNTY}{t}{v:03d}" for t in ("105", "106") for v in range(201, 221)]


def id_number(region: str, born: date, male: bool, rng: random.Random) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + mod11_2_check(body)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _person(rng: random.Random, pid: str, household: str, village: str, phone: str) -> PersonRecord:
    male = rng.random() < 0.5
    born = date(1940, 1, 2) + timedelta(days=rng.randrange(0, 80 * 365))
    if born.month == 1 and born.day == 1:
        born += timedelta(days=1)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return PersonRecord(
        record_id=f"{pid}-a", name=name, gender="male" if male else "female", birth_date=born.isoformat(),
        id_number=id_number(COUNTY, born, male, rng), phones=(phone,), address_code=village,
        facility="F-village", household=household,
    )


def population(seed: int = 11, persons: int = 400) -> tuple[list[PersonRecord], dict[str, str]]:
    """Records and their true person ids (record_id -> person id)."""
    rng = random.Random(seed)
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}

    def add(rec: PersonRecord, pid: str) -> None:
        records.append(rec)
        truth[rec.record_id] = pid

    for k in range(persons):
        pid = f"bg{k}"
        rec = _person(rng, pid, f"H{k // 2}", rng.choice(VILLAGES), mobile(rng))
        add(rec, pid)
        if rng.random() < 0.35:
            dup = replace(rec, record_id=f"{pid}-b", facility="F-county")
            if rng.random() < 0.5:
                dup = replace(dup, id_number=None)
            if rng.random() < 0.3:
                dup = replace(dup, phones=())
            add(dup, pid)
    for rec, pid in cases(rng):
        add(rec, pid)
    return records, truth


def _pair(case: str, base: PersonRecord, **changes: object) -> list[tuple[PersonRecord, str]]:
    a = replace(base, record_id=f"{case}-a")
    b = replace(base, record_id=f"{case}-b", facility="F-township", **changes)  # type: ignore[arg-type]
    return [(a, case), (b, case)]


def cases(rng: random.Random) -> list[tuple[PersonRecord, str]]:
    """Hand-made error types. Each positive case is two records of one person."""
    v = VILLAGES[3]

    def base(name: str, born: str, male: bool, household: str) -> PersonRecord:
        return PersonRecord(
            record_id="", name=name, gender="male" if male else "female", birth_date=born,
            id_number=id_number(COUNTY, date.fromisoformat(born), male, rng), phones=(mobile(rng),),
            address_code=v, facility="F-village", household=household,
        )

    out: list[tuple[PersonRecord, str]] = []
    out += _pair("typo", base("欧阳明轩", "1971-04-09", True, "C1"), name="欧阳明宣", id_number=None)
    out += _pair("homophone", base("覃晓燕", "1966-10-21", False, "C2"), name="覃小燕", id_number=None)
    out += _pair("traditional", base("鍾國華", "1958-02-14", True, "C3"), name="钟国华", id_number=None)
    out += _pair("pinyin", base("谢文斌", "1990-07-30", True, "C4"), name="Xie Wenbin", id_number=None)
    out += _pair("swap", base("缪丽君", "1983-05-08", False, "C5"), birth_date="1983-08-05", id_number=None)
    out += _pair("placeholder_date", base("翟振华", "1949-09-13", True, "C6"), birth_date="1949-01-01", id_number=None)
    # The resident gave her lunar birthday (农历1962年八月十五); one clerk typed it as solar.
    lunar = base("查桂英", "1962-09-13", False, "C7")
    out += _pair("lunar", lunar, birth_date="1962-08-15", id_number=None)
    good = base("单国强", "1955-03-17", True, "C8")
    wrong = good.id_number[:10] + str((int(good.id_number[10]) + 1) % 10) + good.id_number[11:]  # type: ignore[index]
    out += _pair("id_typo", good, id_number=wrong, phones=())
    # 15-digit legacy number issued before 1999.
    old = base("解春生", "1938-06-02", True, "C9")
    legacy = old.id_number[:6] + old.id_number[8:17]  # type: ignore[index]
    out += _pair("id15", old, id_number=legacy, phones=())
    # Mother and child of one household; the child's clinic record carries the mother's ID.
    mother = base("乐美玲", "1990-02-11", False, "C10")
    child = base("盖子轩", "2018-06-25", True, "C10")
    child = replace(child, phones=mother.phones)
    out.append((replace(mother, record_id="mother-a"), "mother"))
    out.append((replace(child, record_id="guardian-a"), "guardian"))
    out.append((replace(child, record_id="guardian-b", id_number=mother.id_number, facility="F-township"), "guardian"))
    # Twins without ID numbers yet: same birth date, household, phone; other given names.
    twin = base("区子涵", "2015-09-09", False, "C11")
    out.append((replace(twin, record_id="twin1-a", id_number=None), "twin1"))
    out.append((replace(twin, record_id="twin2-a", name="区梓萱", id_number=None), "twin2"))
    # Twins whose names differ by one character, each with an ID on another
    # record: a person decides on the records without ID.
    close = base("仇明浩", "2012-04-04", True, "C12")
    out.append((replace(close, record_id="ctwin1-a", id_number=None), "ctwin1"))
    out.append((replace(close, record_id="ctwin2-a", name="仇明洋", id_number=None), "ctwin2"))
    out.append((replace(close, record_id="ctwin1-b", facility="F-county"), "ctwin1"))
    out.append((replace(close, record_id="ctwin2-b", name="仇明洋", facility="F-county",
                        id_number=id_number(COUNTY, date(2012, 4, 4), True, rng)), "ctwin2"))
    # A name typo in a single-birth household: one person.
    solo = base("仇明杰", "2013-05-06", True, "C17")
    out += _pair("household_typo", solo, name="仇明洁", id_number=None)
    # Husband and wife share the household phone.
    husband = base("朴正浩", "1970-03-03", True, "C13")
    out.append((replace(husband, record_id="husband-a"), "husband"))
    out.append((replace(base("朴贤珠", "1972-08-19", False, "C13"), record_id="wife-a", phones=husband.phones), "wife"))
    # Sisters with close names, four years apart, sharing the household phone.
    sis = base("卢玲", "2017-02-08", False, "C18")
    out.append((replace(sis, record_id="sister1-a", id_number=None), "sister1"))
    out.append((replace(sis, record_id="sister2-a", name="卢玲艳", birth_date="2021-10-17", id_number=None), "sister2"))
    # A wife's record carrying her husband's ID number (sex digit says male).
    hus = base("彭建军", "1968-07-07", True, "C19")
    out.append((replace(hus, record_id="idcopy1-a"), "idcopy1"))
    out.append((replace(hus, record_id="idcopy2-a", name="彭秀英", gender="female", phones=()), "idcopy2"))
    # Newborn registered before naming, then named.
    baby = base("曾某某之子", "2025-03-01", True, "C14")
    out.append((replace(baby, record_id="newborn-a", id_number=None), "newborn"))
    out.append((replace(baby, record_id="newborn-b", name="曾浩然", facility="F-township"), "newborn"))
    # A newborn placeholder in a household with twins born that day: any baby.
    tw = base("韩某之子", "2025-05-05", True, "C16")
    out.append((replace(tw, record_id="nbtwin-a", id_number=None), "nbtwin_a"))
    out.append((replace(tw, record_id="nbtwin1-b", name="韩浩宇", id_number=None), "nbtwin_a"))
    out.append((replace(tw, record_id="nbtwin2-b", name="韩子墨", id_number=None), "nbtwin2"))
    # Garbage copies of a real person: never linked.
    victim = base("王建国", "1961-12-12", True, "C15")
    out.append((replace(victim, record_id="victim-a"), "victim"))
    out.append((replace(victim, record_id="garbage1-a", name="😀😀", birth_date="2031-01-05", id_number="43012A1961121200"), "garbage1"))
    out.append((replace(victim, record_id="garbage2-a", name="", id_number="ABCDEFG", birth_date=None), "garbage2"))
    out.append((replace(victim, record_id="garbage3-a", name="王" * 30, id_number=None, birth_date="2099-01-01"), "garbage3"))
    out.append((replace(victim, record_id="garbage4-a", name="\x00\x01\x02", id_number=None), "garbage4"))
    return out
