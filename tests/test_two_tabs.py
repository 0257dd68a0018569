"""Two tabs (or programs) editing one article: a stale save never silently wins, and a tab
never brings back an article another tab trashed (issue #12, items 7 and 12)."""

from __future__ import annotations

import pytest

from studio.errors import VersionConflict
from studio.library import Library
from studio.ui.library import save_message


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


def test_a_save_based_on_an_older_version_is_refused_and_changes_nothing(lib):
    a = lib.create("me", "Garden", "first")
    base = a["version_id"]
    tab_b = lib.save("me", a["id"], "Garden", "tab B's text", base_version=base)
    assert tab_b["conflict"] is None and tab_b["version_id"] > base
    with pytest.raises(VersionConflict) as err:
        lib.save("me", a["id"], "Garden", "tab A's stale text", base_version=base)
    msg = str(err.value)
    assert msg.startswith("base_version") and "changed elsewhere" in msg and str(tab_b["version_id"]) in msg
    assert err.value.newest == tab_b["version_id"]
    assert lib.get("me", a["id"])["body"] == "tab B's text" and len(lib.versions("me", a["id"])) == 2


def test_relatives_title_only_and_same_text_and_no_base(lib):
    a = lib.create("me", "Garden", "text")
    base = a["version_id"]
    lib.save("me", a["id"], "Garden, renamed", "text", base_version=base)  # a rename elsewhere is a version too
    with pytest.raises(VersionConflict):
        lib.save("me", a["id"], "Garden", "text", base_version=base)
    same = lib.save("me", a["id"], "Garden, renamed", "text", base_version=base)  # nothing to overwrite
    assert same["changed"] is False and same["conflict"] is None
    old_call = lib.save("me", a["id"], "Garden", "new text")  # callers without a base keep working
    assert old_call["changed"]


def test_keep_both_saves_as_the_newest_version_and_says_so(lib):
    a = lib.create("me", "Garden", "first")
    base = a["version_id"]
    b = lib.save("me", a["id"], "Garden", "tab B", base_version=base)
    r = lib.save("me", a["id"], "Garden", "tab A", base_version=base, keep_both=True)
    assert r["conflict"] == b["version_id"]
    versions = lib.versions("me", a["id"])
    assert [lib.version("me", a["id"], v["id"])["body"] for v in versions] == ["tab A", "tab B", "first"]
    assert "made elsewhere" in versions[0]["note"]
    msg = save_message(r, r["updated"])
    # numbered as the Versions list numbers it (v2), not by the database's id
    assert "Another tab" in msg and "saved v2 of this article" in msg and "both are kept" in msg
    # the next save of tab A is based on its own version: no conflict any more
    assert lib.save("me", a["id"], "Garden", "tab A more", base_version=r["version_id"])["conflict"] is None


def test_a_tab_does_not_bring_back_an_article_another_tab_trashed(lib):
    a = lib.create("me", "Garden", "first")
    lib.delete("me", a["id"])  # tab B moves it to the trash
    r = lib.save("me", a["id"], "Garden", "tab A keeps typing", base_version=a["version_id"], keep_both=True,
                 create_missing=True)
    assert r["trashed"] and r["article_id"] == a["id"]
    assert lib.list("me") == [] and lib.get("me", a["id"])["body"] == "tab A keeps typing"
    msg = save_message(r, r["updated"])
    assert "in the trash" in msg and "Restore" in msg


def test_get_reports_the_version_to_base_a_save_on(lib):
    a = lib.create("me", "Garden", "first")
    r = lib.save("me", a["id"], "Garden", "second")
    assert lib.get("me", a["id"])["version_id"] == r["version_id"] == lib.versions("me", a["id"])[0]["id"]
