"""Making sure a product description or ad copy names what its brief lists, without inventing anything.

A small model often leaves out one or two of the features, the offer or the
brand name the writer listed in Keywords, even when asked again. After the
engine's bounded retries, :func:`add_missing_items` adds the writer's *own*
words for what is still missing: the sentence of the brief (the product as
the writer described it) that names the item, or, for a keyword the brief's
sentences do not name, the keyword itself in a short "Also: …" line. Nothing
is made up and nothing the model wrote is changed; the engine's notes say
what was added.
"""

from __future__ import annotations

import re

from .topic import mentions_item, split_items, words

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# a sentence ends at . ! or ? before a capital letter, not after "Co." or "Dr." ("Crumb & Co. offers…")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bCo\.)(?<!\bInc\.)(?<!\bLtd\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)"
                           r"(?<!\bSt\.)(?<!\bvs\.)(?=\s+[\"“'‘(]?[A-Z])")


def missing_items(text: str, keywords: str) -> list[str]:
    """The items of ``keywords`` (comma-, semicolon- or line-separated) that ``text`` does not name,
    in their order (see :func:`studio.text.topic.mentions_item`)."""
    return [k for k in split_items(keywords) if not mentions_item(text, k)]


def _sentence(s: str) -> str:
    s = " ".join(s.split()).strip(" -•*")
    if not s:
        return ""
    s = s[:1].upper() + s[1:]
    return s if s[-1] in ".!?" else s + "."


def _make_room(text: str, need: int, max_words: int, keywords: str, added: str = "") -> str:
    """``text`` without its last sentences, until ``need`` more words fit in ``max_words`` (at least half
    of its sentences stay). A sentence goes only if every item of ``keywords`` it names is still named by
    the sentences before it or by ``added`` (the brief's sentences that will follow)."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    items = split_items(keywords)
    keep = len(parts)
    while keep > max(1, (len(parts) + 1) // 2) and len(words("".join(parts[:keep]))) + need > max_words:
        rest = "".join(parts[: keep - 1]) + " " + added
        if any(mentions_item(parts[keep - 1], k) and not mentions_item(rest, k) for k in items):
            break
        keep -= 1
    return "".join(parts[:keep]).rstrip()


def add_missing_items(text: str, brief: str, keywords: str,
                      max_words: int | None = None) -> tuple[str, list[str]]:
    """``text`` with a closing paragraph, in the brief's own words, for each keyword it does not name.

    Args:
        text: the model's product description or ad copy (after clean-up).
        brief: what the writer typed as the product (the request's ``prompt``).
        keywords: the writer's list of features, offer and names.

    Returns:
        ``(text, added)``: ``added`` lists the sentences added (empty when nothing was missing, and then
        ``text`` is returned unchanged). Each missing item is covered by the first sentence of ``brief``
        that names it; items no sentence names go, as written, into one "Also: a, b." line. With
        ``max_words``, the reply's own last sentences that name no item make room for the added ones
        (at most half of its sentences go).
    """
    missing = missing_items(text, keywords)
    if not missing:
        return text, []
    sentences = [s for s in (_sentence(x) for x in _SENTENCES.split(brief or "")) if s]
    added: list[str] = []
    loose: list[str] = []
    for item in missing:
        if any(mentions_item(s, item) for s in added):
            continue
        found = next((s for s in sentences if mentions_item(s, item)), None)
        if found:
            added.append(found)
        else:
            loose.append(item.strip())
    if loose:
        added.append(_sentence("Also: " + ", ".join(loose)))
    ordered = [s for s in sentences if s in added] + [s for s in added if s not in sentences]
    body = text.rstrip()
    if max_words:
        body = _make_room(body, len(words(" ".join(ordered))), max_words, keywords, " ".join(ordered))
    return (body + ("\n\n" if body else "") + " ".join(ordered)), ordered
