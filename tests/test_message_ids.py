"""Messages by id (issue #24): every message a writer reads is a literal English template (its id) with named
parameters, every id has a Chinese text, and every Chinese text has an id in the code.

Run alone it is quick (no app is built): ``pytest tests/test_message_ids.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from studio.messages import Joined, Message
from studio.ui.i18n import translate
from studio.ui.i18n.zh import PATTERNS, ZH

ROOT = Path(__file__).resolve().parent.parent
STUDIO = ROOT / "studio"
# the calls that take a message, and which argument is its template
CALLS = {"Message": 0, "Warning": 0, "Info": 0, "Error": 0, "InvalidInput": -1, "StudioError": 0,
         "ModelUnavailable": 0, "OutOfMemory": 0, "Cancelled": 0}
# texts Gradio itself makes that the boundary shows in Chinese: the title of every gr.Error
GRADIOS_OWN = {"Error"}
FIELDS = re.compile(r"\{(\w+)(?:[:!][^{}]*)?\}")


def _catalogue_files(path: Path) -> bool:
    return "i18n" in path.parts and path.name.startswith("zh")


def _trees():
    for path in sorted(STUDIO.rglob("*.py")):
        if not _catalogue_files(path):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _calls():
    """``(where, name, template node, parameter names)`` of every call that takes a message."""
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in CALLS:
                continue
            if name in ("Warning", "Info", "Error") and not _is_toast(node):
                continue
            params = {k.arg for k in node.keywords if k.arg and k.arg not in ("field", "duration", "visible",
                                                                              "title", "print_exception")}
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            yield where, name, node.args[CALLS[name]], params


def _is_toast(node: ast.Call) -> bool:
    base = getattr(node.func, "value", None)
    return getattr(base, "id", None) in ("gr", "i18n")


def test_message_templates_are_literals():
    """A template built at run time (an f-string, ``+``, ``.format``) has no id the catalogue can hold."""
    built = [(w, ast.unparse(t)[:90]) for w, _n, t, _p in _calls() if isinstance(t, (ast.JoinedStr, ast.BinOp))
             or (isinstance(t, ast.Call) and getattr(t.func, "attr", "") == "format")]
    assert not built, f"{len(built)} messages built at run time; write Message('... {{x}} ...', x=...): {built}"


def test_every_message_id_has_chinese_with_the_same_parameters():
    by_id = dict(PATTERNS)
    missing, wrong = [], []
    for where, _name, t, params in _calls():
        if not (isinstance(t, ast.Constant) and isinstance(t.value, str)) or not t.value.strip():
            continue
        fields = set(FIELDS.findall(t.value))
        if not fields:
            if t.value not in ZH and translate(t.value, "zh") == t.value and re.search(r"[A-Za-z]{2}", t.value):
                missing.append((where, t.value))
            continue
        if fields != params:
            wrong.append((where, t.value, sorted(params)))
        elif t.value not in by_id:
            missing.append((where, t.value))
        elif not set(FIELDS.findall(by_id[t.value])) <= fields:
            wrong.append((where, t.value, "the Chinese names other parameters"))
    assert not wrong, f"templates whose parameters do not match: {wrong}"
    assert not missing, f"{len(missing)} ids without Chinese (add them to studio/ui/i18n/zh*.py): {missing}"


def _literals() -> set[str]:
    out = set()
    for _path, tree in _trees():
        out |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return out


def test_every_chinese_text_has_an_id_in_the_code():
    """A catalogue entry whose English is not a literal in the code is matched against text built at run time
    (the older way, which a rewording silently breaks and which can translate a writer's words), or is dead."""
    from studio.ui.i18n.core import ADDED

    literals = _literals() | GRADIOS_OWN | ADDED  # ADDED: made from ids when an app was built (core.add)
    orphans = [en for en in list(ZH) + [en for en, _zh in PATTERNS] if en not in literals]
    assert not orphans, f"{len(orphans)} catalogue texts without an id in the code: {orphans[:40]}"


def test_a_message_is_its_english_text_and_keeps_its_id():
    import copy
    import pickle

    m = Message("Saved {t}", t="10:00:00")
    assert m == "Saved 10:00:00" and m.template == "Saved {t}" and m.params == {"t": "10:00:00"}
    for c in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert isinstance(c, Message) and c == m and c.template == m.template and c.params == m.params
    j = Joined(" · ", [m, Message("Stop")])
    assert j == "Saved 10:00:00 · Stop" and pickle.loads(pickle.dumps(j)).parts == j.parts


def test_parameters_are_never_translated_and_messages_in_them_are():
    """A writer's topic "Stop" in a message stays "Stop"; a label given as a message is shown in Chinese."""
    en, zh = next((en, zh) for en, zh in PATTERNS if set(FIELDS.findall(en)) == {"t"} and "{t}" in zh)
    assert translate(Message(en, t="Stop"), "zh") == zh.format(t="Stop")
    assert translate(Message(en, t=Message("Stop")), "zh") == zh.format(t=ZH["Stop"])
    assert translate(Joined(" · ", [Message("Stop"), "Stop"]), "en") == "Stop · Stop"
    assert translate(Joined(" · ", [Message("Stop"), Message(en, t="Stop")]), "zh") == \
        ZH["Stop"] + " · " + zh.format(t="Stop")
