"""What an export says about how it was made: the share of the text the model wrote, the models, and
each picture's digital source type and Content Credentials (the HTML meta tags, the DOCX properties,
the Markdown zip's ``provenance.json``). Nothing leaves the machine: it is all read from the Library."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from .. import __version__
from ..messages import Message
from ..unitext import language
from . import spans as sp
from .xmp import read_source_type, short_name


def percent(share: float) -> int:
    """The share as the whole percent a sentence gives: 1 to 99 for a mixed text, 0 or 100 only when exact."""
    if share <= 0 or share >= 1:
        return round(share * 100)
    return min(99, max(1, round(share * 100)))


def sentence(share: float, models: list[str], lang: str | None = "") -> str:
    """The human line: "About 40% of this text was generated with X and edited by the author." (in
    Chinese for a Chinese article)."""
    names = ", ".join(models) or "a language model"
    p = percent(share)
    if lang == "zh":
        if p == 0:
            return "本文由作者撰写。"
        return f"本文由 {names} 生成。" if p == 100 else f"本文约 {p}% 的文字由 {names} 生成，并经作者编辑。"
    if p == 0:
        return "This text was written by the author."
    shown = ", ".join(models) or Message("a language model")
    if p == 100:
        return Message("This text was generated with {m}.", m=shown)
    return Message("About {num_p}% of this text was generated with {m} and edited by the author.", num_p=p, m=shown)


def picture_facts(path: str | Path, name: str = "") -> dict[str, Any]:
    """A picture's digital source type (XMP) and C2PA state (``none`` without a manifest)."""
    from PIL import Image

    from .read import read_credentials

    out: dict[str, Any] = {"name": name or Path(path).name, "digital_source_type": "", "c2pa": "none"}
    try:
        with Image.open(path) as im:
            out["digital_source_type"] = read_source_type(im.info)
        found = read_credentials(path, "image/png")
    except Exception:  # noqa: BLE001 - an unreadable picture: nothing to say about it
        return out
    if found is not None:
        out["c2pa"] = found.state
        out["digital_source_type"] = found.source_type or out["digital_source_type"]
        out["actions"] = found.actions
    return out


@dataclasses.dataclass
class Disclosure:
    """How an article was made, for its export."""

    share: float
    models: list[str]
    spans: list
    line: str
    pictures: list[dict]

    @property
    def generated(self) -> str:
        """``true`` (all of it), ``partial`` or ``false``: the ``ai-generated`` meta value."""
        p = percent(self.share)
        return "true" if p == 100 else "partial" if p > 0 or self.pictures_generated else "false"

    @property
    def pictures_generated(self) -> int:
        return sum(1 for p in self.pictures if p.get("digital_source_type"))

    def summary(self) -> str:
        """One line for the DOCX custom property: which parts were generated."""
        parts = [f"text: {percent(self.share)}% generated" + (f" ({', '.join(self.models)})" if self.models else "")]
        for p in self.pictures:
            kind = short_name(p.get("digital_source_type", "")) or "no digital source type"
            parts.append(f"picture {p['name']}: {kind}, C2PA {p.get('c2pa', 'none')}")
        return "; ".join(parts)

    def as_json(self, spans: list | None = None) -> dict[str, Any]:
        """The ``provenance.json`` of the Markdown zip (``spans``: over the .md file's text)."""
        return {"generator": f"Studio {__version__}", "ai_generated": self.generated,
                "text": {"generated_share": round(self.share, 4), "percent": percent(self.share),
                         "models": self.models, "disclosure": self.line,
                         "spans": spans if spans is not None else self.spans,
                         "spans_are_over": "the .md file's text, in characters (Python str indices)"},
                "pictures": self.pictures}


def disclosure_for(body: str, title: str, origin: dict, images: list[dict], line: str | None = None) -> Disclosure:
    """The article's disclosure (``origin``: :meth:`Library.origin`; ``line``: the writer's own wording of
    the human line, or None for Studio's sentence)."""
    share, models = origin.get("share", 0.0), origin.get("models", [])
    default = sentence(share, models, language(title + "\n" + body))
    pictures = [picture_facts(img["path"], img.get("name", "")) for img in images]
    return Disclosure(share, models, origin.get("spans", []), (line or "").strip() or default, pictures)


def remap_for_export(body: str, spans: list, text: str) -> list:
    """The spans carried from the stored body to the exported text (the .md file)."""
    return sp.remap(body, spans, text)
