"""Written forms a voice would misread, spelt out in English words for the ear: numbers, ordinals,
years and dates, currencies, percentages, units, times and common abbreviations.

The words themselves come from ``num2words`` (a well-kept library); this module only finds the
written forms. Text in other languages is left as it is (their voices have their own rules).
"""

from __future__ import annotations

import re

from num2words import num2words

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
              "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "", ""),
              "USD": ("dollar", "dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
              "GBP": ("pound", "pounds", "penny", "pence")}
UNITS = {"km": "kilometres", "m": "metres", "cm": "centimetres", "mm": "millimetres", "kg": "kilograms",
         "g": "grams", "mg": "milligrams", "l": "litres", "ml": "millilitres", "km/h": "kilometres per hour",
         "mph": "miles per hour", "kb": "kilobytes", "mb": "megabytes", "gb": "gigabytes", "tb": "terabytes",
         "ghz": "gigahertz", "mhz": "megahertz", "kw": "kilowatts", "kwh": "kilowatt hours", "w": "watts",
         "ms": "milliseconds", "s": "seconds", "min": "minutes", "h": "hours", "hz": "hertz", "°c": "degrees Celsius",
         "°f": "degrees Fahrenheit", "ft": "feet", "in": "inches", "lb": "pounds", "lbs": "pounds", "oz": "ounces"}
SINGULAR = {"metres": "metre", "feet": "foot", "inches": "inch", "pounds": "pound", "hours": "hour"}
ABBREVIATIONS = {"e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "Dr.": "Doctor",
                 "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "St.": "Saint", "approx.": "approximately",
                 "No.": "number", "&": "and"}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CURRENCY = re.compile(rf"(?P<sym>[$€£¥])\s?(?P<num>{_NUM})(?P<big>\s?(?:million|billion|thousand|[kKmMbB]n?)\b)?"
                       rf"|(?P<num2>{_NUM})\s?(?P<code>USD|EUR|GBP)\b")
_PERCENT = re.compile(rf"(?P<num>-?(?:{_NUM}))\s?%")
_DATE_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b")
_DATE_MDY = re.compile(rf"\b(?P<mon>{'|'.join(MONTHS)})\s+(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b")
_DATE_DMY = re.compile(rf"\b(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)?\s+(?P<mon>{'|'.join(MONTHS)})(?:,?\s+(?P<y>\d{{4}}))?\b")
_TIME = re.compile(r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\s?(?P<ap>[ap]\.?m\.?)?(?=\W|$)", re.I)
_UNIT = re.compile(rf"(?P<num>{_NUM})\s?(?P<unit>{'|'.join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))})"
                   r"(?![\w/])", re.I)
_ORDINAL = re.compile(r"\b(?P<num>\d+)(?:st|nd|rd|th)\b")
_YEAR = re.compile(r"\b(?:in|since|by|from|until|of|year|around|circa|c\.)\s+(?P<y>1[1-9]\d\d|20\d\d)\b(?!,\d)", re.I)
_DECADE = re.compile(r"\b(?P<y>1[1-9]\d0|20\d0)'?s\b")
_RANGE = re.compile(r"(?<=\d)\s?[–-]\s?(?=\d)")
_NUMBER = re.compile(rf"(?<![\w.])(?P<neg>-)?(?P<num>{_NUM})(?![\w])")
_ABBR = re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in ABBREVIATIONS) + r")(?=\s|$|[,;:)])")


def _number(text: str) -> str:
    text = text.replace(",", "")
    if "." in text:
        whole, frac = text.split(".", 1)
        return f"{num2words(int(whole))} point {' '.join(num2words(int(d)) for d in frac)}"
    if len(text) > 15:  # a serial number or an ID, not a quantity: read digit by digit
        return " ".join(num2words(int(d)) for d in text)
    return num2words(int(text))


def _year(y: str) -> str:
    return num2words(int(y), to="year")


def _money(m: re.Match) -> str:
    sym = m.group("sym") or m.group("code")
    num = (m.group("num") or m.group("num2")).replace(",", "")
    one, many, cent, cents = CURRENCIES[sym]
    big = (m.group("big") or "").strip().lower()
    big = {"k": "thousand", "m": "million", "mn": "million", "b": "billion", "bn": "billion"}.get(big, big)
    if big:
        return f"{_number(num)} {big} {many}"
    whole, _, frac = num.partition(".")
    words = f"{num2words(int(whole))} {one if int(whole) == 1 else many}"
    if frac and cent and int(frac[:2].ljust(2, "0")):
        c = int(frac[:2].ljust(2, "0"))
        words += f" and {num2words(c)} {cent if c == 1 else cents}"
    return words


def _unit(m: re.Match) -> str:
    num, unit = m.group("num"), UNITS[m.group("unit").lower()]
    if num in ("1", "1.0"):
        unit = SINGULAR.get(unit, unit[:-1] if unit.endswith("s") and " " not in unit else unit)
    return f"{_number(num)} {unit}"


def _time(m: re.Match) -> str:
    h, mins, ap = int(m.group("h")), int(m.group("m")), (m.group("ap") or "").replace(".", "").lower()
    if mins == 0:
        words = f"{num2words(h)} o'clock" if not ap else num2words(h)
    else:
        words = f"{num2words(h)} {'oh ' + num2words(mins) if mins < 10 else num2words(mins)}"
    return words + (f" {' '.join(ap.upper())}" if ap else "")


def _decade(y: str) -> str:
    words = _year(y)
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _date(mon: str, d: str, y: str | None) -> str:
    words = f"{mon} {num2words(int(d), to='ordinal')}"
    return words + (f", {_year(y)}" if y else "")


def spell_out(text: str) -> str:
    """``text`` with numbers, dates, times, money, percentages, units and abbreviations in words.

    >>> spell_out("On 2024-03-05 it cost $12.50, 15% more than in 1999.")
    'On March fifth, twenty twenty-four it cost twelve dollars and fifty cents, fifteen percent more than in nineteen ninety-nine.'
    """
    text = _ABBR.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    text = _DATE_ISO.sub(lambda m: _date(MONTHS[int(m.group("m")) - 1], m.group("d"), m.group("y")), text)
    text = _DATE_MDY.sub(lambda m: _date(m.group("mon"), m.group("d"), m.group("y")), text)
    text = _DATE_DMY.sub(lambda m: _date(m.group("mon"), m.group("d"), m.group("y")), text)
    text = _TIME.sub(_time, text)
    text = _CURRENCY.sub(_money, text)
    text = _PERCENT.sub(lambda m: f"{'minus ' if m.group('num').startswith('-') else ''}"
                                  f"{_number(m.group('num').lstrip('-'))} percent", text)
    text = _DECADE.sub(lambda m: _decade(m.group("y")), text)
    text = _UNIT.sub(_unit, text)
    text = _YEAR.sub(lambda m: m.group(0)[: m.start("y") - m.start()] + _year(m.group("y")), text)
    text = _ORDINAL.sub(lambda m: num2words(int(m.group("num")), to="ordinal"), text)
    text = _RANGE.sub(" to ", text)
    return _NUMBER.sub(lambda m: ("minus " if m.group("neg") else "") + _number(m.group("num")), text)
