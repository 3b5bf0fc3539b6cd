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


def _with_pinyin(rng: Rng, text: str) -> str:
    from pypinyin import Style, pinyin

    out = []
    for ch in text:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.3:
            out.append("(" + pinyin(ch, style=Style.TONE)[0][0] + ")")
    return "".join(out)


def damage_text(rng: Rng, text: str, ft: dict[str, Any]) -> tuple[str, bool]:
    """Maybe damage ``text``; returns the text and whether it was damaged."""
    if rng.random() >= ft["damaged_share"]:
        return text, False
    if rng.random() < ft["traditional_share"]:
        text = _s2t().convert(text)
    if rng.random() < ft["pinyin_after_share"]:
        text = _with_pinyin(rng, text)
    if rng.random() < ft["spam_share"]:
        spam = ft["spam_lines"][int(rng.integers(len(ft["spam_lines"])))]
        text = spam + "\n" + text if rng.random() < 0.5 else text + "\n" + spam
    return text, True
