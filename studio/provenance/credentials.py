"""Content Credentials (C2PA): sign what Studio makes, with the ``c2pa-python`` library.

:func:`credentials_for` gives the one :class:`Credentials` of a set of settings (made once per
process: the key and certificate are read or created on first use). ``sign_bytes(data, mime, ...)``
returns the same bytes with a signed C2PA manifest embedded: any format c2pa supports (PNG, JPEG,
WebP, WAV, MP3, MP4...), so the speech and video work can call it with their own MIME type.

The manifest holds one ``c2pa.actions`` assertion: ``c2pa.created`` for something made from nothing,
``c2pa.edited`` for a writer's own file changed by a model (that file is the manifest's parent
ingredient), each with the IPTC digital source type and the software agent (Studio and the model).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import InvalidInput
from ..files import atomic_write_bytes
from ..settings import PROVENANCE_MODES as MODES
from .keys import Identity, load_given, load_or_create
from .xmp import TRAINED

SOFTWARE = "Studio"


def manifest(source_type: str, model: str, *, title: str = "", edited: bool = False,
             parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest definition c2pa's ``Builder`` takes."""
    action: dict[str, Any] = {
        "action": "c2pa.edited" if edited else "c2pa.created",
        "digitalSourceType": source_type,
        "softwareAgent": {"name": f"{SOFTWARE} {__version__}" + (f" with {model}" if model else "")},
    }
    if parameters:
        action["parameters"] = {k: str(v) for k, v in parameters.items() if v not in (None, "")}
    actions = [action]
    if edited:  # C2PA 2: a changed file first says which file was opened
        actions.insert(0, {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}})
    out: dict[str, Any] = {
        "claim_generator_info": [{"name": SOFTWARE, "version": __version__}],
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }
    if title:
        out["title"] = title
    return out


class Credentials:
    """Signs with one identity; ``mode`` is ``--provenance`` (full: C2PA and XMP; metadata: XMP only; off)."""

    def __init__(self, mode: str = "full", identity: Identity | None = None):
        if mode not in MODES:
            raise InvalidInput("--provenance", "must be one of {c}, not {user_v}.", c=", ".join(MODES),
                               user_v=repr(mode))
        self.mode = mode
        self.identity = identity
        self._lock = threading.Lock()
        self._signer = None
        self._context = None

    @property
    def signs(self) -> bool:
        """True when files get a C2PA manifest (``--provenance full``)."""
        return self.mode == "full" and self.identity is not None

    @property
    def marks(self) -> bool:
        """True when files get any provenance metadata (XMP, disclosures): not ``--provenance off``."""
        return self.mode != "off"

    def _ready(self):
        import c2pa  # imported on first signing: start-up does not load the native library

        if self._signer is None:
            info = c2pa.C2paSignerInfo(alg=getattr(c2pa.C2paSigningAlg, self.identity.alg),
                                       sign_cert=self.identity.chain_pem, private_key=self.identity.key_pem,
                                       ta_url=None)
            self._signer = c2pa.Signer.from_info(info)
            # no thumbnail (the picture is its own), and no reading back of each file just signed (it
            # doubled the cost; the tests read every kind of output back with c2pa's Reader instead)
            self._context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                                    "verify": {"verify_after_sign": False}})
        return c2pa

    def sign_bytes(self, data: bytes, mime: str, *, source_type: str = TRAINED, model: str = "",
                   title: str = "", ingredient: bytes | None = None, ingredient_mime: str = "image/png",
                   ingredient_title: str = "", parameters: dict[str, Any] | None = None) -> bytes:
        """``data`` (a file of type ``mime``) with a signed manifest; unchanged when not signing.

        ``ingredient``: the writer's own file this one was made from (then the action is ``c2pa.edited``).
        """
        if not self.signs:
            return data
        spec = manifest(source_type, model, title=title, edited=ingredient is not None, parameters=parameters)
        with self._lock:
            c2pa = self._ready()
            with c2pa.Builder(spec, self._context) as builder:
                if ingredient is not None:
                    builder.add_ingredient({"title": ingredient_title or "the writer's picture",
                                            "relationship": "parentOf", "label": "parent"},
                                           ingredient_mime, io.BytesIO(ingredient))
                out = io.BytesIO()
                builder.sign(self._signer, mime, io.BytesIO(data), out)
        return out.getvalue()

    def sign_file(self, path: str | Path, mime: str, **kw) -> Path:
        """Sign the file at ``path`` in place (temporary file, then rename). Same keywords as :meth:`sign_bytes`."""
        path = Path(path)
        if self.signs:
            atomic_write_bytes(path, self.sign_bytes(path.read_bytes(), mime, **kw))
        return path

    def check(self) -> None:
        """Sign a tiny PNG once, so that a certificate c2pa refuses is named at start-up, not per picture.

        Raises:
            InvalidInput: naming ``--c2pa-cert`` with c2pa's reason.
        """
        if not self.signs:
            return
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (1, 1)).save(buf, format="PNG")
        try:
            self.sign_bytes(buf.getvalue(), "image/png", model="check")
        except Exception as exc:  # noqa: BLE001 - c2pa's own error types: the certificate or key is refused
            raise InvalidInput("--c2pa-cert", "was refused by C2PA signing: {e}", e=exc) from None


_made: dict[tuple, Credentials] = {}  # one per (mode, data folder, cert, key): shared configuration, not user state
_made_lock = threading.Lock()


def credentials_for(settings) -> Credentials:
    """The :class:`Credentials` of ``settings`` (``provenance``, ``c2pa_cert``, ``c2pa_key``, ``data_dir``)."""
    mode = getattr(settings, "provenance", "full") or "full"
    cert, key = getattr(settings, "c2pa_cert", None), getattr(settings, "c2pa_key", None)
    ident = (mode, str(settings.data_dir), str(cert or ""), str(key or ""))
    with _made_lock:
        found = _made.get(ident)
        if found is None:
            if mode != "full":
                identity = None
            elif cert or key:
                if not (cert and key):
                    raise InvalidInput("--c2pa-cert" if key else "--c2pa-key",
                                       "is needed too: give both --c2pa-cert and --c2pa-key, or neither.")
                identity = load_given(Path(cert), Path(key))
            else:
                identity = load_or_create(Path(settings.data_dir))
            found = _made[ident] = Credentials(mode, identity)
        return found
