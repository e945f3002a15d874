"""One small registry shape for backends, sources, sinks and presets, open to other packages.

A registry maps a name to a factory. Built-in entries are ``"module:attr"`` strings, imported
on first use so heavy dependencies load only when that entry is used. Other packages add entries
with ``register(name, factory)`` at run time, or declare them as entry points in their own
``pyproject.toml`` (group ``streamfx.backends``, ``streamfx.sources`` or ``streamfx.sinks``)::

    [project.entry-points."streamfx.backends"]
    mybackend = "mypackage.editor:MyBackend"

so that a pip-installed editor appears in ``--editor`` and ``streamfx doctor``. Unknown names
fail with the list of what is available.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from streamfx.errors import ConfigError, DependencyError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Registry(Generic[T]):
    """name -> factory (a callable, or a lazy ``"module:attr"`` string).

    kind: what the entries are, for messages ("editor backend", "source", ...).
    group: the entry-point group read once, on first lookup (None: no entry points).
    """

    def __init__(self, kind: str, builtins: dict[str, str], group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, str | Callable[..., T]] = dict(builtins)
        self._plugins_loaded = group is None
        self.plugin_errors: dict[str, str] = {}

    def register(self, name: str, factory: str | Callable[..., T], replace: bool = False) -> None:
        """Add ``name``; an existing name needs ``replace=True`` (built-ins are not shadowed
        by accident)."""
        if not name or not isinstance(name, str):
            raise ConfigError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if name in self._entries and not replace:
            raise ConfigError(f"{self.kind} {name!r} is already registered (pass replace=True)")
        self._entries[name] = factory

    def unregister(self, name: str) -> None:
        """Remove ``name`` (no error when absent)."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name, sorted (entry points included)."""
        self._load_plugins()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._entries

    def get(self, name: str) -> Callable[..., T]:
        """The factory of ``name``; unknown names raise ``ConfigError`` listing the known ones,
        a built-in whose optional dependency is missing raises ``DependencyError``."""
        self._load_plugins()
        if name not in self._entries:
            known = ", ".join(self.names()) or "(none)"
            raise ConfigError(f"unknown {self.kind} {name!r}; available: {known}")
        entry = self._entries[name]
        if callable(entry):
            return entry
        module, _, attr = entry.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            raise DependencyError(f"the {self.kind} {name!r} cannot be imported: {exc}") from exc
        return getattr(mod, attr)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=self.group):
            if ep.name in self._entries:
                self.plugin_errors[ep.name] = f"{ep.value}: name taken by a built-in"
                continue
            self._entries[ep.name] = _EntryPoint(ep)


class _EntryPoint:
    """A factory loaded from an installed package's entry point on first call."""

    def __init__(self, ep: Any) -> None:
        self.ep = ep

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.ep.load()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"entry point {self.ep.value}"
