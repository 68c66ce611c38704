"""Find the members of a kind by scanning its package, not by a hand-kept list."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any


def modules(package: str) -> Iterator[ModuleType]:
    """``package`` and every module below it, imported."""
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        yield importlib.import_module(info.name)


def classes(package: str, predicate: Callable[[type], bool]) -> set[type]:
    """Concrete classes defined under ``package`` (not Protocols) that ``predicate`` accepts."""
    found: set[type] = set()
    for module in modules(package):
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and not getattr(value, "_is_protocol", False)
                and predicate(value)
            ):
                found.add(value)
    return found


def instances(package: str, kind: type) -> list[Any]:
    """Every module-level instance of ``kind`` under ``package`` (once each), alone or
    in a module-level tuple (a family built in one expression)."""
    seen: dict[int, Any] = {}
    for module in modules(package):
        for value in vars(module).values():
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, kind):
                    seen.setdefault(id(item), item)
    return list(seen.values())


def names(found: set[type]) -> list[str]:
    return sorted(f"{c.__module__}.{c.__qualname__}" for c in found)
