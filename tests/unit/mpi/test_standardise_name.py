import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiercare.core.mpi.pinyin import parse_pinyin, syllables
from tiercare.core.mpi.standardise_name import standardise_name


def std(raw, **kw):
    issues = []
    return standardise_name(raw, issues, **kw), [i.code for i in issues]


def test_traditional_is_converted_to_simplified_and_marked():
    got, issues = std("張偉")
    assert got.text == "张伟" and got.traditional and issues == []
    assert (got.surname, got.given, got.key) == ("张", "伟", "zhangwei")


def test_surname_yu_is_never_turned_into_traditional():
    got, _ = std("余华")
    assert got.text == "余华" and not got.traditional


def test_full_width_and_spaces_are_folded():
    got, _ = std("王　 小明")
    assert got.text == "王小明"
    got, _ = std("ＺＨＡＮＧ　ＷＥＩ")
    assert got.script == "pinyin" and got.text == "zhang wei"


@pytest.mark.parametrize("dot", ["·", "•", "・", "．", "‧", "∙", "･", ".", "-"])
def test_minority_name_separators_become_the_middle_dot(dot):
    got, _ = std(f"阿卜杜拉{dot}买买提")
    assert got.text == "阿卜杜拉·买买提" and got.script == "minority"


@pytest.mark.parametrize(
    ("surname", "reading"),
    [("单", "shan"), ("曾", "zeng"), ("解", "xie"), ("区", "ou"), ("仇", "qiu"), ("朴", "piao"),
     ("查", "zha"), ("翟", "zhai"), ("乐", "yue"), ("缪", "miao"), ("覃", "qin"), ("盖", "ge")],
)
def test_polyphonic_surnames_use_the_override_table(surname, reading):
    got, _ = std(surname + "明")
    assert got.readings[0][0] == reading
    assert got.key == reading + "ming"
    assert got.surname_key == reading


def test_override_applies_only_in_surname_position():
    got, _ = std("王单")
    assert got.readings[1][0] == "dan"


def test_compound_surnames_split_after_two_characters():
    got, _ = std("欧阳娜娜")
    assert (got.surname, got.given, got.surname_key) == ("欧阳", "娜娜", "ouyang")
    got, _ = std("尉迟恭")
    assert got.surname_key == "yuchi"


def test_family_and_given_parts_are_used_when_name_is_absent():
    got, _ = std(None, family="單", given="田芳")
    assert got.text == "单田芳" and got.surname == "单" and got.key == "shantianfang"


@pytest.mark.parametrize(
    ("text", "sylls"),
    [("zhangwei", ("zhang", "wei")), ("Zhang Wei", ("zhang", "wei")), ("ZHANG San-feng", ("zhang", "san", "feng")),
     ("xian", ("xian",)), ("xi'an", ("xi", "an")), ("lü", ("lv",)), ("ouyangnana", ("ou", "yang", "na", "na"))],
)
def test_pinyin_only_input_is_parsed_into_syllables(text, sylls):
    assert parse_pinyin(text) == sylls


def test_non_pinyin_latin_names_are_kept_as_latin():
    got, _ = std("John Smith")
    assert got.script == "latin" and got.surname == "smith"
    assert parse_pinyin("smith") is None


@pytest.mark.parametrize("raw", ["王某某之子", "张三之女", "婴儿", "李新生儿", "王小宝"])
def test_newborn_placeholders_are_recognised(raw):
    got, _ = std(raw)
    assert got.placeholder


def test_ordinary_names_are_not_placeholders():
    got, _ = std("王建国")
    assert not got.placeholder


@pytest.mark.parametrize(
    ("raw", "code"),
    [("", "missing"), ("   ", "missing"), ("王😀", "characters"), ("李四#", "characters"),
     ("张" * 30, "too_long"), ("王Lily", "mixed_script"), ("\x00\x07", "empty"), ("-", "empty"), (" ' ", "empty")],
)
def test_bad_names_give_a_clear_result_and_no_name(raw, code):
    got, issues = std(raw)
    assert got is None and code in issues


def test_one_character_name_is_kept_with_a_warning():
    got, issues = std("王")
    assert got is not None and "too_short" in issues


def test_control_characters_are_removed_and_reported():
    got, issues = std("张\u0007伟\u200b")
    assert got.text == "张伟" and "control_characters" in issues


@given(st.lists(st.sampled_from(sorted(syllables())), min_size=1, max_size=4))
def test_pinyin_syllables_separated_by_spaces_parse_back(sylls):
    assert parse_pinyin(" ".join(sylls)) == tuple(sylls)
    assert parse_pinyin("'".join(s.upper() for s in sylls)) == tuple(sylls)


@given(st.text(max_size=40))
def test_any_text_gives_a_name_or_an_issue_never_a_crash(raw):
    issues = []
    got = standardise_name(raw, issues)
    assert got is not None or issues
