"""Device and dtype choice, and memory facts.

Order of preference for ``auto``: CUDA, then Apple MPS, then CPU.
Dtypes: CUDA bfloat16 where the card supports it (else float16), MPS float16,
CPU float32.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidInput, OutOfMemory
from .lazy import lazy_import, torch_oom
from .messages import Message

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(preference: str = "auto") -> torch.device:
    """Return the torch device for ``preference``.

    Args:
        preference: one of ``auto``, ``cpu``, ``cuda``, ``mps``.

    Raises:
        InvalidInput: the preference is unknown, or names a device this
            machine does not have.
    """
    if preference not in DEVICE_CHOICES:
        raise InvalidInput("device", "must be one of {c}, not {user_v}.", c=", ".join(DEVICE_CHOICES),
                           user_v=repr(preference))
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if preference == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device", "cuda was asked for, but no CUDA GPU is visible. Use --device cpu or auto.")
    if preference == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise InvalidInput("device", "mps was asked for, but Apple Metal is not available. Use --device cpu or auto.")
    return torch.device(preference)


def gpu_possible() -> bool:
    """False when torch certainly sees no GPU here, known without importing torch: not macOS (no
    MPS), and the installed torch build has neither CUDA nor ROCm (``torch/version.py``). True
    otherwise (then only torch can tell), also when torch is already imported."""
    if "torch" in sys.modules or sys.platform == "darwin":
        return True
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return True  # let torch's own import error show where it is needed
    try:
        text = (Path(list(spec.submodule_search_locations)[0]) / "version.py").read_text(encoding="utf-8")
    except OSError:
        return True
    return not all(re.search(rf"^{name}\s*(?::[^=\n]*)?=\s*None\s*$", text, re.MULTILINE) for name in ("cuda", "hip"))


def pick_dtype(device: torch.device) -> torch.dtype:
    """The compute dtype for ``device``: CUDA bf16/fp16, MPS fp16, CPU fp32."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def free_memory(device: torch.device | str | None = None) -> None:
    """Release cached allocator memory after a model is dropped or an OOM.

    ``device`` is a torch device, or its type as a string (``"cpu"``, ``"cuda"``...).
    """
    gc.collect()
    if "torch" not in sys.modules:  # nothing ran on torch yet: no device memory is cached
        return
    device = torch.device(device) if isinstance(device, str) else device
    if torch.cuda.is_available() and (device is None or device.type == "cuda"):
        torch.cuda.empty_cache()
    if device is not None and device.type == "mps":  # pragma: no cover - mac only
        torch.mps.empty_cache()


@contextlib.contextmanager
def oom_guard(device, message: str) -> Iterator[None]:
    """Context manager for work that may run out of memory: a ``torch.OutOfMemoryError`` (device
    memory) or ``MemoryError`` (host memory) inside it releases the cached memory of ``device``
    (see :func:`free_memory`) and becomes :class:`~studio.errors.OutOfMemory` with ``message``,
    which should say what to make smaller. Used by every engine that runs a model.

    ``device`` is a ``torch.device``, None (every CUDA device), or an object with a ``device``
    attribute (the :class:`~studio.models.ModelManager`), read only once memory ran out.

    Raises:
        OutOfMemory: the work inside ran out of memory.
    """
    try:
        yield
    except torch_oom() + (MemoryError,):  # torch_oom: no torch import on an ordinary error
        free_memory(device if device is None or isinstance(device, torch.device) else device.device)
        if isinstance(message, Message):  # shown by its id
            raise OutOfMemory(message.template, **message.params) from None
        raise OutOfMemory(message) from None


@contextlib.contextmanager
def exact_fp32_convolutions() -> Iterator[None]:
    """Inside the block, cuDNN runs float32 convolutions in full float32, not TF32.

    PyTorch lets cuDNN use TF32 (10-bit mantissa) for float32 convolutions on Ampere and newer
    GPUs by default. For the style networks that made a preset's picture on an H200 differ from
    the CPU's by 5.2 levels on average and up to 98 (scripts/gpu_check.py, "style preset"); with
    TF32 off the difference was 0.002 (max 1). The flag is process-wide, so hold the device lock
    around the block. No effect on a CPU.
    """
    cudnn = torch.backends.cudnn
    with cudnn.flags(enabled=cudnn.enabled, benchmark=cudnn.benchmark, deterministic=cudnn.deterministic,
                     allow_tf32=False):
        yield


def memory_summary(device: torch.device) -> str:
    """One line of memory facts for the status bar, e.g. ``"cuda: 3.1/80.0 GiB used"``."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return f"cuda: {(total - free) / 2**30:.1f}/{total / 2**30:.1f} GiB used"
    return device.type
