"""A stand-in for the Hugging Face Hub on loopback, for tests (no network).

It answers the requests the real ``huggingface_hub`` client makes, with the
Hub's own response shapes:

* ``GET /api/models?search=...[&pipeline_tag=...][&full=true]`` — a list of models (``id``, ``modelId``,
  ``tags``, ``pipeline_tag``, ``library_name``, ``downloads``, ``likes``, ``gated``; with ``full``, their
  ``siblings``);
* ``GET /api/models/{org}/{name}[/revision/{rev}]`` — model info with ``sha``,
  ``cardData`` (licence, languages) and ``siblings`` (``rfilename``, ``size``,
  ``lfs`` with ``sha256``);
* ``HEAD``/``GET /{org}/{name}/resolve/{rev}/{file}`` — the file, with ``ETag``
  (the sha256 of an LFS file, quoted), ``X-Repo-Commit``, ``Content-Length``,
  ``Accept-Ranges`` and ``Range`` requests (206) for resuming;
* a gated repository answers 401 with ``X-Error-Code: GatedRepo`` without a token
  (403 with a token that was not granted), as the Hub does.

Knobs for tests: ``rate`` (bytes per second a file is sent at), ``corrupt`` (file
names whose bytes are flipped but whose length and ETag are kept) and
``requests`` (every ``(method, path, range)`` seen).

Use it with ``HF_ENDPOINT=http://127.0.0.1:PORT``::

    with HubStandIn() as hub:
        hub.add_repo("org/tiny-GGUF", {"tiny-q4_k_m.gguf": data}, license="apache-2.0")

:func:`tiny_piper_voice` builds a tiny Piper-shaped voice (a random ONNX model with the inputs and output
piper-tts 1.8 feeds and reads, and its ``.onnx.json``) that Piper loads and speaks with like any voice.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse


class HubStandIn:
    """A tiny Hub on ``127.0.0.1:port``; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.repos: dict[str, dict] = {}
        self.rate: float | None = None
        self.corrupt: set[str] = set()
        self.requests: list[tuple[str, str, str | None]] = []
        self.granted_tokens: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def add_repo(self, repo_id: str, files: dict[str, bytes], *, license: str = "apache-2.0",
                 languages: tuple[str, ...] = ("en",), gated: bool = False, tags: tuple[str, ...] = ("gguf",),
                 pipeline_tag: str = "text-generation", library_name: str | None = None) -> None:
        """Serve ``files`` (name -> bytes) as repository ``repo_id`` (files over 1 KB are LFS)."""
        sha = hashlib.sha1(repo_id.encode()).hexdigest()
        self.repos[repo_id] = dict(files=files, license=license, languages=list(languages), gated=gated,
                                   tags=list(tags), pipeline_tag=pipeline_tag, library_name=library_name, sha=sha)

    def start(self) -> HubStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HubStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- response bodies ---------------------------------------------------
    def summary(self, repo_id: str) -> dict:
        r = self.repos[repo_id]
        return {"_id": r["sha"][:24], "id": repo_id, "modelId": repo_id, "likes": 1, "downloads": 10,
                "private": False, "gated": "manual" if r["gated"] else False, "tags": r["tags"] + [f"license:{r['license']}"],
                "pipeline_tag": r["pipeline_tag"], "library_name": r["library_name"], "createdAt": "2026-01-01T00:00:00.000Z"}

    def info(self, repo_id: str) -> dict:
        r = self.repos[repo_id]
        siblings = []
        for name, data in r["files"].items():
            entry = {"rfilename": name, "size": len(data), "blobId": hashlib.sha1(data).hexdigest()}
            if _is_lfs(data):
                entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            siblings.append(entry)
        return {**self.summary(repo_id), "sha": r["sha"], "lastModified": "2026-01-01T00:00:00.000Z",
                "cardData": {"license": r["license"], "language": r["languages"]}, "siblings": siblings,
                "usedStorage": sum(len(d) for d in r["files"].values())}


def _is_lfs(data: bytes) -> bool:
    return len(data) > 1024


def _handler(hub: HubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _send_json(self, body, status: int = 200, head: bool = False) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            data = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            url = urlparse(self.path)
            path = unquote(url.path)
            hub.requests.append((self.command, path, self.headers.get("Range")))
            if path == "/api/models":
                query = parse_qs(url.query)
                words = query.get("search", [""])[0].lower()
                task = query.get("pipeline_tag", [""])[0]
                found = [hub.summary(r) for r in hub.repos if words in r.lower()
                         and (not task or hub.repos[r]["pipeline_tag"] == task)]
                if query.get("full", [""])[0].lower() == "true":  # the Hub lists each model's files then
                    for f in found:
                        f["siblings"] = [{"rfilename": n} for n in hub.repos[f["id"]]["files"]]
                return self._send_json(found, head=self.command == "HEAD")
            if path.startswith("/api/models/"):
                parts = path[len("/api/models/"):].split("/")
                repo_id = "/".join(parts[:2])
                if repo_id not in hub.repos:
                    return self._error(401, "RepoNotFound", "Repository not found")
                return self._send_json(hub.info(repo_id), head=self.command == "HEAD")
            parts = path.lstrip("/").split("/", 4)
            if len(parts) == 5 and parts[2] == "resolve":
                return self._resolve("/".join(parts[:2]), parts[4])
            self._error(404, "EntryNotFound", "Not found")

        def _resolve(self, repo_id: str, filename: str) -> None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                return self._error(401, "RepoNotFound", "Repository not found")
            if repo["gated"]:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
                if token not in hub.granted_tokens:
                    return self._error(403 if token else 401, "GatedRepo",
                                       f"Access to model {repo_id} is restricted. You must have access to it "
                                       "and be authenticated to access it. Please log in.")
            if filename not in repo["files"]:
                return self._error(404, "EntryNotFound", f"{filename} does not exist")
            self._send_file(repo, filename)

        def _send_file(self, repo: dict, filename: str) -> None:
            data = repo["files"][filename]
            etag = hashlib.sha256(data).hexdigest() if _is_lfs(data) else hashlib.sha1(data).hexdigest()
            start = 0
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0] or 0)
            body = data[start:]
            if filename in hub.corrupt:
                body = bytes(b ^ 0xFF for b in body[:64]) + body[64:]
            self.send_response(206 if start else 200)
            self.send_header("ETag", f'"{etag}"')
            self.send_header("X-Repo-Commit", repo["sha"])
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if self.command == "HEAD":
                return
            step = 4096
            try:
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    if hub.rate:
                        time.sleep(step / hub.rate)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


# ----- a tiny Piper voice ---------------------------------------------------------
PHONEMES = "_^$ !'(),-.:;?abcdefghijklmnopqrstuvwxyzæçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ"


def tiny_piper_voice(name: str = "en_US-tiny-x_low", language: tuple[str, str, str] = ("en_US", "en-us", "English"),
                     samples_per_phoneme: int = 2048, seed: int = 0) -> dict[str, bytes]:
    """``{NAME.onnx: bytes, NAME.onnx.json: bytes}``: a Piper-shaped voice. Its ONNX graph takes what
    ``PiperVoice.phoneme_ids_to_audio`` feeds (``input`` int64 [1, N], ``input_lengths`` int64 [1],
    ``scales`` float32 [3]) and gives audio float32 [1, 1, N * samples_per_phoneme] (random noise per phoneme);
    its card has the fields ``PiperConfig.from_dict`` reads and the ``language`` block Studio reads."""
    import json

    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    code, espeak, english = language
    table = np.random.default_rng(seed).uniform(-0.5, 0.5, (256, samples_per_phoneme)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["table", "input"], ["frames"], axis=0),  # [1, N, samples]
        helper.make_node("Reshape", ["frames", "shape"], ["flat"]),  # [1, 1, N * samples]
        helper.make_node("ReduceMean", ["scales"], ["level"], keepdims=1),
        helper.make_node("Mul", ["flat", "level"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_piper_voice",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1, 1, -1], np.int64), "shape")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="studio-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    card = {"audio": {"sample_rate": 22050, "quality": "x_low"}, "espeak": {"voice": espeak},
            "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8}, "phoneme_type": "espeak",
            "phoneme_map": {}, "phoneme_id_map": {p: [i] for i, p in enumerate(PHONEMES)}, "num_symbols": 256,
            "num_speakers": 1, "speaker_id_map": {}, "piper_version": "1.0.0", "dataset": "tiny",
            "language": {"code": code, "family": code[:2], "region": code[3:], "name_native": english,
                         "name_english": english, "country_english": ""}}
    return {f"{name}.onnx": model.SerializeToString(),
            f"{name}.onnx.json": json.dumps(card, ensure_ascii=False, indent=2).encode()}
