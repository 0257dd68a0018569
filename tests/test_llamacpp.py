"""The llama.cpp backend: which backend serves which model, its faults, and min_new_tokens.
Runs on a tiny random GGUF (fast); the embedded SmolLM2 runs on it in tests/test_text.py (slow)."""

from __future__ import annotations

import threading

import pytest

from studio.errors import InvalidInput, ModelUnavailable, OutOfMemory, StudioError
from studio.models import ModelManager
from studio.settings import Settings, parse_settings
from studio.text.backends import SamplingParams, StreamStats
from studio.text.engine import TextEngine, WriteRequest
from studio.text.plaintext import unmarked

pytest.importorskip("llama_cpp")


def make(tmp_path, model, backend="llama.cpp", **kw) -> TextEngine:  # llama.cpp in this process, as named
    s = Settings(device="cpu", text_model=str(model), text_backend=backend, data_dir=tmp_path / "d",
                 cache_dir=tmp_path / "c", model_dirs=[tmp_path], **kw).validate()
    return TextEngine(ModelManager(s), s)


def run(engine, **kw):
    return list(engine.stream(WriteRequest(**{"prompt": "gardens", "task": "headlines", "max_new_tokens": 8,
                                              "seed": 1, **kw})))[-1]


# ----- choosing the backend -----------------------------------------------------------------
def test_auto_picks_llama_cpp_for_gguf_and_transformers_for_a_folder(tmp_path, tiny_gguf, tiny_lm_dir):
    # llama-server when built (tests/test_llama_server.py), llama.cpp in this process when not
    no_server = {"llama_server": str(tmp_path / "no-such-llama-server")}
    assert make(tmp_path, tiny_gguf, "auto", **no_server).backend().engine == "llama.cpp"
    assert make(tmp_path, tiny_lm_dir, "auto").backend().engine == "transformers"
    assert make(tmp_path, tiny_gguf, "transformers").backend().engine == "transformers"


def test_llamacpp_backend_refuses_a_transformers_folder(tmp_path, tiny_lm_dir):
    with pytest.raises(ModelUnavailable) as err:
        make(tmp_path, tiny_lm_dir, "llama.cpp").backend()
    assert "needs a GGUF file" in str(err.value)


def test_context_size_and_chat_template_come_from_the_gguf(tmp_path, tiny_gguf):
    backend = make(tmp_path, tiny_gguf).backend()
    assert backend.context_size == 512  # llama.context_length of the file
    text = unmarked(backend.render([{"role": "user", "content": "hi"}]))  # without the marks of the writer's text
    assert text.endswith("<|im_start|>assistant\n") and "<|im_start|>user\nhi<|im_end|>" in text
    assert backend.count_tokens("<|im_start|>user") == 2  # the special token is one token


def test_text_backend_flag_and_variable(monkeypatch):
    assert parse_settings(["--text-backend", "transformers"]).text_backend == "transformers"
    monkeypatch.setenv("STUDIO_TEXT_BACKEND", "llama.cpp")
    assert parse_settings([]).text_backend == "llama.cpp"
    with pytest.raises(InvalidInput) as err:
        Settings(text_backend="openai").validate()
    assert err.value.field == "--openai-base-url"


# ----- faults ---------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_broken_gguf_gives_a_clear_message_and_other_models_keep_working(damage, tmp_path, tiny_gguf):
    data = tiny_gguf.read_bytes()
    broken = tmp_path / f"{damage}.gguf"
    broken.write_bytes(data[:4] + b"\xff" * 200 + data[204:] if damage == "corrupt" else data[: len(data) // 3])
    eng = make(tmp_path, tiny_gguf)
    with pytest.raises(ModelUnavailable) as err:
        run(eng, model=str(broken))
    said = "is damaged" if damage == "corrupt" else "the download was cut at"  # named with its fix (#23)
    assert said in str(err.value) and str(broken) in str(err.value) and "again" in str(err.value), str(err.value)
    assert run(eng).done  # the default model still serves
    assert not eng.manager.is_loaded("text", str(broken))


def test_out_of_memory_mid_stream_is_reported_and_the_next_request_works(tmp_path, tiny_gguf, monkeypatch):
    eng = make(tmp_path, tiny_gguf)
    llm = eng.backend().llm
    real = llm.eval

    def oom(tokens):
        raise MemoryError("failed to allocate")

    monkeypatch.setattr(llm, "eval", oom)
    with pytest.raises(OutOfMemory) as err:
        run(eng)
    assert "ran out of memory" in str(err.value)
    monkeypatch.setattr(llm, "eval", real)
    assert run(eng).done


def test_exception_mid_stream_keeps_the_text_and_says_so(tmp_path, tiny_gguf, monkeypatch):
    eng = make(tmp_path, tiny_gguf)
    llm = eng.backend().llm
    real = llm.eval
    calls = []

    def broken(tokens):
        calls.append(1)
        if len(calls) > 3:
            raise ValueError("boom inside llama.cpp")
        return real(tokens)

    monkeypatch.setattr(llm, "eval", broken)
    events = []
    with pytest.raises(StudioError) as err:
        for ev in eng.stream(WriteRequest(prompt="gardens", task="headlines", max_new_tokens=50, seed=1,
                                          temperature=0)):
            events.append(ev)
    assert "failed while writing" in str(err.value) and "boom" in str(err.value)
    assert events[-1].tokens >= 1 and events[-1].text  # what was streamed before the fault
    assert not [t for t in threading.enumerate() if t.name == "studio-generate" and t.is_alive()]
    monkeypatch.setattr(llm, "eval", real)
    assert run(eng).done


# ----- sampling -------------------------------------------------------------------------------
def test_min_new_tokens_holds_back_the_end_token(tmp_path, tiny_gguf):
    backend = make(tmp_path, tiny_gguf).backend()
    prompt = backend.render([{"role": "user", "content": "gardens"}])
    first = next(iter(backend.stream(prompt, SamplingParams(temperature=0, max_new_tokens=1), threading.Event())))
    tok = backend.llm.tokenize(first.encode(), add_bos=False, special=False)[0]
    backend._eog, backend._eog_frozen = [tok], frozenset([tok])  # pretend greedy's first choice ends the text
    plain = StreamStats()
    assert "".join(backend.stream(prompt, SamplingParams(temperature=0, max_new_tokens=20), threading.Event(),
                                  plain)) == ""
    held = StreamStats()
    text = "".join(backend.stream(prompt, SamplingParams(temperature=0, max_new_tokens=20, min_new_tokens=6),
                                  threading.Event(), held))
    assert held.tokens >= 6 and text


def test_same_seed_same_text_after_other_requests(tmp_path, tiny_gguf):
    backend = make(tmp_path, tiny_gguf).backend()
    prompt = backend.render([{"role": "user", "content": "gardens"}])
    p = SamplingParams(temperature=1.0, top_k=40, top_p=0.9, repetition_penalty=1.2, max_new_tokens=16, seed=5)
    a = "".join(backend.stream(prompt, p, threading.Event()))
    "".join(backend.stream(backend.render([{"role": "user", "content": "other"}]),
                           SamplingParams(max_new_tokens=9, seed=9), threading.Event()))
    fresh = make(tmp_path, tiny_gguf).backend()  # as after a restart
    assert a == "".join(backend.stream(prompt, p, threading.Event())) == "".join(fresh.stream(prompt, p,
                                                                                             threading.Event()))


def test_llamacpp_is_built_without_openmp_so_pictures_do_not_slow_writing():
    """``scripts/setup.sh`` compiles llama-cpp-python with ``GGML_OPENMP=OFF``. Built with OpenMP, llama.cpp
    wrote 2.6x slower for as long as a thread that had run torch (a picture, a voice) stayed alive
    (``bench/text.py`` prints the ratio). No timing here: the build is what decides it."""
    from studio.text.llamacpp import built_with_openmp

    assert not built_with_openmp(), "llama-cpp-python was compiled with OpenMP: run `bash scripts/setup.sh`"
