"""The log callback: levels, replacement, and what happens when it
raises (re-raised when the binding call that logged returns, after the
call's work is done)."""

import errno
import gc

import pytest

import vfabric
from vfabric import LogLevel

from _support import raises


class Recorder:
    def __init__(self):
        self.lines = []

    def __call__(self, level, msg):
        assert isinstance(level, LogLevel) and isinstance(msg, str)
        self.lines.append((level, msg))


def test_log_receives_messages_at_or_below_level():
    rec = Recorder()
    with vfabric.Fabric(log=rec, log_level=LogLevel.DEBUG) as fab:
        fab.create_cell(name="blue")
        assert rec.lines, "creating a fabric and a cell logged nothing"
        assert all(level <= LogLevel.DEBUG for level, _ in rec.lines)
        assert any("blue" in msg for _, msg in rec.lines)
        assert fab.log is rec and fab.log_level == LogLevel.DEBUG


def test_log_level_filters():
    rec = Recorder()
    with vfabric.Fabric(log=rec, log_level=LogLevel.ERROR) as fab:
        fab.create_cell()
        assert all(level == LogLevel.ERROR for level, _ in rec.lines)
        fab.log_level = LogLevel.INFO
        fab.create_cell(name="seen")
        assert all(level <= LogLevel.INFO for level, _ in rec.lines)


def test_failures_are_logged_with_their_message():
    rec = Recorder()
    with vfabric.Fabric(log=rec, log_level=LogLevel.DEBUG) as fab:
        cell = fab.create_cell()
        cell.create_subnet(prefix="10.5.0.0/16")
        with raises(errno.EADDRINUSE) as r:
            cell.create_subnet(prefix="10.5.1.0/24")
        assert r.exc.strerror in [msg for _, msg in rec.lines]


def test_set_log_replaces_and_silences():
    first, second = Recorder(), Recorder()
    with vfabric.Fabric(log=first, log_level=LogLevel.DEBUG) as fab:
        fab.set_log(second, LogLevel.DEBUG)
        n = len(first.lines)
        fab.create_cell()
        assert len(first.lines) == n and second.lines
        fab.set_log(None)
        m = len(second.lines)
        fab.create_cell()
        assert len(second.lines) == m
        with raises(errno.EINVAL, "7"):
            fab.set_log(second, 7)
        assert fab.log is None
        with pytest.raises(TypeError):
            fab.set_log("not callable")


def test_log_callback_exception_reraised_after_the_call():
    calls = []

    def log(level, msg):
        calls.append(msg)
        if "boom" in msg and "created" in msg:
            raise KeyError("from the callback")

    with vfabric.Fabric(log=log, log_level=LogLevel.DEBUG) as fab:
        with pytest.raises(KeyError, match="from the callback"):
            fab.create_cell(name="boom")
        # The cell exists and has its one Python owner: nothing is
        # half-created.
        cell = fab.cell("boom")
        assert cell is not None and fab.cell_count == 1
        assert fab.cells == [cell]
        # The exception was consumed: the next calls are clean.
        assert fab.create_cell(name="fine").name == "fine"
        assert fab.cell_count == 2


def test_log_callback_exception_chained_to_a_failure():
    def log(level, msg):
        if "taken" in msg:
            raise RuntimeError("callback failed")

    with vfabric.Fabric(log=log, log_level=LogLevel.DEBUG) as fab:
        fab.create_cell(id=1)
        with raises(errno.EEXIST, "1") as r:
            fab.create_cell(id=1)
        assert isinstance(r.exc.__context__, RuntimeError)
        assert fab.cell_count == 1
        assert fab.create_cell(id=2).id == 2


def test_log_callback_exception_during_fabric_creation():
    def log(level, msg):
        raise ValueError("no logging today")

    with pytest.raises(ValueError, match="no logging today"):
        vfabric.Fabric(log=log, log_level=LogLevel.INFO)
    gc.collect()


def test_log_callback_exception_during_close():
    state = {"armed": False}

    def log(level, msg):
        if state["armed"]:
            raise RuntimeError("while closing")

    fab = vfabric.Fabric(log=log, log_level=LogLevel.DEBUG)
    cell = fab.create_cell()
    state["armed"] = True
    with pytest.raises(RuntimeError, match="while closing"):
        cell.close()
    assert cell.closed and fab.cell_count == 0
    with pytest.raises(RuntimeError, match="while closing"):
        fab.close()
    assert fab.closed


def test_log_callback_not_callable():
    with pytest.raises(TypeError):
        vfabric.Fabric(log=42)


def test_log_callback_must_not_call_back():
    holder = {}

    def log(level, msg):
        if "fab" in holder and "created" in msg and "inner" not in msg:
            holder["fab"].create_cell(name="inner")

    fab = vfabric.Fabric(log=log, log_level=LogLevel.DEBUG)
    holder["fab"] = fab
    with pytest.raises(RuntimeError, match="must not call back"):
        fab.create_cell(name="outer")
    assert [c.name for c in fab.cells] == ["outer"]
    fab.set_log(None)
    fab.close()
