"""Pictures from an OpenAI-compatible server (``--image-backend openai``): vLLM-Omni, another Studio,
LocalAI, SGLang...

Text to picture goes to ``POST {base}/images/generations`` with OpenAI's fields (``model``,
``prompt``, ``n``, ``size``, ``response_format=b64_json``) and the ones vLLM-Omni takes beside them
(``negative_prompt``, ``num_inference_steps``, ``guidance_scale``, ``seed``). Image to image, restyle
and repair go to ``POST {base}/images/edits`` as a multipart form (``image``, ``mask`` where there is
one, ``prompt``, ``model``, ``n``, ``response_format``; ``negative_prompt``, ``strength``,
``num_inference_steps``, ``guidance_scale``, ``seed`` as extra fields). The mask is sent the OpenAI
way: transparent where the picture is to be edited.

Each picture is asked for alone with its own seed (picture ``i`` of a batch uses ``seed + i``), as
the local engines do, so a seed remakes its picture on any server that honours seeds. Stop closes the
connection; the server may still finish the picture it is on. The server sends no steps, so progress
counts pictures. Every fault names the URL or the field: unreachable, refused key, unknown model
(with the server's models), a reply that is not OpenAI-shaped, a picture that does not decode, a
server that drops mid-request.
"""

from __future__ import annotations

import base64
import io
import threading
import time

import numpy as np
from PIL import Image

from ..errors import Cancelled, InvalidInput, ModelUnavailable, StudioError, raise_if_stopped
from ..messages import Message
from ..settings import Settings
from ..validate import check_int, check_seed, check_text, seed_at

STOP_NOTE = "Stopped. The picture server may still finish the picture it was making."
MODELS_TTL_S = 30.0
FAILED_TTL_S = 5.0


class RemoteImages:
    """A client of the picture server at ``settings.image_base_url``; thread-safe, no per-user state."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.base_url = settings.image_base_url.rstrip("/")
        self._models: tuple[float, list[str]] | None = None
        self._failed: tuple[float, StudioError] | None = None
        self._lock = threading.Lock()

    # ----- the connection -----------------------------------------------------------------
    def _client(self):
        import httpx

        headers = {"Authorization": f"Bearer {self.settings.image_api_key}"} if self.settings.image_api_key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=httpx.Timeout(600.0, connect=10.0))

    def _call(self, method: str, path: str, stop: threading.Event | None, **kwargs) -> dict:
        """The JSON answer of one request, run in a worker so that Stop can close the connection."""
        client = self._client()
        box: dict = {}

        def work():
            try:
                box["response"] = client.request(method, path, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box["error"] = exc

        worker = threading.Thread(target=work, name="studio-remote-image", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
                if stop is not None and stop.is_set():
                    client.close()  # the server sees the connection go
                    raise Cancelled(STOP_NOTE)
        finally:
            if not worker.is_alive():
                client.close()
        if "error" in box:
            raise self._fault(box["error"], path)
        return self._json(box["response"], path)

    def _fault(self, exc: BaseException, path: str) -> StudioError:
        import httpx

        url = self.base_url + path
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return ModelUnavailable("Cannot reach the picture server at {u} ({e}). "
                                    "Check --image-base-url and that the server is running.", u=self.base_url,
                                    e=type(exc).__name__)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError)):
            return StudioError("The picture server at {u} dropped the request before answering "
                               "({e}). Nothing was saved; try again.", u=url, e=type(exc).__name__)
        return StudioError("Talking to the picture server at {u} failed ({e}).", u=url,
                           e=f"{type(exc).__name__}: {str(exc)[:200]}")

    def _json(self, response, path: str) -> dict:
        url = self.base_url + path
        try:
            body = response.json()
        except ValueError:
            body = None
        message = ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = str(body["error"].get("message") or "")
        if response.status_code in (401, 403):
            raise ModelUnavailable("The picture server at {u} refused the API key (HTTP "
                                   "{c}). Check --image-api-key (STUDIO_IMAGE_API_KEY).", u=self.base_url,
                                   c=response.status_code)
        if response.status_code == 400 and isinstance(body, dict) and isinstance(body.get("error"), dict):
            param = body["error"].get("param") or "prompt"
            raise InvalidInput(str(param), "the picture server at {u} refused it: {m}", u=self.base_url, m=message)
        if response.status_code >= 400 and message:
            raise StudioError("The picture server at {u} answered HTTP {c}: {m}", u=url, c=response.status_code,
                              m=message[:300])
        if response.status_code >= 400:
            raise StudioError("The picture server at {u} answered HTTP {c}.", u=url, c=response.status_code)
        if not isinstance(body, dict):
            raise StudioError("The picture server at {u} sent a reply that is not OpenAI-shaped (not a JSON "
                              "object). Check --image-base-url (it usually ends in /v1).", u=url)
        return body

    # ----- models -------------------------------------------------------------------------
    def models(self) -> list[str]:
        """The server's model names (GET /models, kept for 30 s). Raises ModelUnavailable."""
        with self._lock:
            if self._models and time.monotonic() - self._models[0] < MODELS_TTL_S:
                return list(self._models[1])
            if self._failed and time.monotonic() - self._failed[0] < FAILED_TTL_S:
                raise self._failed[1]  # a server that is down is not asked again by every tab at start-up
        try:
            body = self._call("GET", "/models", None)
        except StudioError as exc:
            with self._lock:
                self._failed = (time.monotonic(), exc)
            raise
        try:
            names = [str(m["id"]) for m in body["data"]]
        except (KeyError, TypeError):
            raise StudioError("The picture server at {u} sent a reply that is not OpenAI-shaped "
                              "(no 'data' list of models with an 'id').", u=f"{self.base_url}/models") from None
        kinds = {str(m["id"]): m.get("kind") for m in body["data"] if isinstance(m, dict)}
        names = [n for n in names if kinds.get(n) in (None, "image")]  # another Studio says which are pictures
        with self._lock:
            self._models = (time.monotonic(), names)
        return names

    def check_model(self, model: str) -> str:
        names = self.models()
        if model not in names:
            raise ModelUnavailable("model: the picture server at {u} has no model '{m}'. It serves: {l}.",
                                   field="model", u=self.base_url, m=model,
                                   l=", ".join(names[:20]) or Message("no models"))
        return model

    # ----- pictures ------------------------------------------------------------------------
    def _pictures(self, body: dict, path: str) -> list[Image.Image]:
        url = self.base_url + path
        try:
            items = [d["b64_json"] for d in body["data"]]
        except (KeyError, TypeError):
            raise StudioError("The picture server at {u} sent a reply that is not OpenAI-shaped (no 'data' list "
                              "of pictures with 'b64_json').", u=url) from None
        out = []
        for i, item in enumerate(items):
            try:
                im = Image.open(io.BytesIO(base64.b64decode(item)))
                im.load()
            except Exception as exc:  # noqa: BLE001 - whatever the decoder says
                raise StudioError("The picture server at {u} sent a picture that does not decode (data[{i}]."
                                  "b64_json: {e}).", u=url, i=i, e=type(exc).__name__) from None
            out.append(im.convert("RGB"))
        if not out:
            raise StudioError("The picture server at {u} sent no picture.", u=url)
        return out

    def generate(self, *, prompt: str, negative_prompt: str = "", model: str, width: int | None,
                 height: int | None, num_inference_steps: int | None, guidance_scale: float | None, seed: int,
                 num_images: int, stop: threading.Event | None = None, progress=None
                 ) -> tuple[list[Image.Image], list[dict], int]:
        """``num_images`` pictures, one request each, picture ``i`` with seed ``seed + i``.
        Returns ``(pictures, params, first seed)``."""
        prompt = check_text("prompt", prompt, required=False)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        num_images = check_int("num_images", num_images, 1, 64)
        seed = check_seed(seed)
        model = self.check_model(model)
        images, params = [], []
        for i in range(num_images):
            raise_if_stopped(stop)
            s = seed_at(seed, i)
            body = {"model": model, "prompt": prompt, "n": 1, "response_format": "b64_json", "seed": s}
            if width and height:
                body["size"] = f"{int(width)}x{int(height)}"
            extras = {"negative_prompt": negative_prompt or None, "num_inference_steps": num_inference_steps,
                      "guidance_scale": guidance_scale}
            body.update({k: v for k, v in extras.items() if v is not None})
            im = self._pictures(self._call("POST", "/images/generations", stop, json=body), "/images/generations")[0]
            images.append(im)
            params.append({"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps":
                           num_inference_steps, "guidance_scale": guidance_scale, "seed": s, "width": im.width,
                           "height": im.height, "model": model, "engine": "openai", "server": self.base_url})
            if progress is not None:
                progress(i + 1, num_images)
        return images, [{k: v for k, v in p.items() if v is not None} for p in params], seed

    def edit(self, image: Image.Image, mask: np.ndarray | None, *, prompt: str, negative_prompt: str = "",
             model: str, strength: float | None, num_inference_steps: int | None, guidance_scale: float | None,
             seed: int, stop: threading.Event | None = None) -> Image.Image:
        """One edited picture: ``mask`` (bool, True = edit) is sent transparent where to edit."""
        model = self.check_model(model)
        files = {"image": ("image.png", _png(image), "image/png")}
        if mask is not None:
            alpha = np.where(mask, 0, 255).astype(np.uint8)
            rgba = np.dstack([np.zeros(mask.shape + (3,), np.uint8), alpha])
            files["mask"] = ("mask.png", _png(Image.fromarray(rgba, "RGBA")), "image/png")
        data = {"model": model, "prompt": prompt, "n": "1", "response_format": "b64_json", "seed": str(seed)}
        extras = {"negative_prompt": negative_prompt or None, "strength": strength,
                  "num_inference_steps": num_inference_steps, "guidance_scale": guidance_scale}
        data.update({k: str(v) for k, v in extras.items() if v is not None})
        out = self._pictures(self._call("POST", "/images/edits", stop, data=data, files=files), "/images/edits")[0]
        return out if out.size == image.size else out.resize(image.size, Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
