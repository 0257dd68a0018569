"""Two tabs on one article (issue #31): one numbering (v6) in the conflict message and the Versions list; a tab
whose article was saved elsewhere finds the newer version."""

from __future__ import annotations

from studio.library import Library
from studio.ui.library import elsewhere, formatting, save_message


def test_the_conflict_message_and_the_versions_list_use_one_numbering(tmp_path):
    lib = Library(tmp_path / "d")
    other = lib.create("me", "T", "x")  # another article first: version ids and numbers differ
    lib.save("me", other["id"], "T", "x2")
    aid = lib.create("me", "A", "one")["id"]
    base = lib.get("me", aid)["version_id"]
    lib.save("me", aid, "A", "two (other tab)", base_version=base)
    r = lib.save("me", aid, "A", "three (this tab)", base_version=base, keep_both=True)
    listed = dict(formatting.version_choices(lib.versions("me", aid)))
    assert r["conflict_v"] == 2 and r["conflict"] != 2
    assert any(label.startswith("v2") for label in listed)
    msg = save_message(r, r["updated"])
    assert "saved v2 of this article" in msg
    assert any("saved after v2" in v["note"] for v in lib.versions("me", aid))
    lib.close()


def test_a_tab_finds_the_version_saved_elsewhere(tmp_path):
    lib = Library(tmp_path / "d")
    aid = lib.create("me", "A", "one")["id"]
    base = lib.get("me", aid)["version_id"]
    assert elsewhere.newer_elsewhere(lib, "me", aid, base) is None
    newer = lib.save("me", aid, "A", "two", base_version=base)["version_id"]
    assert elsewhere.newer_elsewhere(lib, "me", aid, base) == newer
    assert "(v2)" in elsewhere.notice(lib, aid, newer)
    assert elsewhere.newer_elsewhere(lib, "me", None, base) is None
    lib.close()
