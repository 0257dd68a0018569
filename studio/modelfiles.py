"""Damaged model files, found before a backend trips over them.

:func:`check_model_files` reads only headers: a GGUF file's header (its tensors' types, shapes and
offsets, so the size the file must have), a safetensors file's header (the end of its last tensor),
and a sharded model's index (which shard files it needs). A file cut short by a broken download, a
file that is not what its name says (an HTML error page, a Git LFS pointer) or a folder missing
shards gets one :class:`~studio.errors.ModelUnavailable` naming the file and the fix, before
llama.cpp, transformers or diffusers load anything; a PyTorch checkpoint (a zip) is checked from its
declared sizes, as :mod:`studio.safezip` checks a writer's files. :class:`~studio.models.ModelManager` runs it
before every local load, so every backend says the same.
"""

from __future__ import annotations

import functools
import json
import struct
from pathlib import Path

from .errors import ModelUnavailable
from .messages import Message

MB = 1024 * 1024
GGUF_MAGIC = b"GGUF"
_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # GGUF value type -> bytes
_STRING, _ARRAY = 8, 9
MAX_STRING = 64 * MB
MAX_WALK = 2000  # files looked at in one model folder


class _Cut(Exception):
    """The file ended inside its header."""


def _mb(n: int) -> str:
    return f"{n / MB:,.0f}" if n >= 10 * MB else f"{n / MB:,.1f}"


class _Reader:
    """A file read through ``mmap``: ``read``/``seek``/``tell`` like a file, and a fast skip of string arrays
    (a tokenizer's vocabulary is 100,000+ strings)."""

    def __init__(self, fh):
        import mmap

        self.buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self.pos = 0

    def read(self, n: int) -> bytes:
        data = self.buf[self.pos:self.pos + n]
        self.pos += len(data)
        return data

    def seek(self, n: int, whence: int = 0) -> None:
        self.pos = self.pos + n if whence == 1 else n

    def tell(self) -> int:
        return self.pos

    def skip_strings(self, count: int, long: bool) -> None:
        fmt, width = ("<Q", 8) if long else ("<I", 4)
        buf, pos, end = self.buf, self.pos, len(self.buf)
        if pos + count * width > end:  # even empty strings would not fit: no loop over a made-up count
            raise _Cut
        for _ in range(count):
            if pos + width > end:
                raise _Cut
            pos += width + struct.unpack_from(fmt, buf, pos)[0]
        if pos > end:
            raise _Cut
        self.pos = pos

    def close(self) -> None:
        self.buf.close()


def _read(fh, n: int) -> bytes:
    data = fh.read(n)
    if len(data) < n:
        raise _Cut
    return data


def _u32(fh) -> int:
    return struct.unpack("<I", _read(fh, 4))[0]


def _u64(fh) -> int:
    return struct.unpack("<Q", _read(fh, 8))[0]


def _string(fh, long: bool) -> bytes:
    n = _u64(fh) if long else _u32(fh)
    if n > MAX_STRING:
        raise ValueError(Message("a text of {n} bytes", n=f"{n:,}"))
    return _read(fh, n)


def _skip_value(fh, vtype: int, long: bool, depth: int = 0):
    """Read (strings, the alignment) or skip one GGUF metadata value; returns it when small."""
    if vtype in _SCALAR:
        raw = _read(fh, _SCALAR[vtype])
        return int.from_bytes(raw, "little") if vtype in (4, 10) else None
    if vtype == _STRING:
        _string(fh, long)
        return None
    if vtype == _ARRAY and depth < 2:
        itype = _u32(fh)
        count = _u64(fh) if long else _u32(fh)
        if itype in _SCALAR:
            fh.seek(_SCALAR[itype] * count, 1)
            return None
        if itype == _STRING:
            fh.skip_strings(count, long)
            return None
        for _ in range(count):
            _skip_value(fh, itype, long, depth + 1)
        return None
    raise ValueError(Message("an unknown value type {n}", n=vtype))


@functools.lru_cache(maxsize=64)
def _expected_size(path: str, _size: int, _mtime: int) -> int:
    """:func:`gguf_expected_size`, once per version of a file (its size and time are part of the key)."""
    return gguf_expected_size(Path(path))


def gguf_expected_size(path: Path) -> int:
    """The bytes a GGUF file must have: its data start (aligned) plus the end of its last tensor.

    Raises:
        _Cut: the file ends inside its header. ValueError: not a GGUF file, or a header that makes no sense.
    """
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    with open(path, "rb") as raw:
        if raw.read(4) != GGUF_MAGIC:
            raise ValueError("not GGUF")
        fh = _Reader(raw)
        try:
            return _gguf_size(fh, GGML_QUANT_SIZES, GGMLQuantizationType)
        finally:
            fh.close()


def _gguf_size(fh: _Reader, sizes, types) -> int:
    """The size a GGUF file must have, from its header read through ``fh`` (see :func:`gguf_expected_size`)."""
    fh.seek(4)
    version = _u32(fh)
    if version not in (1, 2, 3):
        raise ValueError(Message("GGUF version {n}, which Studio does not know", n=version))
    long = version >= 2
    n_tensors = _u64(fh) if long else _u32(fh)
    n_kv = _u64(fh) if long else _u32(fh)
    alignment = 32
    for _ in range(n_kv):
        key = _string(fh, long)
        value = _skip_value(fh, _u32(fh), long)
        if key == b"general.alignment" and value:
            alignment = value
    end = 0
    for _ in range(n_tensors):
        _string(fh, long)
        n_dims = _u32(fh)
        if n_dims > 8:
            raise ValueError(Message("a tensor with {n} dimensions", n=n_dims))
        count = 1
        for _d in range(n_dims):
            count *= _u64(fh) if long else _u32(fh)
        ttype, offset = _u32(fh), _u64(fh)
        try:
            block, size = sizes[types(ttype)]
        except (ValueError, KeyError):
            raise ValueError(Message("a tensor of an unknown type {n}", n=ttype)) from None
        end = max(end, offset + count // block * size)
    start = fh.tell()
    return -(-start // alignment) * alignment + end


def check_gguf(path: Path) -> None:
    """Raise ModelUnavailable when ``path`` is not a GGUF file or is shorter than its header says."""
    have = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(64)
    if not head.startswith(GGUF_MAGIC):
        if head.startswith(b"version https://git-lfs"):
            raise ModelUnavailable("The model file '{p}' is a Git LFS pointer (a small text file standing for "
                                   "the model), not the model itself. Download '{f}' again (or copy it again), then "
                                   "reload the model.", p=path, f=path.name)
        if head.lstrip()[:1] in (b"<", b"{"):
            raise ModelUnavailable("The model file '{p}' is a web page or a JSON text, not a model (a download "
                                   "that failed). Download '{f}' again (or copy it again), then reload the "
                                   "model.", p=path, f=path.name)
        if not head:
            raise ModelUnavailable("The model file '{p}' is empty. Download '{f}' again (or copy it "
                                   "again), then reload the model.", p=path, f=path.name)
        raise ModelUnavailable("The model file '{p}' is not a GGUF model file (it does not start with 'GGUF'). "
                               "Download '{f}' again (or copy it again), then reload the model.", p=path, f=path.name)
    try:
        st = path.stat()
        need = _expected_size(str(path), st.st_size, st.st_mtime_ns)
    except _Cut:
        raise ModelUnavailable("The model file '{p}' is cut short: the download stopped inside its header "
                               "({a} MB). Download '{f}' again (or copy it again), then reload the "
                               "model.", p=path, a=_mb(have), f=path.name) from None
    except ValueError as exc:
        why = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)
        raise ModelUnavailable("The model file '{p}' is damaged ({e} in its header). Download '{f}' "
                               "again (or copy it again), then reload the model.", p=path, e=why,
                               f=path.name) from None
    if have < need:
        raise ModelUnavailable("The model file '{p}' is cut short: the download was cut at {a} of "
                               "{b} MB. Download '{f}' again (or copy it again), then reload the model.",
                               p=path, a=_mb(have), b=_mb(need), f=path.name)


def check_safetensors(path: Path) -> None:
    """Raise ModelUnavailable when ``path`` is not a safetensors file or is shorter than its header says."""
    have = path.stat().st_size
    try:
        with open(path, "rb") as fh:
            n = _u64(fh)
            if n > min(have, 256 * MB):
                raise ValueError
            header = json.loads(_read(fh, n))
        need = 8 + n + max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except _Cut:
        raise ModelUnavailable("The model file '{p}' is cut short: the download stopped inside its header "
                               "({a} MB). Download '{f}' again (or copy it again), then reload the "
                               "model.", p=path, a=_mb(have), f=path.name) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, UnicodeDecodeError):
        raise ModelUnavailable("The model file '{p}' is not a safetensors file (its header cannot be read). "
                               "Download '{f}' again (or copy it again), then reload the model.", p=path,
                               f=path.name) from None
    if have < need:
        raise ModelUnavailable("The model file '{p}' is cut short: the download was cut at {a} of "
                               "{b} MB. Download '{f}' again (or copy it again), then reload the model.",
                               p=path, a=_mb(have), b=_mb(need), f=path.name)


def check_index(path: Path) -> None:
    """Raise ModelUnavailable when a sharded model's index names shard files that are not beside it."""
    try:
        weight_map = json.loads(path.read_text(encoding="utf-8")).get("weight_map") or {}
        shards = sorted({str(v) for v in weight_map.values()})
    except (OSError, ValueError, AttributeError):
        raise ModelUnavailable("The model index '{p}' cannot be read. Download '{f}' again (or copy it "
                               "again), then reload the model.", p=path, f=path.name) from None
    missing = [s for s in shards if not (path.parent / s).is_file()]
    if missing:
        listed = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
        raise ModelUnavailable("The model folder '{p}' is missing {a} of its {b} "
                               "weight files ({l}). Download the model again, all its files, then reload it.",
                               p=path.parent, a=len(missing), b=len(shards), l=listed)


def check_torch_zip(path: Path) -> None:
    """Raise ModelUnavailable when a PyTorch checkpoint (a zip: ``.pt``, ``.pth``, ``.bin``, ``.ckpt``) is damaged
    or declares a part that unpacks far beyond its packed size (a zip bomb: weights barely compress), before
    ``torch.load`` inflates anything."""
    import zipfile

    from .safezip import MAX_RATIO, RATIO_FROM

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ModelUnavailable("The model file '{p}' is damaged (its zip directory cannot be read). Download "
                               "'{f}' again (or copy it again), then reload the model.", p=path, f=path.name) from None
    for info in infos:
        packed = max(1, info.compress_size)
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * packed:
            raise ModelUnavailable("The model file '{p}' holds '{q}', packed "
                                   "{r} to 1; model weights barely pack, so it was not "
                                   "opened. Download '{f}' again (or copy it again), then reload the model.",
                                   p=path, q=info.filename[:120], r=f"{info.file_size // packed:,}", f=path.name)


def check_model_files(location: str | Path) -> None:
    """Check a model file, or every GGUF, safetensors file and shard index in a model folder (and its
    sub-folders, as diffusers keeps them), from their headers. Nothing that is not there is checked.

    Raises:
        ModelUnavailable: naming the damaged or missing file and what to do.
    """
    path = Path(location)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = []
        for i, f in enumerate(sorted(path.rglob("*"))):
            if i >= MAX_WALK:
                break
            if len(f.relative_to(path).parts) > 3:
                continue
            if f.is_symlink() and not f.exists():  # a Hugging Face cache link whose download never finished
                raise ModelUnavailable("The model folder '{p}' is missing '{f}' (its link "
                                       "points at nothing). Download the model again, all its files, then reload it.",
                                       p=path, f=f.relative_to(path))
            if f.is_file():
                files.append(f)
    else:
        return
    for f in files:
        name = f.name.lower()
        if name.endswith(".gguf"):
            check_gguf(f)
        elif name.endswith(".safetensors"):
            check_safetensors(f)
        elif name.endswith(".index.json"):
            check_index(f)
        elif name.endswith((".pt", ".pth", ".bin", ".ckpt")) and _is_zip(f):
            check_torch_zip(f)


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"
