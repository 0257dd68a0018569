"""Writing and pictures do not wait for each other on a CPU, and a job that must wait is told for what and
about how long (issue #31)."""

from __future__ import annotations

import threading
import time

from studio.locks import DeviceLock
from studio.models import ModelManager
from studio.settings import Settings


def test_text_and_pictures_have_their_own_lock_on_a_cpu(tmp_path):
    manager = ModelManager(Settings(device="cpu", data_dir=tmp_path))
    said = []
    manager.on_wait = said.append
    with manager.device_lock(work="text"):
        got = threading.Event()

        def picture():
            with manager.device_lock():
                got.set()

        t = threading.Thread(target=picture)
        t.start()
        assert got.wait(5), "a picture waited for writing"
        t.join()
    assert said == []


def test_a_second_writing_job_waits_and_is_told_for_what_and_how_long():
    lock = DeviceLock(1, "text")
    with lock.holding("text"):  # a first job of about 0.2 s teaches the lock how long writing takes
        time.sleep(0.2)
    said: list[str] = []
    lock.on_wait = said.append
    release = threading.Event()

    def first():
        with lock.holding("text"):
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    time.sleep(0.05)
    done = threading.Event()

    def second():
        with lock.holding("text"):
            done.set()

    t2 = threading.Thread(target=second)
    t2.start()
    time.sleep(0.1)
    assert not done.is_set()
    release.set()
    t.join()
    t2.join()
    assert done.is_set()
    assert said == ["Waiting for another writing job to finish first: about 1 s."]


def test_nothing_known_yet_says_only_what():
    lock = DeviceLock(1, "pictures")
    assert lock.acquire()
    assert lock.wait_message() == "Waiting for another picture job to finish first."
    assert not lock.acquire(blocking=False)
    lock.release()


def test_the_waiting_messages_are_in_chinese():
    from studio.ui.i18n import translate

    assert translate("Waiting for another writing job to finish first: about 20 s.", "zh") == \
        "正在等待另一项写作任务先完成：约 20 秒。"
    assert translate("Waiting for another picture job to finish first.", "zh") == "正在等待另一项图片任务先完成。"


def test_a_job_that_runs_longer_than_before_is_said_to_have_run_so_long():
    lock = DeviceLock(1, "text")
    with lock.holding("text"):
        pass  # writing took about 0 s before
    assert lock.acquire()
    now = lock._held[0][1] + 45
    assert lock.wait_message(now) == "Waiting for another writing job to finish first; it has run for 45 s."
    lock.release()
    from studio.ui.i18n import translate

    assert translate("Waiting for another writing job to finish first; it has run for 45 s.", "zh") == \
        "正在等待另一项写作任务先完成；它已运行 45 秒。"
