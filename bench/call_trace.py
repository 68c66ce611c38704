"""Tracing the calls into the project's own files, and counting the walk they
make (``bench.walk``): files, folders, hops between files and returns to a file
already left. Library, bench and test frames are not on the walk."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import posixpath
import sys
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The repository's folders of project code; everything else (bench, tests, the
#: virtual environment, the standard library) is not on the walk.
PROJECT_DIRS = frozenset(
    {"streams", "models", "channels", "rules", "dashboards", "simulator", "recaudo"}
)
_RESUMABLE = (
    inspect.CO_GENERATOR
    | inspect.CO_COROUTINE
    | inspect.CO_ASYNC_GENERATOR
    | inspect.CO_ITERABLE_COROUTINE
)


@dataclass(frozen=True, slots=True)
class Call:
    """One call into a project file.

    ``caller``: the nearest project file below it on the call stack, or None when
    no project code is below (entered from a library or the event loop);
    ``stack``: every project file on the stack below it, nearest first.
    """

    caller: str | None
    callee: str
    stack: tuple[str, ...]


@dataclass
class Counts:
    files: list[str] = field(default_factory=list)  # in order of first entry
    folders: list[str] = field(default_factory=list)
    calls: int = 0
    hops: int = 0
    edges: int = 0
    entries: int = 0
    returns: int = 0
    returns_from_outside: int = 0
    returned_to: list[str] = field(default_factory=list)  # in order of first return


def folder(path: str) -> str:
    return posixpath.dirname(path)


def count(calls: Iterable[Call]) -> Counts:
    """The walk's figures over a sequence of calls.

    - files, folders: distinct files entered (in order of first entry), their folders;
    - hops: calls from a project file into a different one; edges: distinct
      (caller, callee) pairs among them;
    - entries: calls from no project file (a library or the event loop called in);
    - returns: calls that enter a file from a different file (or from outside)
      when that file was entered before and is not on the stack: coming back to
      a file already left (``returns_from_outside``: those among them entered from
      no project file). Going back up the stack is a return from a call, not a
      call, so it never counts.
    """
    out = Counts()
    files: dict[str, None] = {}
    returned: dict[str, None] = {}
    edges: set[tuple[str, str]] = set()
    for call in calls:
        out.calls += 1
        if call.caller is None:
            out.entries += 1
        elif call.caller != call.callee:
            out.hops += 1
            edges.add((call.caller, call.callee))
        if call.caller != call.callee and call.callee in files and call.callee not in call.stack:
            out.returns += 1
            out.returns_from_outside += call.caller is None
            returned.setdefault(call.callee)
        files.setdefault(call.callee)
    out.files = list(files)
    out.folders = list(dict.fromkeys(folder(f) for f in files))
    out.edges = len(edges)
    out.returned_to = list(returned)
    return out


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None


def _task_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return str(getattr(coro, "__qualname__", coro))


class Tracer:
    """Project calls made while ``tracing``, with their stacks read across tasks.

    A coroutine resumed after an await fires 'call' again: only its first
    'call' counts (the frame is remembered). A task's frames stop at the task;
    the stack it was created on (kept by a task factory) is put below them, so
    a handler run in a task of its own is called by the middleware that made
    it. Tasks that existed before the trace began (the report's refresher, the
    broker watch, consumers) are not the request's: their calls are left out
    and counted in ``excluded``. Module bodies (imports) are kept apart.
    """

    def __init__(self, root: Path = ROOT) -> None:
        self._root = root.resolve()
        self._where: dict[str, str | None] = {}
        self._frames: dict[int, FrameType] = {}
        self._before: set[asyncio.Task[Any]] = set()
        self._context: weakref.WeakKeyDictionary[asyncio.Task[Any], tuple[str, ...]] = (
            weakref.WeakKeyDictionary()
        )
        self._factory: Any = None
        self.calls: list[Call] = []
        self.resumed = 0
        self.imports: list[str] = []
        self.excluded: Counter[str] = Counter()

    def project(self, filename: str) -> str | None:
        """The file's path in the repository when it is project code, else None."""
        try:
            return self._where[filename]
        except KeyError:
            pass
        real = Path(os.path.realpath(filename))
        rel = None
        if real.is_relative_to(self._root):
            parts = real.relative_to(self._root).parts
            if len(parts) > 1 and parts[0] in PROJECT_DIRS:
                rel = "/".join(parts)
        self._where[filename] = rel
        return rel

    def _stack(self, frame: FrameType | None) -> list[str]:
        out: list[str] = []
        while frame is not None:
            rel = self.project(frame.f_code.co_filename)
            if rel is not None:
                out.append(rel)
            frame = frame.f_back
        return out

    def _hook(self, frame: FrameType, event: str, _arg: object) -> None:
        if event != "call":
            return
        code = frame.f_code
        rel = self.project(code.co_filename)
        if rel is None:
            return
        if code.co_flags & _RESUMABLE:
            if id(frame) in self._frames:
                self.resumed += 1
                return
            self._frames[id(frame)] = frame  # kept alive: its id is not reused
        task = _current_task()
        if task is not None and task in self._before:
            self.excluded[_task_name(task)] += 1
            return
        if code.co_name == "<module>":
            self.imports.append(rel)
            return
        own = self._stack(frame.f_back)
        inherited = self._context.get(task, ()) if task is not None else ()
        below = (*own, *inherited)
        self.calls.append(Call(below[0] if below else None, rel, below))

    def _make_task(self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        if self._factory is not None:
            task = self._factory(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        parent = _current_task()
        inherited = self._context.get(parent, ()) if parent is not None else ()
        self._context[task] = (*self._stack(sys._getframe(1)), *inherited)
        return task

    @contextlib.asynccontextmanager
    async def tracing(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        self._before = asyncio.all_tasks() - {asyncio.current_task()}
        self._factory = loop.get_task_factory()
        loop.set_task_factory(self._make_task)
        sys.setprofile(self._hook)
        try:
            yield
        finally:
            sys.setprofile(None)
            loop.set_task_factory(self._factory)
            self._frames.clear()
            self._before = set()


# --- the three segments -------------------------------------------------------
