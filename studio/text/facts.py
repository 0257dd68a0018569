"""The writer's facts: what a request's own text says, found by careful rules (no model, no network).

:func:`extract` finds the checkable facts of a text: numbers with what they count ("2,300 signatures",
"a third of residents", "2.3k followers", "二千三百个签名", ranges such as "20-30 volunteers"), money
("$49", "€1.2 million", "199元"), percentages, dates and times ("March 3, 2024", "3 May", "10:30 am",
"2024年3月5日"), proper names ("Lumo 2", "Maria Lopez") and quoted sentences. A :class:`FactSheet` holds
those of a request (its topic or brief, keywords, audience, outline, the draft or source text);
:mod:`studio.text.factcheck` checks what the model wrote against it.

Numbers are compared by value, so "2,300", "2300", "2.3k", "two thousand three hundred" and "二千三百"
are one fact; what a number counts is kept as word stems (Chinese: its characters), so "2,300
signatures" and "two million signatures" are the same thing counted twice, differently.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .topic import STOPWORDS, stem

# ---------------------------------------------------------------------- number words
_SMALL = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {w: 10 * (i + 2) for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])}
_SCALE = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000}
_SHORT_SCALE = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000}
_FRACTION = {"half": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25, "quarters": 0.25, "fifth": 0.2,
             "fifths": 0.2, "tenth": 0.1, "tenths": 0.1, "dozen": 12}
_NUM_WORD = "|".join(sorted([*_SMALL, *_TENS, *_SCALE, "a", "an", "and", "half", "third", "thirds", "quarter",
                             "quarters", "fifth", "fifths", "tenth", "tenths", "dozen"], key=len, reverse=True))

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_NUM = "[零〇一二两三四五六七八九十百千万亿]"

MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
# measure words between a Chinese number and what it counts (个签名, 名志愿者, 位居民)
_CN_MEASURE = "个名位家只件台辆条张次场所座间本份种项人元块"


def parse_chinese_number(text: str) -> float | None:
    """The value of a Chinese numeral ("二千三百" 2300, "两万五千" 25000, "十二" 12, "三亿" 3e8); None if not one."""
    if not text or any(ch not in _CN_DIGIT and ch not in _CN_UNIT and ch not in _CN_BIG for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGIT:
            # digits in a row ("二〇二四"): read them as written
            digit = digit * 10 + _CN_DIGIT[ch] if digit is not None else _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        else:
            section += digit or 0
            total = (total + section) * _CN_BIG[ch] if _CN_BIG[ch] > 10_000 else total + section * _CN_BIG[ch]
            section, digit = 0, None
    return float(total + section + (digit or 0))


def parse_number_words(text: str) -> float | None:
    """The value of English number words: "two million" 2e6, "twenty-three" 23, "a third" 1/3,
    "two thousand three hundred" 2300, "a dozen" 12, "half" 0.5; None when it is not a number."""
    toks = [t for t in re.split(r"[\s-]+", text.lower().strip()) if t and t != "and"]
    if not toks:
        return None
    if toks[0] in ("a", "an") and len(toks) == 2 and toks[1] in _FRACTION:
        return _FRACTION[toks[1]]
    if len(toks) == 2 and toks[0] in _SMALL and toks[1] in _FRACTION and toks[1] != "dozen":
        return _SMALL[toks[0]] * _FRACTION[toks[1]]  # "two thirds"
    if len(toks) == 1 and toks[0] in _FRACTION:
        return _FRACTION[toks[0]]
    total, current, seen = 0, 0, False
    for i, t in enumerate(toks):
        if t in ("a", "an") and i == 0:
            current, seen = 1, False
        elif t in _SMALL:
            current += _SMALL[t]
            seen = True
        elif t in _TENS:
            current += _TENS[t]
            seen = True
        elif t == "hundred":
            current = (current or 1) * 100
            seen = True
        elif t in _SCALE:
            total += (current or 1) * _SCALE[t]
            current, seen = 0, True
        elif t == "dozen":
            current = (current or 1) * 12
            seen = True
        else:
            return None
    return float(total + current) if seen else None


# ---------------------------------------------------------------------- facts
@dataclasses.dataclass(frozen=True)
class Fact:
    """One checkable fact of a text.

    Attributes:
        kind: "number", "money", "percent", "date", "time", "name" or "quote".
        text: as written; ``start``/``end``: its characters in the text it was found in.
        value: numbers, money and percentages: the value (a range: its low end); dates: "YYYY-MM-DD" with
            "?" for a part not given; names and quotes: the text, normalised.
        high: a range's high end ("20-30 volunteers"), else None.
        unit: what a number counts, as stems ("signatur", "volunteer"), or the currency ("$", "€", "元").
        counted: the words after the number that say what it counts, as written (for notes and corrections).
    """

    kind: str
    text: str
    start: int
    end: int
    value: Any = None  # a float or a str, by kind (above)
    high: float | None = None
    unit: str = ""
    counted: str = ""


_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = rf"(?:(?!and\b)(?:{_NUM_WORD})(?:[\s-]+(?:{_NUM_WORD}))*)"  # never starting at "and"
_CURRENCY_PRE = r"(?:US\$|HK\$|A\$|C\$|\$|€|£|¥|￥|USD\s?|EUR\s?|GBP\s?|RMB\s?|CNY\s?)"
_CURRENCY_POST = r"(?:dollars?|euros?|pounds?(?!\s+of\b)|yuan|usd|eur|gbp|pence|cents?|(?<=\d)p(?!\w|\.m)|元|美元|欧元|英镑|块)"
_HUNDREDTHS = {"P": "£", "PENCE": "£", "CENT": "$", "CENTS": "$"}  # "2p", "5 pence", "50 cents": £0.02 ...
_SCALE_WORD = r"(?:k|K|m|M|mn|bn|b(?![a-z])|thousand|million|billion|trillion|万|亿|千)"
_NUMBER = re.compile(
    rf"(?P<cur>{_CURRENCY_PRE})?(?P<n>{_DIGITS})(?:\s?(?P<sc>{_SCALE_WORD})(?![A-Za-z]))?"
    rf"(?:\s*(?:-|–|—|~|to|至|到)\s*(?P<cur2>{_CURRENCY_PRE})?(?P<n2>{_DIGITS})(?:\s?(?P<sc2>{_SCALE_WORD})(?![A-Za-z]))?)?"
    rf"(?P<pct>\s?(?:%|％|percent\b|per cent\b))?(?:\s?(?P<curpost>{_CURRENCY_POST})(?![A-Za-z]))?")
_WORD_NUMBER = re.compile(rf"(?<![\w-])(?P<n>{_WORDNUM})(?P<pct>\s(?:percent|per cent)\b)?(?![\w-])", re.IGNORECASE)
_CN_NUMBER = re.compile(rf"(?P<n>{_CN_NUM}+)(?P<pct>%)?")
_CN_PERCENT = re.compile(rf"百分之(?P<n>{_CN_NUM}+|\d+(?:\.\d+)?)")
_CN_FRACTION = re.compile(rf"(?P<d>{_CN_NUM}+)分之(?P<n>{_CN_NUM}+)")
_COUNTED = re.compile(r"\s*(?:of\s+(?:the\s+)?)?(?:(?:new|extra|more|local|other|young|old|small|large)\s+)?"
                      r"(?P<w>[A-Za-z][\w'’]*(?:-[A-Za-z]+)*)")
_CN_COUNTED = re.compile(rf"[{_CN_MEASURE}]?([\u4e00-\u9fff]{{1,3}})")
_FILLER = frozenset(["more", "than", "over", "about", "around", "nearly", "almost", "some", "of", "the", "a", "an", "to", "and", "or", "in", "on", "at", "for", "by", "from", "per", "new", "extra", "other", "local"])
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")


def _scaled(n: str, sc: str | None) -> float:
    v = float(n.replace(",", ""))
    if sc:
        v *= _SHORT_SCALE.get(sc.lower(), 0) or _SCALE.get(sc.lower(), 0) or {"万": 1e4, "亿": 1e8, "千": 1e3}[sc]
    return v


def _counted(text: str, end: int) -> tuple[str, str]:
    """What a number ending at ``end`` counts: (stems key, words as written), e.g. ("signatur", "signatures")."""
    cjk = _CN_COUNTED.match(text, end)
    if cjk and cjk.start() == end:
        return cjk.group(1)[:2], text[end:cjk.end()]
    m = _COUNTED.match(text, end)
    if not m:
        return "", ""
    word = m.group("w").lower()
    if word in _FILLER or word in STOPWORDS or word in MONTHS or _ORDINAL.fullmatch(word):
        return "", ""
    return stem(word), text[end:m.end("w")]


def _numbers(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    out = []
    for m in _NUMBER.finditer(text):
        prev = text[m.start() - 1] if m.start() else ""
        if _overlaps(m.span(), taken) or (prev.isascii() and prev.isalnum()) or (prev and prev in ".,"):
            continue
        word_before = re.search(r"([A-Za-z][\w'’-]*)[ \t]\Z", text[max(0, m.start() - 30):m.start()])
        if (word_before and word_before.group(1)[:1].isupper() and not m.group("cur") and not m.group("pct")
                and word_before.group(1).lower() not in _NOT_NAMES | _FILLER):
            continue  # part of a name: "Lumo 2", "Room 101"
        lo = _scaled(m.group("n"), m.group("sc") or (m.group("sc2") if m.group("n2") else None))
        hi = _scaled(m.group("n2"), m.group("sc2") or m.group("sc")) if m.group("n2") else None
        end = m.end()
        if m.group("pct"):
            kind, unit, counted = "percent", "%", ""
        elif m.group("cur") or m.group("curpost") or m.group("cur2"):
            cur = (m.group("cur") or m.group("curpost") or m.group("cur2")).strip().upper().replace("USD", "$")
            if cur in _HUNDREDTHS and not m.group("cur"):
                cur, lo, hi = _HUNDREDTHS[cur], lo / 100, hi / 100 if hi is not None else None
            kind, unit, counted = "money", {"美元": "$", "DOLLARS": "$", "DOLLAR": "$", "块": "元", "YUAN": "元",
                                            "RMB": "元", "CNY": "元", "￥": "¥", "EUROS": "€", "EURO": "€",
                                            "EUR": "€", "GBP": "£", "POUNDS": "£", "POUND": "£"}.get(cur, cur), ""
        else:
            kind = "number"
            unit, counted = _counted(text, end)
            if m.group("n").isdigit() and len(m.group("n")) == 4 and 1900 <= lo <= 2100 and not hi and not unit:
                continue  # a year: a date
        out.append(Fact(kind, text[m.start():end].strip(), m.start(), m.start() + len(text[m.start():end].rstrip()),
                        lo, hi, unit, counted))
    return out


_WORD_MONEY = re.compile(r"\s(dollars?|euros?|pounds?(?!\s+of\b)|pence|cents?|yuan)\b", re.IGNORECASE)
_WORD_CURRENCY = {"dollar": "$", "euro": "€", "pound": "£", "pence": "£/100", "cent": "$/100", "yuan": "元"}


def _word_numbers(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    out = []
    for m in _WORD_NUMBER.finditer(text):
        words = m.group("n")
        if words.lower() in ("a", "an", "and") or _overlaps(m.span(), taken):
            continue
        words = re.sub(r"(?:[\s-]+(?:and|a|an))+$", "", words, flags=re.IGNORECASE)
        value = parse_number_words(words)
        if value is None:
            continue
        end = m.start() + len(words)
        if m.group("pct"):
            out.append(Fact("percent", text[m.start():m.end()], m.start(), m.end(), value * 1.0, None, "%"))
            continue
        money = _WORD_MONEY.match(text, end)
        if money:  # "five pence", "three million pounds"
            cur = _WORD_CURRENCY[money.group(1).lower().rstrip("s")]
            value = value / 100 if cur.endswith("/100") else value
            out.append(Fact("money", text[m.start():money.end()], m.start(), money.end(), value, None, cur[:1]))
            continue
        unit, counted = _counted(text, end)
        if _not_a_count(text, m.start(), words, value, unit, end):
            continue
        out.append(Fact("number", words, m.start(), end, value, None, unit, counted))
    return out


_PARTITIVE = re.compile(r"\s+(?:of|in|out of)\b", re.IGNORECASE)
_ONE_AS_PRONOUN = re.compile(r"(?i)\b(?:no|the|any|every|each|which|this|that|such|another|a)\s+\Z")


def _not_a_count(text: str, start: int, words: str, value: float, unit: str, end: int) -> bool:
    """A bare small number word that checks nothing: one word up to ten that counts nothing ("the two met"),
    is a part of a whole ("one of the best", "two of them", "one in five") or a pronoun ("no one", "the one")."""
    if " " in words.strip() or "-" in words or value > 10 or not float(value).is_integer():
        return False
    if not unit or _PARTITIVE.match(text, end):
        return True
    return words.lower() == "one" and _ONE_AS_PRONOUN.search(text[max(0, start - 12):start]) is not None


def _chinese_numbers(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    out = []
    for m in _CN_PERCENT.finditer(text):
        v = parse_chinese_number(m.group("n")) if not m.group("n")[0].isdigit() else float(m.group("n"))
        if v is not None:
            out.append(Fact("percent", m.group(0), m.start(), m.end(), v, None, "%"))
    for m in _CN_FRACTION.finditer(text):
        d, n = parse_chinese_number(m.group("d")), parse_chinese_number(m.group("n"))
        if d and n is not None and not _overlaps(m.span(), [(f.start, f.end) for f in out]):
            unit, counted = _counted(text, m.end())
            out.append(Fact("number", m.group(0), m.start(), m.end(), n / d, None, unit, counted))
    taken = taken + [(f.start, f.end) for f in out]
    for m in _CN_NUMBER.finditer(text):
        s = m.group("n")
        if _overlaps(m.span(), taken) or s in ("一", "两", "十", "万", "千", "百", "亿") or s[0] in "万亿":
            continue  # "一" alone is mostly "a" (一个, 一起); a lone unit is no number
        value = parse_chinese_number(s)
        if value is None:
            continue
        if text[m.end():m.end() + 1] in ("元", "块") or text[m.end():m.end() + 2] in ("美元", "欧元"):
            cur = "元" if text[m.end()] in "元块" else "$" if text[m.end()] == "美" else "€"
            end = m.end() + (1 if text[m.end()] in "元块" else 2)
            out.append(Fact("money", text[m.start():end], m.start(), end, value, None, cur))
            continue
        unit, counted = _counted(text, m.end())
        out.append(Fact("number", s, m.start(), m.end(), value, None, unit, counted))
    return out


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


_DATE_PATTERNS = [
    re.compile(r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"),
    re.compile(rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{_MONTH})(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\s+(?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"(?P<y>(?:19|20)\d\d|[二〇零一三四五六七八九]{4})年(?:(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
               r"(?:(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?)?"),
    re.compile(r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"),
    re.compile(r"\b(?i:in|since|by|until|of|from|year)\s+(?P<y>(?:19|20)\d\d)\b(?![-–]?\d)"),
    re.compile(r"(?<![\d,.$€£])\b(?P<y>(?:19|20)\d\d)\b(?![,.]?\d|\s?%|\s?(?:people|[a-z]+s\b))"),
]
_DAY_NAME = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_RELATIVE = re.compile(
    rf"\b(?:(?P<mod>last|next|this|past|coming|previous|following)\s+(?P<what>week(?:end)?|month|year|spring|summer|"
    rf"autumn|fall|winter|season|night|{_DAY_NAME})|(?P<day>yesterday|tomorrow)|(?P<n>{_WORDNUM}|\d+)\s+"
    r"(?P<unit>days?|weeks?|months?|years?|decades?)\s+(?P<dir>ago|from now|later|earlier))\b", re.IGNORECASE)
_RELATIVE_ZH = re.compile(r"(?:上|下|本|这|這)(?:个|個)?(?:周|週|星期|月)|去年|明年|今年|前年|后年|後年|昨天|明天|前天|后天|"
                          rf"(?:\d+|{_CN_NUM}+)(?:天|周|週|个月|個月|年)(?:前|后|後)")
_RELATIVE_MOD = {"past": "last", "previous": "last", "coming": "next", "following": "next"}
_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|星期[一二三四五六日天]|周[一二三四五六日]")
_TIME = re.compile(r"\b(?:[01]?\d|2[0-3])(?::[0-5]\d)?\s?(?:a\.?m\.?|p\.?m\.?)(?![\w])|\b(?:[01]?\d|2[0-3]):[0-5]\d\b|"
                   r"(?:上午|下午|晚上|早上|中午)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[点時时](?:半|\d{1,2}分)?", re.IGNORECASE)


def _num(s: str | None) -> str:
    if not s:
        return "?"
    v = int(s) if s.isdigit() else int(parse_chinese_number(s) or 0)
    return str(v)


def _dates(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    out: list[Fact] = []
    for pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            if _overlaps(m.span(), taken + [(f.start, f.end) for f in out]):
                continue
            g = m.groupdict()
            y = g.get("y")
            if y and not y.isdigit():
                y = "".join(str(_CN_DIGIT[c]) for c in y)
            month = g.get("m")
            if g.get("mn"):
                month = str(MONTHS[g["mn"].lower().rstrip(".")[:4].rstrip("t") if g["mn"].lower().startswith("sept")
                                    else g["mn"].lower().rstrip(".")[:3]])
            start = m.start("y") if pat is _DATE_PATTERNS[6] else m.start()
            value = f"{y or '?'}-{_num(month) if month else '?'}-{_num(g.get('d'))}"
            out.append(Fact("date", text[start:m.end()], start, m.end(), value))
    for m in _RELATIVE.finditer(text):
        relative = _relative_value(m)
        if relative and not _overlaps(m.span(), taken + [(f.start, f.end) for f in out]):
            out.append(Fact("date", m.group(0), m.start(), m.end(), relative))
    for m in _RELATIVE_ZH.finditer(text):
        if not _overlaps(m.span(), taken + [(f.start, f.end) for f in out]):
            out.append(Fact("date", m.group(0), m.start(), m.end(), "relative:" + m.group(0)))
    for m in _WEEKDAY.finditer(text):
        if not _overlaps(m.span(), taken + [(f.start, f.end) for f in out]):
            out.append(Fact("date", m.group(0), m.start(), m.end(), "weekday:" + m.group(0).lower()[:3]))
    for m in _TIME.finditer(text):
        if not _overlaps(m.span(), taken + [(f.start, f.end) for f in out]):
            out.append(Fact("time", m.group(0), m.start(), m.end(), _time_value(m.group(0))))
    return out


def _relative_value(m: re.Match) -> str | None:
    """A date said from today: "last week" "relative:last week", "two weeks ago" "relative:-2 week", "next
    Saturday" "weekday:sat" (the same day as the brief's "Saturday"); None for "a few" and other non-numbers."""
    if m.group("day"):
        return "relative:" + m.group("day").lower()
    if m.group("what"):
        what = m.group("what").lower()
        mod = m.group("mod").lower()
        if what.endswith("day") and what not in ("yesterday", "tomorrow") and mod != "last":
            return "weekday:" + what[:3]
        return f"relative:{_RELATIVE_MOD.get(mod, mod)} {what}"
    n = m.group("n")
    value = float(n) if n.isdigit() else 1.0 if n.lower() in ("a", "an") else parse_number_words(n)
    if value is None:
        return None
    sign = "-" if m.group("dir").lower() in ("ago", "earlier") else "+"
    return f"relative:{sign}{value:g} {m.group('unit').lower().rstrip('s')}"


def _time_value(s: str) -> str:
    low = s.lower().replace(".", "")
    nums = re.findall(r"\d+", low)
    if not nums:
        cn = re.findall(r"[一二三四五六七八九十]+", s)
        nums = [str(int(parse_chinese_number(cn[0]) or 0))] if cn else ["0"]
    h, mi = int(nums[0]), int(nums[1]) if len(nums) > 1 else (30 if "半" in s else 0)
    if ("pm" in low or "下午" in s or "晚上" in s) and h < 12:
        h += 12
    if "am" in low and h == 12:
        h = 0
    return f"{h:02d}:{mi:02d}"


_QUOTE = re.compile(r"[\"“”]([^\"“”\n]{8,400}?)[\"“”]|「([^」\n]{4,400})」|『([^』\n]{4,400})』")
_NAME_WORD = r"(?:[a-z]{1,2}[A-Z][A-Za-z]+|[A-Z][a-z'’]+(?:-[A-Z][a-z]+)?|[A-Z]{2,}[a-z]*|[A-Z]\.|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)"
_NAME = re.compile(rf"\b{_NAME_WORD}(?:\s+(?:(?:de|van|von|da|di|del|la|le|of|&)\s+)?(?:{_NAME_WORD}|\d+[A-Za-z]?\b))*")
_NOT_NAMES = frozenset({
    "i", "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "we", "they", "you", "your",
    "our", "my", "his", "her", "their", "in", "on", "at", "for", "with", "by", "from", "to", "of", "and", "but",
    "or", "if", "when", "while", "as", "so", "yet", "after", "before", "since", "until", "all", "each", "every",
    "some", "many", "most", "more", "no", "not", "one", "there", "here", "what", "why", "how", "who", "which",
    "where", "also", "then", "now", "today", "tomorrow", "yesterday", "however", "meanwhile", "finally", "first",
    "next", "last", "overall", "instead", "still", "even", "just", "like", "unlike", "without", "be", "do",
    "is", "are", "was", "were", "will", "can", "may", "might", "should", "would", "could", "let", "let's", "mr.",
    "mrs.", "ms.", "dr.", "ok", "yes", "step", "steps", "tip", "tips", "note", "conclusion", "introduction",
    "summary", "faq", "q", "ai", "although", "because", "both", "either", "neither", "once", "other", "others",
    "such", "than", "whether", "whatever", "whenever", "plus", "thanks", "please", "imagine", "remember",
    "besides", "furthermore", "moreover", "additionally", "ultimately", "together",
}) | frozenset(MONTHS) | WEEKDAYS


def _names(text: str, taken: list[tuple[int, int]]) -> list[Fact]:
    """Capitalised words and runs of them that are not the first word of a sentence (unless a run of two or
    more, or a word with a capital inside such as "iPhone", "McKay"), nor common words."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        while words and words[0].lower().rstrip(".") in _NOT_NAMES | {"mr", "mrs", "ms", "dr"}:
            words = words[1:]
        while words and (words[-1].lower() in _NOT_NAMES or words[-1].lower() in ("of", "&", "de", "la")):
            words = words[:-1]
        if not words:
            continue
        s = m.start() + m.group(0).index(words[0])
        name = text[s:s + len(" ".join(words))] if text[s:].startswith(" ".join(words)) else " ".join(words)
        e = s + len(name)
        if _overlaps((s, e), taken) or not any(ch.isupper() for ch in name):
            continue
        before = text[:s].rstrip(" \"“‘'(*")
        sentence_start = not before or before[-1] in ".!?:\n#>-•" or before.endswith("\n")
        if sentence_start and sum(w[:1].isupper() for w in words) == 1 and not re.search(r"[a-z][A-Z]|[A-Z]{2}", name) \
                and not (words[-1][:1].isdigit() and re.match(r"(?:[:,;.!?)]|'s\b|’s\b|\s*$)", text[e:])):
            continue  # "Lumina 2: a lamp" opening a sentence is a name; "Gather 3 pots" is not
        out.append(Fact("name", name, s, e, " ".join(name.lower().split())))
    return out


_ATTRIBUTION = re.compile(r"\b(?:said|says|told|added|according to|stated|explained|wrote|asked|noted|recalled)\b|"
                          r"表示|说|指出|称|强调", re.IGNORECASE)


def _quotes(text: str) -> list[Fact]:
    out = []
    for m in _QUOTE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if len(inner.split()) < 4 and not re.search(r"[\u4e00-\u9fff]{6}", inner):
            continue  # a title or a term in quotes, not a quoted sentence
        near = text[max(0, m.start() - 80):m.end() + 80]
        out.append(Fact("quote", m.group(0), m.start(), m.end(), " ".join(re.findall(r"\w+", inner.lower())),
                        counted="attributed" if _ATTRIBUTION.search(near) else ""))
    return out


def extract(text: str) -> list[Fact]:
    """The facts of ``text`` in order of position (see :class:`Fact`); quotes first claim their span, so a
    number inside a quotation is part of the quotation."""
    text = text or ""
    quotes = _quotes(text)
    taken = [(f.start, f.end) for f in quotes]
    dates = _dates(text, taken)
    taken += [(f.start, f.end) for f in dates]
    found = _numbers(text, taken)
    taken += [(f.start, f.end) for f in found]
    found += _chinese_numbers(text, taken)
    taken += [(f.start, f.end) for f in found]
    found += _word_numbers(text, taken)
    taken += [(f.start, f.end) for f in found]
    found += _names(text, taken)
    return sorted(quotes + dates + found, key=lambda f: f.start)


@dataclasses.dataclass
class FactSheet:
    """The facts the writer gave, from every text of a request (topic or brief, keywords, audience, outline,
    the draft or source)."""

    facts: list[Fact]
    source: str = ""

    @classmethod
    def of(cls, *texts: str) -> FactSheet:
        source = "\n".join(t for t in texts if t and t.strip())
        return cls(extract(source), source)

    def of_kind(self, *kinds: str) -> list[Fact]:
        return [f for f in self.facts if f.kind in kinds]

    def summary(self, limit: int = 12) -> str:
        """The facts to keep, for a prompt: "2,300 signatures; $49; March 3, 2024; Maria Lopez" (no quotes)."""
        seen: list[str] = []
        for f in self.facts:
            if f.kind == "quote":
                continue
            item = f"{f.text} {f.counted}".strip() if f.kind == "number" and f.counted else f.text
            if item.lower() not in (s.lower() for s in seen):
                seen.append(item)
        return "; ".join(seen[:limit])
