"""Read a file's Content Credentials back with ``c2pa-python``'s ``Reader``: for the Image tab's
PNG-info reader (a picture from anywhere) and for the tests."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

from ..messages import Joined, Message
from .xmp import short_name

MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
        ".wav": "audio/wav", ".mp3": "audio/mpeg", ".mp4": "video/mp4", ".gif": "image/gif",
        ".tif": "image/tiff", ".tiff": "image/tiff", ".avif": "image/avif", ".heic": "image/heic"}


# c2pa's validation states, each shown in the writer's language
STATES = {"Trusted": Message("Trusted"), "Valid": Message("Valid"), "Invalid": Message("Invalid")}


@dataclasses.dataclass
class Found:
    """What a file's active C2PA manifest says.

    ``state``: c2pa's validation state (``Trusted``, ``Valid`` or ``Invalid``); ``failures``: the
    codes of the checks that failed (``assertion.dataHash.mismatch`` for a file changed after signing).
    """

    state: str
    actions: list[str]
    source_type: str
    agent: str
    signer: str
    title: str
    ingredients: list[str]
    failures: list[str]
    manifest: dict[str, Any]

    def lines(self) -> list[str]:
        """The facts as short English lines (the UI translates them at its boundary)."""
        state = STATES.get(self.state) or Message(self.state)
        out: list[str] = [Message("Content Credentials: {t_state}", t_state=state)]
        if self.failures:
            out.append(Message("Failed checks: {f}", f=", ".join(self.failures)))
        if self.actions:
            out.append(Message("Actions: {a}", a=", ".join(self.actions)))
        if self.source_type:
            out.append(Message("Digital source type: {t}", t=short_name(self.source_type)))
        if self.agent:
            out.append(Message("Made with: {m}", m=self.agent))
        if self.signer:
            out.append(Message("Signed by: {user_s}", user_s=self.signer))
        if self.ingredients:
            out.append(Message("Made from: {user_i}", user_i=", ".join(self.ingredients)))
        return out


def mime_of(name: str | Path, data: bytes = b"") -> str:
    """The MIME type from a file's name, or from its first bytes."""
    mime = MIME.get(Path(str(name)).suffix.lower(), "")
    if not mime and data:
        if data.startswith(b"\x89PNG"):
            mime = "image/png"
        elif data.startswith(b"\xff\xd8"):
            mime = "image/jpeg"
        elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            mime = "image/webp"
    return mime


def read_credentials(source: bytes | str | Path, mime: str = "", trust_pem: bytes | str = b"") -> Found | None:
    """The active manifest of ``source`` (bytes or a path), or None when it carries none.

    ``trust_pem``: CA certificates to trust (Studio's own ``ca.pem``): then a good signature reads ``Trusted``.
    """
    import c2pa

    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    mime = mime or mime_of(source if isinstance(source, (str, Path)) else "", data)
    if not mime:
        return None
    settings: dict[str, Any] = {"verify": {"verify_trust": bool(trust_pem)}}
    if trust_pem:
        settings["trust"] = {"trust_anchors": trust_pem.decode() if isinstance(trust_pem, bytes) else trust_pem}
    try:
        with c2pa.Context.from_dict(settings) as ctx, c2pa.Reader(mime, io.BytesIO(data), context=ctx) as reader:
            store = json.loads(reader.json())
            results = reader.get_validation_results() or {}
    except c2pa.C2paError:  # no manifest, or a format c2pa does not read
        return None
    active = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    if not active:
        return None
    return _found(store, active, results)


def _found(store: dict, active: dict, results: dict) -> Found:
    actions, source_type, agent = [], "", ""
    for assertion in active.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for act in assertion.get("data", {}).get("actions", []):
                actions.append(str(act.get("action", "")))
                source_type = act.get("digitalSourceType") or source_type
                soft = act.get("softwareAgent")
                agent = (soft.get("name", "") if isinstance(soft, dict) else str(soft or "")) or agent
    sig = active.get("signature_info") or {}
    signer = " / ".join(x for x in (sig.get("common_name"), sig.get("issuer")) if x)
    failures = [f.get("code", "") for f in (results.get("activeManifest") or {}).get("failure", [])]
    return Found(state=str(store.get("validation_state") or ("Invalid" if failures else "Valid")),
                 actions=actions, source_type=source_type, agent=agent, signer=signer,
                 title=str(active.get("title") or ""),
                 ingredients=[str(i.get("title", "")) for i in active.get("ingredients", [])],
                 failures=failures, manifest=active)


def describe_credentials(source: str | Path, settings=None) -> str:
    """A picture's Content Credentials and IPTC digital source type as lines for the PNG-info reader
    (``""`` when it carries neither). This studio's own CA (``<data dir>/c2pa/ca.pem``) is trusted, so
    its pictures read ``Trusted``; others' read ``Valid`` when sound. Never raises."""
    from PIL import Image

    from .xmp import read_source_type

    ca = Path(settings.data_dir) / "c2pa" / "ca.pem" if settings is not None and settings.data_dir else None
    trust_pem = ca.read_bytes() if ca is not None and ca.is_file() else b""
    lines: list[str] = []
    try:
        found = read_credentials(source, trust_pem=trust_pem)
    except Exception:  # noqa: BLE001 - an unreadable file: the reader says so from its parameters
        found = None
    if found is not None:
        lines += found.lines()
    try:
        with Image.open(source) as im:
            xmp_type = read_source_type(im.info)
    except Exception:  # noqa: BLE001
        xmp_type = ""
    if xmp_type and (found is None or found.source_type != xmp_type):
        lines.append(Message("IPTC digital source type: {t}", t=short_name(xmp_type)))
    return Joined("\n", lines)
