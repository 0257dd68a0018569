"""One validated :class:`Settings` object, built from command-line flags and
``STUDIO_*`` environment variables (a flag wins over its variable).

Every flag of ``python app.py --help`` has a variable: ``--text-model`` is
``STUDIO_TEXT_MODEL``, ``--no-browser`` is ``STUDIO_NO_BROWSER=1``, and
``--auth`` is ``STUDIO_AUTH="user:pass,user2:pass2"``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from .errors import InvalidInput

TRUE = {"1", "true", "yes", "on"}
TEXT_BACKENDS = ("auto", "llama-server", "llama.cpp", "transformers", "openai")
PROVENANCE_MODES = ("full", "metadata", "off")  # --provenance (issue #30)
IMAGE_BACKENDS = ("auto", "local", "openai")
FALSE = {"0", "false", "no", "off", ""}


def _user_dir(env: str, fallback: str) -> Path:
    base = os.environ.get(env)
    return Path(base) if base else Path.home() / fallback


def default_data_dir() -> Path:
    """Per-user data folder: ``$XDG_DATA_HOME/studio`` or ``~/.local/share/studio``."""
    return _user_dir("XDG_DATA_HOME", ".local/share") / "studio"


def default_cache_dir() -> Path:
    """Per-user cache folder: ``$XDG_CACHE_HOME/studio`` or ``~/.cache/studio``."""
    return _user_dir("XDG_CACHE_HOME", ".cache") / "studio"


@dataclasses.dataclass
class Settings:
    """Everything the studio is configured with. Build it with :func:`parse_settings`.

    Paths are absolute after :meth:`validate`. ``auth`` is a list of
    ``(user, password)`` pairs; empty means no login.
    """

    listen: bool = False
    port: int = 7860
    share: bool = False
    auth: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # with --auth: the users who may download and delete models (issue #27)
    admins: list[str] = dataclasses.field(default_factory=list)
    no_browser: bool = False
    text_model: str = "smollm2-135m-instruct"
    text_backend: str = "auto"
    openai_base_url: str = ""
    openai_api_key: str = ""
    openai_context_size: int = 0
    # llama-server (issue #25): parallel writers it serves at once (0: 1 on a desktop, 4 with --listen/--share),
    # and where its binary is ("" : the one scripts/build_llama_server.sh built, or llama-server on the PATH)
    text_slots: int = 0
    llama_server: str = ""
    image_model: str = "dcgan-faces"
    image_backend: str = "auto"
    image_base_url: str = ""
    image_api_key: str = ""
    diffusion_model: str = "stabilityai/sd-turbo"
    style_model: str = "magenta-arbitrary"
    speech_model: str = "en_US-joe-medium"
    device: str = "auto"
    output_dir: Path | None = None
    data_dir: Path | None = None
    cache_dir: Path | None = None
    model_dirs: list[Path] = dataclasses.field(default_factory=list)
    offline: bool = False
    cpu_offload: bool = False
    attention_slicing: bool = False
    vae_tiling: bool = False
    compile: bool = False
    concurrency: int = 1
    max_image_side: int = 2048
    temp_max_age: int = 3600
    # uploads (issue #12): the largest file Gradio accepts, in MB
    max_upload_mb: int = 50
    # provenance (issue #30): full (C2PA + IPTC XMP + disclosures), metadata (no signature) or off
    provenance: str = "full"
    c2pa_cert: Path | None = None
    c2pa_key: Path | None = None

    @property
    def remote_images(self) -> bool:
        """True when pictures are made by the OpenAI-compatible server at ``image_base_url``."""
        return self.image_backend == "openai" or (self.image_backend == "auto" and bool(self.image_base_url))

    @property
    def host(self) -> str:
        """``0.0.0.0`` with ``--listen``, else loopback only."""
        return "0.0.0.0" if self.listen else "127.0.0.1"

    def validate(self) -> Settings:
        """Check every value once; fill in default folders. Returns ``self``.

        Raises:
            InvalidInput: naming the bad flag.
        """
        if not (1 <= self.port <= 65535):
            raise InvalidInput("--port", "must be between {a} and {b}, not {user_v}.", a=1, b=65535,
                               user_v=self.port)
        if self.concurrency < 1 or self.concurrency > 64:
            raise InvalidInput("--concurrency", "must be between {a} and {b}, not {user_v}.", a=1, b=64,
                               user_v=self.concurrency)
        if not (1 <= self.temp_max_age <= 7 * 86400):
            raise InvalidInput("--temp-max-age", "must be between {a} and {b} seconds, not {user_v}.", a=1,
                               b=604800, user_v=self.temp_max_age)
        if not (64 <= self.max_image_side <= 8192):
            raise InvalidInput("--max-image-side", "must be between {a} and {b} pixels, not {user_v}.", a=64,
                               b=8192, user_v=self.max_image_side)
        if not (1 <= self.max_upload_mb <= 10240):
            raise InvalidInput("--max-upload-mb", "must be between {a} and {b} MB, not {user_v}.", a=1,
                               b=10240, user_v=self.max_upload_mb)
        if self.text_backend not in TEXT_BACKENDS:
            raise InvalidInput("--text-backend", "must be one of {c}, not {user_v}.",
                               c=", ".join(TEXT_BACKENDS), user_v=repr(self.text_backend))
        self.openai_base_url = (self.openai_base_url or "").strip()
        if self.text_backend == "openai" and not self.openai_base_url:
            raise InvalidInput("--openai-base-url", "is needed with --text-backend openai: the server's address, "
                               "like {u} (or set OPENAI_BASE_URL).", u="http://gpu-box:8000/v1")
        if self.openai_base_url and not self.openai_base_url.startswith(("http://", "https://")):
            raise InvalidInput("--openai-base-url", "must start with http:// or https://, not {user_v}.",
                               user_v=repr(self.openai_base_url))
        self.image_base_url = (self.image_base_url or "").strip()
        if self.image_backend not in IMAGE_BACKENDS:
            raise InvalidInput("--image-backend", "must be one of {c}, not {user_v}.",
                               c=", ".join(IMAGE_BACKENDS), user_v=repr(self.image_backend))
        if self.image_backend == "openai" and not self.image_base_url:
            raise InvalidInput("--image-base-url", "is needed with --image-backend openai: the picture server's "
                                                   "address, such as http://gpu-box:8000/v1.")
        if self.image_base_url and not self.image_base_url.startswith(("http://", "https://")):
            raise InvalidInput("--image-base-url", "must start with http:// or https://, not {user_v}.",
                               user_v=repr(self.image_base_url))
        if not (self.openai_context_size == 0 or 256 <= self.openai_context_size <= 10_000_000):
            raise InvalidInput("--openai-context-size", "must be 0 (ask the server) or between 256 and 10,000,000 "
                               "tokens, not {user_v}.", user_v=self.openai_context_size)
        if not (0 <= self.text_slots <= 64):
            raise InvalidInput("--text-slots", "must be between 1 and 64 (0: automatic), not {v}.", v=self.text_slots)
        if self.text_slots == 0:
            self.text_slots = 4 if (self.listen or self.share) else 1
        for user, password in self.auth:
            if not user or not password:
                raise InvalidInput("--auth", "must look like USER:PASS, with neither part empty.")
        if self.provenance not in PROVENANCE_MODES:
            raise InvalidInput("--provenance", "must be one of {c}, not {user_v}.",
                               c=", ".join(PROVENANCE_MODES), user_v=repr(self.provenance))
        if bool(self.c2pa_cert) != bool(self.c2pa_key):
            raise InvalidInput("--c2pa-key" if self.c2pa_cert else "--c2pa-cert",
                               "is needed too: give both --c2pa-cert and --c2pa-key, or neither.")
        for flag, value in (("--c2pa-cert", self.c2pa_cert), ("--c2pa-key", self.c2pa_key)):
            if value and not Path(value).expanduser().is_file():
                raise InvalidInput(flag, "must be a PEM file; there is no file at {p}.", p=repr(str(value)))
        self.c2pa_cert = Path(self.c2pa_cert).expanduser().resolve() if self.c2pa_cert else None
        self.c2pa_key = Path(self.c2pa_key).expanduser().resolve() if self.c2pa_key else None
        unknown = [a for a in self.admins if a not in {u for u, _p in self.auth}]
        if unknown:
            raise InvalidInput("--admin", "must name a user of --auth; not one: {user_names}.",
                               user_names=", ".join(unknown))
        self.data_dir = Path(self.data_dir or default_data_dir()).expanduser().resolve()
        self.output_dir = Path(self.output_dir or self.data_dir / "outputs").expanduser().resolve()
        self.cache_dir = Path(self.cache_dir or default_cache_dir()).expanduser().resolve()
        self.model_dirs = [Path(p).expanduser().resolve() for p in self.model_dirs]
        if self.offline:
            os.environ["HF_HUB_OFFLINE"] = "1"
        return self

    def may_manage_models(self, user: str | None) -> bool:
        """Without --auth everyone may download and delete models; with it, only the --admin users."""
        return not self.auth or (user is not None and user in self.admins)

    @property
    def hub_offline(self) -> bool:
        """True with ``--offline`` or ``HF_HUB_OFFLINE=1``: only cached Hub models are used."""
        return self.offline or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in TRUE


def _env(name: str, default=None):
    return os.environ.get("STUDIO_" + name, default)


def _env_bool(name: str) -> bool:
    raw = _env(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidInput("STUDIO_" + name, "must be 1 or 0 (true/false), not {user_v}.", user_v=repr(raw))


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("STUDIO_" + name, "must be a whole number, not {user_v}.", user_v=repr(raw)) from None


def _parse_auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("must look like USER:PASS")
    return user, password


def build_parser() -> argparse.ArgumentParser:
    """The ``app.py`` argument parser; defaults come from ``STUDIO_*`` variables."""
    d = Settings()
    p = argparse.ArgumentParser(
        prog="app.py",
        description="Studio: write articles, make and restyle pictures, in your browser.",
    )
    p.add_argument("--listen", action="store_true", default=_env_bool("LISTEN"),
                   help="serve on all network interfaces (0.0.0.0) instead of this computer only [STUDIO_LISTEN]")
    p.add_argument("--port", type=int, default=_env_int("PORT", d.port), help="port to serve on [STUDIO_PORT]")
    p.add_argument("--share", action="store_true", default=_env_bool("SHARE"),
                   help="ask Gradio for a public share link [STUDIO_SHARE]")
    env_auth = [_parse_auth(a) for a in (_env("AUTH") or "").split(",") if a.strip()]
    p.add_argument("--auth", action="append", type=_parse_auth, default=None, metavar="USER:PASS",
                   help="require this login for the UI and the API; repeat for more users [STUDIO_AUTH=u:p,u2:p2]")
    p.set_defaults(env_auth=env_auth)
    p.add_argument("--admin", action="append", default=None, metavar="USER",
                   help="with --auth: a user who may download and delete models in the Models tab; repeatable "
                        "[STUDIO_ADMINS=u,u2]")
    p.add_argument("--no-browser", action="store_true", default=_env_bool("NO_BROWSER"),
                   help="do not open a browser window [STUDIO_NO_BROWSER]")
    p.add_argument("--text-model", default=_env("TEXT_MODEL", d.text_model),
                   help="language model: embedded name, Hub id or local folder [STUDIO_TEXT_MODEL]")
    p.add_argument("--text-backend", choices=TEXT_BACKENDS, default=_env("TEXT_BACKEND", d.text_backend),
                   help="what runs the language model: auto (for GGUF files on the CPU llama.cpp's own server, started "
                        "by Studio, once built, else llama.cpp in this process; transformers otherwise), llama-server "
                        "(always the server), llama.cpp (in this process), transformers, or openai (an "
                        "OpenAI-compatible server such as vLLM) [STUDIO_TEXT_BACKEND]")
    p.add_argument("--text-slots", type=int, default=_env_int("TEXT_SLOTS", d.text_slots),
                   help="writers llama-server writes for at once (its parallel slots; more wait in the queue): "
                        "default 1, or 4 with --listen/--share [STUDIO_TEXT_SLOTS]")
    p.add_argument("--llama-server", default=_env("LLAMA_SERVER", d.llama_server),
                   help="the llama-server program to run (default: the one scripts/build_llama_server.sh built, else "
                        "llama-server on the PATH) [STUDIO_LLAMA_SERVER]")
    p.add_argument("--openai-base-url", default=os.environ.get("OPENAI_BASE_URL", ""),
                   help="with --text-backend openai: the server's address, e.g. http://gpu-box:8000/v1 "
                        "[OPENAI_BASE_URL]")
    p.add_argument("--openai-api-key", default=os.environ.get("OPENAI_API_KEY", ""),
                   help="with --text-backend openai: the server's API key, if it wants one [OPENAI_API_KEY]")
    p.add_argument("--openai-context-size", type=int, default=_env_int("OPENAI_CONTEXT_SIZE", 0),
                   help="with --text-backend openai: the model's context length in tokens, when the server does "
                        "not report it (vLLM does) [STUDIO_OPENAI_CONTEXT_SIZE]")
    p.add_argument("--image-model", default=_env("IMAGE_MODEL", d.image_model),
                   help="image model: dcgan-faces, a diffusers Hub id or local folder [STUDIO_IMAGE_MODEL]")
    _add_image_server_flags(p, d)
    p.add_argument("--diffusion-model", default=_env("DIFFUSION_MODEL", d.diffusion_model),
                   help="diffusion model offered beside the GAN when it is cached or the Hub is reachable [STUDIO_DIFFUSION_MODEL]")
    p.add_argument("--style-model", default=_env("STYLE_MODEL", d.style_model),
                   help="style-transfer model [STUDIO_STYLE_MODEL]")
    p.add_argument("--speech-model", default=_env("SPEECH_MODEL", d.speech_model),
                   help="Piper voice for Listen and audio/video exports: en_US-joe-medium, or the path of a "
                        "voice's .onnx file (with its .onnx.json) [STUDIO_SPEECH_MODEL]")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=_env("DEVICE", d.device),
                   help="where models run [STUDIO_DEVICE]")
    p.add_argument("--output-dir", default=_env("OUTPUT_DIR"), help="where images are saved [STUDIO_OUTPUT_DIR]")
    p.add_argument("--data-dir", default=_env("DATA_DIR"), help="the writer's library folder [STUDIO_DATA_DIR]")
    p.add_argument("--cache-dir", default=_env("CACHE_DIR"), help="cache of converted weights [STUDIO_CACHE_DIR]")
    p.add_argument("--model-dir", action="append", default=None,
                   help="a folder whose models may be picked in the UI or API; repeatable [STUDIO_MODEL_DIRS, ':'-separated]")
    p.add_argument("--offline", action="store_true", default=_env_bool("OFFLINE"),
                   help="never contact the Hugging Face Hub; use cached and embedded models [STUDIO_OFFLINE]")
    p.add_argument("--cpu-offload", action="store_true", default=_env_bool("CPU_OFFLOAD"),
                   help="diffusion: keep idle model parts in CPU memory (accelerate) [STUDIO_CPU_OFFLOAD]")
    p.add_argument("--attention-slicing", action="store_true", default=_env_bool("ATTENTION_SLICING"),
                   help="diffusion: compute attention in slices to save memory [STUDIO_ATTENTION_SLICING]")
    p.add_argument("--vae-tiling", action="store_true", default=_env_bool("VAE_TILING"),
                   help="diffusion: decode large images tile by tile [STUDIO_VAE_TILING]")
    p.add_argument("--compile", action="store_true", default=_env_bool("COMPILE"),
                   help="diffusion: torch.compile the UNet (slow first image) [STUDIO_COMPILE]")
    p.add_argument("--concurrency", type=int, default=_env_int("CONCURRENCY", d.concurrency),
                   help="jobs per heavy model at once [STUDIO_CONCURRENCY]")
    p.add_argument("--max-image-side", type=int, default=_env_int("MAX_IMAGE_SIDE", d.max_image_side),
                   help="largest width or height, in pixels, a user may ask for [STUDIO_MAX_IMAGE_SIDE]")
    p.add_argument("--temp-max-age", type=int, default=_env_int("TEMP_MAX_AGE", d.temp_max_age),
                   help="seconds before Gradio's temporary copies of uploads and results are deleted [STUDIO_TEMP_MAX_AGE]")
    # ----- uploads (issue #12) -----
    p.add_argument("--max-upload-mb", type=int, default=_env_int("MAX_UPLOAD_MB", d.max_upload_mb),
                   help="largest file, in MB, anyone may upload (pictures, imports); larger ones are refused "
                        "before they are stored [STUDIO_MAX_UPLOAD_MB]")
    _add_provenance_flags(p, d)
    return p


def _add_image_server_flags(p: argparse.ArgumentParser, d: Settings) -> None:
    """Pictures from an OpenAI-compatible server (issue #28)."""
    p.add_argument("--image-backend", choices=IMAGE_BACKENDS, default=_env("IMAGE_BACKEND", d.image_backend),
                   help="what makes pictures: local (this computer), openai (an OpenAI-compatible picture server "
                        "such as vLLM-Omni or another Studio, at --image-base-url), or auto (openai when "
                        "--image-base-url is given, else local) [STUDIO_IMAGE_BACKEND]")
    p.add_argument("--image-base-url", default=_env("IMAGE_BASE_URL", ""),
                   help="the picture server's address, e.g. http://gpu-box:8000/v1 [STUDIO_IMAGE_BASE_URL]")
    p.add_argument("--image-api-key", default=_env("IMAGE_API_KEY", ""),
                   help="the picture server's API key, if it wants one [STUDIO_IMAGE_API_KEY]")


def _add_provenance_flags(p: argparse.ArgumentParser, d: Settings) -> None:
    """Content Credentials and disclosures (issue #30)."""
    p.add_argument("--provenance", choices=PROVENANCE_MODES, default=_env("PROVENANCE", d.provenance),
                   help="what Studio says about what it made: full = signed C2PA Content Credentials, IPTC "
                        "digital source type and export disclosures; metadata = all but the signature; off = "
                        "none (nor the generation parameters) [STUDIO_PROVENANCE]")
    p.add_argument("--c2pa-cert", default=_env("C2PA_CERT"),
                   help="your organisation's C2PA signing certificate chain (PEM); default: Studio's own, made "
                        "in the data folder on first start [STUDIO_C2PA_CERT]")
    p.add_argument("--c2pa-key", default=_env("C2PA_KEY"),
                   help="the private key (PEM) of --c2pa-cert [STUDIO_C2PA_KEY]")


def parse_settings(argv: list[str] | None = None) -> Settings:
    """Parse ``argv`` (default ``sys.argv[1:]``) and the environment into validated Settings.

    Raises:
        InvalidInput: a value is out of range (argparse itself exits on
            malformed flags).
    """
    ns = build_parser().parse_args(argv)
    _use_stored_defaults(ns, sys.argv[1:] if argv is None else argv)
    model_dirs = ns.model_dir or [p for p in (_env("MODEL_DIRS") or "").split(os.pathsep) if p]
    return Settings(
        listen=ns.listen, port=ns.port, share=ns.share,
        auth=ns.auth if ns.auth is not None else ns.env_auth,
        admins=ns.admin if ns.admin is not None else [a.strip() for a in (_env("ADMINS") or "").split(",") if a.strip()],
        no_browser=ns.no_browser, text_model=ns.text_model, text_backend=ns.text_backend,
        openai_base_url=ns.openai_base_url, openai_api_key=ns.openai_api_key,
        openai_context_size=ns.openai_context_size, text_slots=ns.text_slots, llama_server=ns.llama_server,
        image_model=ns.image_model,
        image_backend=ns.image_backend, image_base_url=ns.image_base_url, image_api_key=ns.image_api_key,
        diffusion_model=ns.diffusion_model, style_model=ns.style_model, speech_model=ns.speech_model,
        device=ns.device,
        output_dir=ns.output_dir, data_dir=ns.data_dir, cache_dir=ns.cache_dir,
        model_dirs=[Path(p) for p in model_dirs], offline=ns.offline,
        cpu_offload=ns.cpu_offload, attention_slicing=ns.attention_slicing,
        vae_tiling=ns.vae_tiling, compile=ns.compile, concurrency=ns.concurrency,
        max_image_side=ns.max_image_side, temp_max_age=ns.temp_max_age,
        max_upload_mb=ns.max_upload_mb, provenance=ns.provenance, c2pa_cert=ns.c2pa_cert, c2pa_key=ns.c2pa_key,
    ).validate()


def stored_defaults(data_dir) -> dict[str, str]:
    """The models made default in the Models tab (kind -> reference), from ``DATA_DIR/models.json``; {} if none."""
    import json

    try:
        value = json.loads((Path(data_dir) / "models.json").read_text(encoding="utf-8"))
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and v.strip()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _use_stored_defaults(ns: argparse.Namespace, argv: list[str]) -> None:
    """Use the stored default models where neither a flag nor a ``STUDIO_*`` variable names one."""
    stored = stored_defaults(Path(ns.data_dir or default_data_dir()).expanduser())
    for kind, flag, env in (("text", "--text-model", "TEXT_MODEL"), ("diffusion", "--diffusion-model", "DIFFUSION_MODEL"),
                            ("speech", "--speech-model", "SPEECH_MODEL")):
        given = any(a == flag or a.startswith(flag + "=") for a in argv) or _env(env) is not None
        if kind in stored and not given:
            setattr(ns, flag[2:].replace("-", "_"), stored[kind])
