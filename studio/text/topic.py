"""Is a piece of text about the topic? Word stems, no model.

Used by the text engine to notice a section or reply that left the topic (and
write it again), and by ``bench/quality.py`` to measure topic and brief
coverage. The stemmer is a few suffix rules applied until nothing changes
("bakeries", "bakery", "baker", "baking" all become "bak"): crude, but the
same rules run on both sides of every comparison. Chinese and Japanese, written
without spaces, are compared by pairs of neighbouring characters (bigrams):
"城市园艺" gives 城市, 市园, 园艺.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SUFFIXES = ("ational", "ations", "ation", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "ers", "er",
             "es", "ed", "ly", "s", "y", "e")
STOPWORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "use", "using", "used", "make", "making", "get", "getting", "way", "ways", "new", "good", "best", "great", "small", "big", "tips", "guide", "guides", "introduction", "thing", "things", "one", "two", "three", "four", "five", "ten", "many", "much", "every", "really", "well", "like", "need", "want", "know", "help", "let", "see"])


def stem(word: str) -> str:
    """A crude stem of ``word`` (lower case, possessive dropped, suffixes stripped to at least 3 letters)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'-")
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                changed = True
                break
    return w


def words(text: str) -> list[str]:
    """The words of ``text`` (letters first; digits and apostrophes may follow)."""
    return _WORD.findall(text or "")


_CJK_RUN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(word: str) -> set[str]:
    """Character pairs of the CJK runs in ``word`` (a lone character stands for itself)."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(word):
        out |= {run[i:i + 2] for i in range(len(run) - 1)} or {run}
    return out


def stems(text: str) -> set[str]:
    """Stems of the words of ``text`` (CJK: character bigrams)."""
    out: set[str] = set()
    for w in words(text):
        out |= _bigrams(w) if _CJK_RUN.search(w) else {stem(w)}
    return out


def terms(*texts: str) -> set[str]:
    """Content stems of the given texts (topic, keywords): stop words and words under 3 letters left out."""
    out: set[str] = set()
    for text in texts:
        for w in words(text):
            if _CJK_RUN.search(w):
                out |= _bigrams(w)
            elif len(w) >= 3 and w.lower() not in STOPWORDS:
                out.add(stem(w))
    return out


def mentions(text: str, topic_terms: set[str]) -> bool:
    """True if ``text`` has a word whose stem is one of ``topic_terms`` (True when there are no terms)."""
    return not topic_terms or bool(stems(text) & topic_terms)


def paragraphs(text: str) -> list[str]:
    """Prose paragraphs of Markdown ``text``: blocks between blank lines, without heading lines."""
    out = []
    for block in re.split(r"\n\s*\n", text or ""):
        lines = [ln for ln in block.splitlines() if ln.strip() and not re.match(r"^\s{0,3}#{1,6}\s", ln)]
        if lines and any(ch.isalpha() for ch in "".join(lines)):
            out.append("\n".join(lines).strip())
    return out


def coverage(text: str, topic_terms: set[str]) -> float:
    """Share of :func:`paragraphs` of ``text`` that mention ``topic_terms`` (1.0 for no paragraphs)."""
    paras = paragraphs(text)
    return sum(mentions(p, topic_terms) for p in paras) / len(paras) if paras else 1.0


def mentions_item(text: str, item: str) -> bool:
    """Whether ``text`` names a brief's item: a name, number or offer ("Crumb & Co", "20% off") must
    appear as written (case aside); a plain feature ("glass jar") is found by the stems of its words."""
    item = item.strip()
    if not item:
        return True
    if re.search(r"[\d%&$€£@]", item) or any(w[:1].isupper() for w in item.split()):
        flat = _plain_numbers(" ".join(text.lower().split()))
        return _plain_numbers(" ".join(item.lower().split())) in flat
    need = terms(item) or {stem(w) for w in words(item)}
    return need <= stems(text)


def _plain_numbers(text: str) -> str:
    """``text`` with thousands separators dropped and "1200lm"-style joins kept: "1,200 lumens" is "1200 lumens"."""
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


def split_items(keywords: str) -> list[str]:
    """A keywords field ("glass jar, rye flour; 20% off") as a list of items."""
    return [k.strip() for k in re.split(r"[,;\n]", keywords or "") if k.strip()]
