"""Argument checks shared by the commands (one clear error instead of odd behaviour later)."""

from __future__ import annotations

from streamfx.errors import ConfigError


def check_positive(**values: float | None) -> None:
    """Raise ``ConfigError`` naming the first option that is given but not > 0."""
    for name, value in values.items():
        if value is not None and not value > 0:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"{flag} must be a positive number, got {value}")
