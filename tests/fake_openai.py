"""A fake OpenAI-compatible text server on loopback, for tests: its behaviour is set per test.

``FakeServer(**behaviour)`` serves ``GET /v1/models`` (one model, ``max_model_len`` when given),
``POST /tokenize`` (as llama.cpp's ``llama-server``: it reads ``content`` and answers 0 tokens for
anything else, or as vLLM with ``tokenizer="vllm"``, or not at all with ``tokenizer=None``) and
``POST /v1/chat/completions`` as an SSE stream whose chunks the test gives (``chunks``: a list of
dicts; ``done``: whether ``data: [DONE]`` ends it). A request whose messages are longer than the
context (4 characters a token) is refused with HTTP 400, as real servers do. Every chat request's
JSON body is kept in ``requests``.
"""

from __future__ import annotations

import http.server
import json
import threading


def tokens_of(text: str) -> int:
    """The fake tokenizer: one token per 4 characters (at least 1 for non-empty text)."""
    return (len(text) + 3) // 4


def delta(content: str | None = None, finish: str | None = None, **extra) -> dict:
    """One chat-completion chunk with ``content`` (and/or other delta fields) and a finish_reason."""
    d = dict(extra)
    if content is not None:
        d["content"] = content
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "fake",
            "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}


class FakeServer:
    def __init__(self, model: str = "qwen-fake", context: int | None = 4096, tokenizer: str | None = "llama-server",
                 chunks: list[dict] | None = None, done: bool = True):
        self.model, self.context, self.tokenizer = model, context, tokenizer
        self.chunks = chunks if chunks is not None else [delta("Bees "), delta("hum.", "stop")]
        self.done = done
        self.requests: list[dict] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the connection closes after each reply: a stream ends with it

            def log_message(self, *args):
                pass

            def _json(self, code: int, obj) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    entry = {"id": server.model, "object": "model", "owned_by": "test"}
                    if server.context:
                        entry["max_model_len"] = server.context
                    return self._json(200, {"object": "list", "data": [entry]})
                return self._json(404, {"error": "not found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path == "/tokenize" and server.tokenizer == "llama-server":
                    return self._json(200, {"tokens": list(range(tokens_of(body.get("content", ""))))})
                if self.path == "/tokenize" and server.tokenizer == "vllm" and "prompt" in body:
                    n = tokens_of(body["prompt"])
                    return self._json(200, {"count": n, "max_model_len": server.context, "tokens": list(range(n))})
                if self.path == "/tokenize" and server.tokenizer == "zero":
                    return self._json(200, {"tokens": []})
                if self.path.endswith("/chat/completions"):
                    return self._chat(body)
                return self._json(404, {"error": "not found"})

            def _chat(self, body: dict) -> None:
                server.requests.append(body)
                used = sum(tokens_of(m["content"]) + 4 for m in body["messages"])
                if server.context and used + int(body.get("max_tokens") or 0) > server.context:
                    return self._json(400, {"error": {"message": f"the request exceeds the available context size "
                                                                 f"({used} tokens)", "type": "invalid_request_error"}})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in server.chunks:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                if server.done:
                    self.wfile.write(b"data: [DONE]\n\n")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
