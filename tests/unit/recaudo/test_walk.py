"""The counting of ``bench.walk`` (issue 27) on synthetic call sequences."""

from __future__ import annotations

import asyncio

from bench.call_trace import ROOT, Call, Tracer, count


def test_coming_back_to_a_file_left_is_a_return_going_up_the_stack_is_not() -> None:
    calls = [
        Call(None, "web/a.py", ()),  # entered from a library: an entry
        Call("web/a.py", "web/b.py", ("web/a.py",)),
        Call("web/b.py", "core/c.py", ("web/b.py", "web/a.py")),
        Call("web/b.py", "web/b.py", ("web/b.py", "web/a.py")),  # same file: nothing
        # c returned to b and b to a; a calls c again: c was left, a return.
        Call("web/a.py", "core/c.py", ("web/a.py",)),
        # c calls b, left before and not below c: a return.
        Call("core/c.py", "web/b.py", ("core/c.py", "web/a.py")),
        # b calls a back while a is still below it: a hop, not a return.
        Call("web/b.py", "web/a.py", ("web/b.py", "core/c.py", "web/a.py")),
        # Later, the event loop enters c again: a return from outside.
        Call(None, "core/c.py", ()),
    ]
    counts = count(calls)
    assert counts.files == ["web/a.py", "web/b.py", "core/c.py"]
    assert counts.folders == ["web", "core"]
    assert counts.calls == 8
    assert counts.hops == 5
    assert counts.edges == 5  # a>b, b>c, a>c, c>b, b>a
    assert counts.entries == 2
    assert counts.returns == 3
    assert counts.returns_from_outside == 1
    assert counts.returned_to == ["core/c.py", "web/b.py"]


def test_a_walk_that_only_goes_down_and_back_up_has_no_return() -> None:
    calls = [
        Call(None, "web/a.py", ()),
        Call("web/a.py", "web/b.py", ("web/a.py",)),
        Call("web/b.py", "core/c.py", ("web/b.py", "web/a.py")),
        Call("core/c.py", "core/c.py", ("core/c.py", "web/b.py", "web/a.py")),
        Call("core/c.py", "web/a.py", ("core/c.py", "web/b.py", "web/a.py")),  # a is below
        Call("web/a.py", "core/d.py", ("web/a.py",)),
    ]
    counts = count(calls)
    assert counts.files == ["web/a.py", "web/b.py", "core/c.py", "core/d.py"]
    assert (counts.hops, counts.entries, counts.returns) == (4, 1, 0)
    assert counts.returned_to == []


def test_only_project_files_count_under_their_real_path() -> None:
    tracer = Tracer(ROOT)
    # recaudo/streams is a symlink to ../streams: one file, one name.
    assert tracer.project(str(ROOT / "recaudo" / "streams" / "wiring.py")) == "streams/wiring.py"
    assert tracer.project(str(ROOT / "recaudo" / "web" / "app.py")) == "recaudo/web/app.py"
    assert tracer.project(str(ROOT / "bench" / "walk.py")) is None
    assert tracer.project(str(ROOT / "tests" / "conftest.py")) is None
    assert tracer.project(asyncio.__file__) is None
    assert tracer.project("<frozen importlib._bootstrap>") is None
