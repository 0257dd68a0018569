"""llama.cpp's own ``llama-server`` as Studio's embedded text engine: finding the program, starting it,
watching it and stopping it (issue #25). :mod:`.server_backend` talks to it.

* The program: ``--llama-server PATH`` (``STUDIO_LLAMA_SERVER``), else the one ``scripts/build_llama_server.sh`` built
  (``~/.cache/studio/llama-server/<version>-<flags>/llama-server``, from the llama.cpp sources of the
  llama-cpp-python version Studio pins), else ``llama-server`` on the PATH.
* It is started on the first use of a GGUF model, on loopback only, on a free port, with a random API key
  (other programs on the computer cannot use it), ``--parallel`` slots (``--text-slots``), continuous
  batching, each slot's context the GGUF's own length (capped as the in-process engine caps it) and the
  prompt cache on. It runs in a process group of its own, stopped when the model is dropped and when
  Studio ends (``atexit``; a Studio ended by a signal takes it along: ``PR_SET_PDEATHSIG`` on Linux).
* When it dies (a crash, killed from outside), the request that saw it fails with a clear message (the
  writer's text so far is kept by the engine) and the next one starts it again.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..messages import Message
from ..settings import Settings, default_cache_dir

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0  # loading a large GGUF from a slow disk can take a while
_RUNNING: weakref.WeakSet[ServerProcess] = weakref.WeakSet()


def pinned_version() -> str:
    """The llama-cpp-python version whose llama.cpp sources the server is built from (the installed one)."""
    try:
        from importlib.metadata import version

        return version("llama-cpp-python")
    except Exception:  # noqa: BLE001 - not installed: any build will do
        return ""


def find_binary(settings: Settings | None = None) -> Path | None:
    """The llama-server program to run, or None when there is none (see the module docstring)."""
    wanted = (settings.llama_server if settings else "") or os.environ.get("STUDIO_LLAMA_SERVER", "")
    if wanted:
        path = Path(wanted).expanduser()
        return path if path.is_file() and os.access(path, os.X_OK) else None
    root = default_cache_dir() / "llama-server"
    version = pinned_version()
    built = sorted(root.glob(f"{version}-*/llama-server" if version else "*/llama-server"),
                   key=lambda p: p.stat().st_mtime, reverse=True) if root.is_dir() else []
    for path in built:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("llama-server")
    return Path(found) if found else None


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_studio() -> None:
    """In the server's process before it runs (Linux): SIGTERM when the thread that started it ends. Started
    from :data:`_SPAWNER`'s one thread, which lives as long as Studio: a Studio ended by SIGTERM or SIGKILL
    (where ``atexit`` does not run) takes its servers along."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: atexit still stops it
        pass


_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="studio-llama-server")


class ServerProcess:
    """One running ``llama-server`` for one GGUF file.

    Args:
        binary: the program.
        model: the GGUF file.
        slots: parallel slots (writers served at once).
        slot_context: tokens of context per slot.
        threads: CPU threads.
        lora: a GGUF LoRA adapter loaded at start (applied per request), or None.
        gpu: put every layer on the GPU (a CUDA build).
    """

    def __init__(self, binary: Path, model: Path, slots: int, slot_context: int, threads: int,
                 lora: Path | None = None, gpu: bool = False, log_dir: Path | None = None):
        self.binary, self.model, self.slots, self.slot_context = binary, model, slots, slot_context
        self.threads, self.lora, self.gpu = threads, lora, gpu
        self.log_path = (log_dir or Path("/tmp")) / f"llama-server-{os.getpid()}-{id(self):x}.log"
        self.key = secrets.token_urlsafe(24)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line (without the API key's value in logs: see :meth:`start`)."""
        cmd = [str(self.binary), "-m", str(self.model), "--host", "127.0.0.1", "--port", str(self.port),
               "--api-key", self.key, "--parallel", str(self.slots), "--cont-batching",
               "--ctx-size", str(self.slot_context * self.slots), "--threads", str(self.threads),
               "--threads-batch", str(self.threads), "--no-webui", "--n-gpu-layers", "999" if self.gpu else "0"]
        if self.lora is not None:
            cmd += ["--lora", str(self.lora)]
        return cmd

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def gone(self, within_s: float = 2.0) -> bool:
        """True when the server has exited or exits within ``within_s`` seconds: a killed server's connections
        close a moment before its process is reaped, so a broken stream alone does not tell yet."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def start(self) -> None:
        """Start the server and wait until it answers ``/health``.

        Raises:
            ValueError: the server exited while loading (a corrupt or unsupported GGUF): its last log line.
            RuntimeError: it did not become ready in :data:`START_TIMEOUT_S` seconds.
        """
        import httpx

        with self._lock:
            if self.alive():
                return
            self.port = free_port()
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            logf = open(self.log_path, "wb")  # noqa: SIM115 - the server's log, open for the server's life
            self.proc = _SPAWNER.submit(subprocess.Popen, self.command(), stdin=subprocess.DEVNULL, stdout=logf,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_die_with_studio).result()
            logf.close()
            _RUNNING.add(self)
            t0 = time.monotonic()
            # one client for the polling, plain HTTP on loopback (verify=False: no system certificates loaded,
            # which held the GIL ~40 ms per request while the page was being built beside it)
            with httpx.Client(timeout=2, verify=False) as probe:
                while time.monotonic() - t0 < START_TIMEOUT_S:
                    if self.proc.poll() is not None:
                        raise ValueError(Message("llama-server could not load {f}: {e}", f=self.model.name,
                                                 e=self.last_error()))
                    try:
                        if probe.get(self.url + "/health").status_code == 200:
                            log.info("llama-server: %s on %s, %d slot(s) of %d tokens, %d threads (%.1f s)",
                                     self.model.name, self.url, self.slots, self.slot_context, self.threads,
                                     time.monotonic() - t0)
                            return
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.05)
            self.stop()
            raise RuntimeError(f"llama-server did not get ready in {START_TIMEOUT_S:.0f} s ({self.last_error()})")

    def last_error(self) -> str:
        """The most telling line of the server's log (an error line, else the last one)."""
        try:
            lines = [ln.strip() for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        errors = [ln for ln in lines if "error" in ln.lower() or "failed" in ln.lower()]
        return (errors or lines or ["no output"])[-1][:300]

    def ensure(self) -> bool:
        """Start the server again if it died; True when it was restarted."""
        if self.alive():
            return False
        with self._lock:
            was_running = self.proc is not None
        if was_running:
            self.restarts += 1
            log.warning("llama-server for %s had stopped (%s); starting it again", self.model.name,
                        self.last_error())
        self.start()
        return was_running

    def stop(self) -> None:
        """Stop the server (its whole process group): SIGTERM, then SIGKILL after 5 s."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __del__(self):  # the backend holding it was dropped (model evicted)
        with contextlib.suppress(Exception):  # the interpreter may be shutting down
            self.stop()


@atexit.register
def stop_all() -> None:
    """Stop every server this Studio started (run when Studio ends)."""
    for server in list(_RUNNING):
        server.stop()
