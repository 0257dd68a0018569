"""OpenCV's inpainting, stoppable and bounded.

``cv2.inpaint`` is one C++ call that cannot be interrupted, and its time grows with the filled area
times the radius squared (on this project's 2-core test machine about 30-70 ns per pixel per px² of
radius: an 886×886 fill at radius 32 took 26-48 s, a 2048×2048 outpaint takes minutes). So:

* :func:`check_cost` refuses, before any work, a fill over :data:`MAX_COST` (filled pixels × radius²,
  about half a minute at most), naming the largest radius that fits;
* :func:`inpaint` runs a small fill in this process, and a larger one (over :data:`INLINE_COST`) in a
  child process (the same Python, running only numpy and OpenCV) that Stop ends at once: the caller
  checks its stop event every 0.1 s and kills the child.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import threading

import numpy as np

from ..errors import Cancelled, InvalidInput, StudioError

MAX_COST = 500_000_000  # filled pixels × radius²: about 15-35 s of cv2.inpaint on a slow CPU
INLINE_COST = 10_000_000  # below this (about half a second) the fill runs in this process
POLL_SECONDS = 0.1

_WORKER = """
import io, sys
import numpy as np, cv2
data = np.load(io.BytesIO(sys.stdin.buffer.read()))
flag = cv2.INPAINT_TELEA if int(data["telea"]) else cv2.INPAINT_NS
out = cv2.inpaint(np.ascontiguousarray(data["rgb"]), data["mask"], float(data["radius"]), flag)
buf = io.BytesIO()
np.save(buf, out, allow_pickle=False)
sys.stdout.buffer.write(buf.getvalue())
"""


def cost(mask: np.ndarray, radius: int) -> int:
    """The work of a fill: filled pixels × radius²."""
    return int(np.count_nonzero(mask)) * int(radius) ** 2


def check_cost(mask: np.ndarray, radius: int, field: str = "opencv_radius") -> None:
    """Refuse a fill over :data:`MAX_COST` before any work, naming the largest radius that fits.

    Raises:
        InvalidInput: (``field``) the area to fill times the radius squared is too large.
    """
    filled = int(np.count_nonzero(mask))
    if filled * radius ** 2 <= MAX_COST:
        return
    fits = int(math.isqrt(MAX_COST // max(1, filled)))
    if fits >= 1:
        raise InvalidInput(field, "{r} px over {n} pixels to fill would take OpenCV minutes, and every "
                                  "other repair would wait. For an area this large use a radius of at most {m} px, "
                                  "or fill a smaller area.", r=radius, n=f"{filled:,}", m=fits)
    raise InvalidInput(field, "the area to fill ({n} pixels) is too large for OpenCV. Fill a smaller area, "
                              "or use an inpainting model.", n=f"{filled:,}")


def inpaint(rgb: np.ndarray, mask: np.ndarray, telea: bool, radius: int,
            stop: threading.Event | None = None) -> np.ndarray:
    """``cv2.inpaint`` of ``rgb`` (uint8 ``(H, W, 3)``) where ``mask`` (uint8 ``(H, W)``) is non-zero.

    Raises:
        InvalidInput: over :data:`MAX_COST`. Cancelled: ``stop`` was set (the child process is killed).
        StudioError: the child process failed.
    """
    check_cost(mask, radius)
    if cost(mask, radius) <= INLINE_COST:
        import cv2

        flag = cv2.INPAINT_TELEA if telea else cv2.INPAINT_NS
        return cv2.inpaint(np.ascontiguousarray(rgb), mask, float(radius), flag)
    buf = io.BytesIO()
    np.savez(buf, rgb=np.ascontiguousarray(rgb), mask=mask, radius=np.int64(radius), telea=np.int64(bool(telea)))
    return _run_child(buf.getvalue(), stop)


def _run_child(payload: bytes, stop: threading.Event | None) -> np.ndarray:
    """Run :data:`_WORKER` on ``payload``, checking ``stop`` every :data:`POLL_SECONDS`."""
    proc = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = True
    try:
        while True:
            if stop is not None and stop.is_set():
                raise Cancelled()
            try:
                out, err = proc.communicate(payload if first else None, timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                first = False
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise StudioError("OpenCV's inpainting failed ({e}). Try a smaller radius or area.", e=tail[0][:200])
    return np.load(io.BytesIO(out), allow_pickle=False)
