"""Checks the text engine runs on a finished reply, to decide whether to write it again.

Each check returns a :class:`Verdict`: a score to compare attempts (higher is
better), whether the reply is good enough, and what a note should say when it
is not. The engine keeps the best of a bounded number of attempts and says so
in the notes; nothing here changes the text.
"""

from __future__ import annotations

import dataclasses
import re

from ..messages import Joined, Message
from .topic import coverage, mentions, mentions_item, split_items, terms


@dataclasses.dataclass
class Verdict:
    """``score``: higher is better (compare attempts of one request). ``ok``: no retry needed.
    ``problem``: for the writer's notes, e.g. "left the topic"."""

    score: float
    ok: bool
    problem: str = ""


def topic_terms(topic: str, keywords: str = "") -> set[str]:
    """Stems that count as "on topic" for a request: the topic's (first 300 characters) and keywords' content words."""
    return terms(topic[:300], keywords)


def on_topic(text: str, topic_terms_: set[str], need: float = 1.0) -> Verdict:
    """Share of the text's paragraphs that mention the topic; ok when at least ``need``."""
    c = coverage(text, topic_terms_)
    return Verdict(c, c >= need, "" if c >= need else Message("left the topic"))


def names_items(text: str, keywords: str) -> Verdict:
    """Share of the keywords (features, offer, names) the text names; ok when all are there."""
    items = split_items(keywords)
    if not items:
        return Verdict(1.0, True)
    missing = [k for k in items if not mentions_item(text, k)]
    share = 1 - len(missing) / len(items)
    return Verdict(share, not missing, "" if not missing else Message("did not mention {k}", k=", ".join(missing)))


def judge_reply(task: str, text: str, keywords: str, terms_: set[str]) -> Verdict | None:
    """The check of a finished reply to ``task``: product descriptions and ad copy must name every
    keyword and keep to the topic (90% of paragraphs), a one-pass article or an outline must keep to the topic;
    None for tasks without a check."""
    if task in ("product_description", "ad_copy"):
        items = names_items(text, keywords)
        topic = on_topic(text, terms_, need=0.9)
        return Verdict(items.score + topic.score, items.ok and topic.ok,
                       Joined("; ", [x.problem for x in (items, topic) if x.problem]))
    if task in ("article", "outline"):
        return on_topic(text, terms_, need=0.9)
    return None


_ITEM = re.compile(r"^\s*(?:[-*•]|\(?\d{1,2}[.):])\s*")


_FRAMED = re.compile(r"^(?:the |my |a )?(?:\w+ )?headline(?: idea)?(?: \d+)? (?:is|would be|could be)\s*:\s*",
                     re.IGNORECASE)  # "The 1st headline is: …"
_DESCRIBED = re.compile(r"^(?P<head>[^-–—]{8,}?)\s+[-–—]\s+(?P<tail>.+)$")


def headline_items(text: str) -> list[str]:
    """The headlines of a reply: one per non-empty line, numbering, bullets, Markdown and quotes removed.

    Small models often follow a headline with a description ("Social Media Superheroes - A fun way to show
    off…"): of a line over 8 words with such a dash, the part before it is the headline. A remark in
    brackets at the end ("(not in bold)") is dropped."""
    out = []
    for line in text.splitlines():
        line = _ITEM.sub("", line).strip().strip("*_#").strip().strip("\"'“”").strip()
        line = _ITEM.sub("", line).strip()  # "1. 1. How…": numbered twice
        line = _FRAMED.sub("", line).strip().strip("\"'“”").strip()
        line = re.sub(r"\s*\((?:not |in |no |bold|italic|optional|\d+ (?:words|characters))[^)]*\)\s*$", "", line,
                      flags=re.IGNORECASE).strip()
        m = _DESCRIBED.match(line)
        if m and len(line.split()) > 8 and len(m.group("head").split()) >= 2:
            line = m.group("head").strip().strip("\"'“”:").strip()
        if sum(ch.isalpha() for ch in line) >= 3:
            out.append(line)
    return out


MAX_HEADLINE_WORDS = 20


def pick_headlines(candidates: list[str], have: list[str], topic_terms_: set[str]) -> list[str]:
    """``have`` plus the new candidates that are on topic, 2 to :data:`MAX_HEADLINE_WORDS` words
    long (a longer line is prose, a single word is no headline), not already there (case aside), and
    neither hashtags nor shouting (:func:`_shouts`)."""
    def same(h: str) -> str:  # "How to Bake." and "how to bake" are one idea
        return " ".join(re.findall(r"\w+", h.lower()))

    seen = {same(h) for h in have}
    out = list(have)
    for h in candidates:
        if (same(h) not in seen and 2 <= len(h.split()) <= MAX_HEADLINE_WORDS
                and mentions(h, topic_terms_) and not _shouts(h)):
            seen.add(same(h))
            out.append(h)
    return out


def _shouts(headline: str) -> bool:
    """A hashtag ("#bakerylife") or a headline in capitals ("BEST BREAD EVER!!!") is no headline an editor keeps."""
    letters = [c for c in headline if c.isalpha() and c.isascii()]
    caps = sum(c.isupper() for c in letters)
    return bool(re.search(r"(?:^|\s)#\w", headline)) or (len(letters) >= 8 and caps > 0.7 * len(letters)) \
        or "!!" in headline


def format_headlines(items: list[str]) -> str:
    """Numbered, one per line."""
    return "\n".join(f"{i + 1}. {h}" for i, h in enumerate(items))


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")


def _key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def _grams(sentence: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = _key(sentence).split()
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


NEAR_REPEAT = 0.6  # a sentence whose 4-word phrases were mostly written before is a repeat
REPEAT_WORDS = 3  # a sentence of this many words or more, written again word for word, is a repeat


def drop_repeats(text: str, earlier: str = "", exact: str = "") -> tuple[str, list[str]]:
    """``text`` (what the model just wrote) without the sentences of 3+ words it already wrote word for word,
    or of 5+ words nearly (at least :data:`NEAR_REPEAT` of the sentence's 4-word phrases written before):
    earlier in ``text`` or in ``earlier`` (the model's previous sections); and without the lines or sentences
    that repeat one of ``exact`` word for word (the article's title and headings: a section that starts by
    echoing its heading). Small models sometimes copy the previous section, given as context, with a word
    changed here and there. Line breaks and the other sentences stay as they were.

    A paragraph written again word for word (a small model looping on "Best regards, / Eleanor Johnson / P.S.")
    is left out whatever its length.

    Returns ``(text, dropped sentences)``; lines left empty are removed with their sentences.
    """
    text, looped = _drop_repeated_blocks(text, earlier)
    out, dropped = _drop_repeated_sentences(text, earlier, exact)
    return (out if dropped else text), looped + dropped


def _drop_repeated_blocks(text: str, earlier: str) -> tuple[str, list[str]]:
    """``text`` without the paragraphs (blocks between blank lines) that ``earlier`` or ``text`` already has."""
    seen = {_key(b) for b in re.split(r"\n\s*\n", earlier) if _key(b)}
    kept, dropped = [], []
    for block in re.split(r"\n\s*\n", text):
        key = _key(block)
        if key and key in seen:
            dropped.append(" ".join(block.split()))
            continue
        seen.add(key)
        kept.append(block)
    return ("\n\n".join(kept) if dropped else text), dropped


def _drop_repeated_sentences(text: str, earlier: str, exact: str) -> tuple[str, list[str]]:
    seen: set[str] = set()
    grams: set[tuple[str, ...]] = set()
    for line in earlier.split("\n"):
        for s in _SENT_SPLIT.split(line):
            if len(_key(s).split()) >= REPEAT_WORDS:
                seen.add(_key(s))
            if len(s.split()) >= 5:
                grams |= _grams(s)
    seen |= {_key(line) for line in exact.split("\n") if len(_key(line).split()) >= REPEAT_WORDS}
    dropped: list[str] = []
    lines_out: list[str] = []
    for line in text.split("\n"):
        kept = []
        for sent in _SENT_SPLIT.split(line):
            if len(_key(sent).split()) >= REPEAT_WORDS:
                g = _grams(sent) if len(sent.split()) >= 5 else set()
                if _key(sent) in seen or (len(g) >= 3 and len(g & grams) >= NEAR_REPEAT * len(g)):
                    dropped.append(sent.strip())
                    continue
                seen.add(_key(sent))
                grams |= g
            kept.append(sent)
        if line.strip() and not " ".join(kept).strip():
            continue
        lines_out.append(line if len(kept) == len(_SENT_SPLIT.split(line)) else " ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines_out)).strip("\n"), dropped
