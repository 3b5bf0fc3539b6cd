"""Free-text damage (文本损坏) after the crawl damage seen in shared/seeds: pinyin pasted
after characters (醫(yī)改), traditional characters mixed in, spam lines around the text.
Downstream parsers are tested for robustness against it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tiercare.core.synth.rng import Rng


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=8192)
def _traditional(text: str) -> str:
    return _s2t().convert(text)  # type: ignore[no-any-return]


@lru_cache(maxsize=8192)
def _char_pinyin(ch: str) -> str:
    """The toned pinyin of one character (cached: complaints reuse a few hundred)."""
    from pypinyin import Style, pinyin

    return "(" + pinyin(ch, style=Style.TONE)[0][0] + ")"


def _with_pinyin(rng: Rng, text: str) -> str:
    out = []
    for ch in text:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.u() < 0.3:
            out.append(_char_pinyin(ch))
    return "".join(out)


def damage_text(rng: Rng, text: str, ft: dict[str, Any]) -> tuple[str, bool]:
    """Maybe damage ``text``; returns the text and whether it was damaged."""
    if rng.u() >= ft["damaged_share"]:
        return text, False
    if rng.u() < ft["traditional_share"]:
        text = _traditional(text)
    if rng.u() < ft["pinyin_after_share"]:
        text = _with_pinyin(rng, text)
    if rng.u() < ft["spam_share"]:
        spam = ft["spam_lines"][int(rng.integers(len(ft["spam_lines"])))]
        text = spam + "\n" + text if rng.u() < 0.5 else text + "\n" + spam
    return text, True
