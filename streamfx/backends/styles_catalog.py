"""The style catalog: named styles for both editors, one folder each with a ``style.toml``.

Format (shared by mesh and 3DPE styles)::

    name = "cartoon"              # must match the folder name
    editor = "mesh"               # "mesh" or "3dpe"
    description = "flat cel-shaded colours with ink outlines"
    effect = "cartoon"            # mesh only, optional: the mesh effect (default: name)
    reference = "ref.png"         # 3dpe only: the reference image, relative to the folder
    delta = "delta.safetensors"   # 3dpe only, optional: adapted weights (``streamfx adapt``)
    [params]                      # effect parameters (mesh) / editor options (3dpe)
    levels = 5
    [defaults]                    # optional: live-control starting values (see STYLE_DEFAULTS)
    strength = 0.8
    [source]                      # optional: how the style was made (text, teacher, seed, ...)
    text = "turn him into a bronze statue"

A ``thumbnail.png`` beside it is optional (``streamfx styles thumbnails`` renders them).

Search path, later entries win on equal names:
1. the mesh editor's built-in effects (code defaults);
2. ``streamfx/styles_data/``: the built-in style folders, package data (installed by a plain
   ``pip install``; the single source of the built-in TOML + thumbnails);
3. the user styles folder (``user_styles_dir()``: ``$XDG_DATA_HOME/streamfx/styles``, by default
   ``~/.local/share/streamfx/styles``), where ``streamfx styles add/import`` write;
4. each folder in ``$STREAMFX_STYLES`` (``os.pathsep``-separated).

``load_style`` also takes the path of a style folder (any editor).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamfx.errors import ConfigError, DependencyError

EDITORS = ("mesh", "3dpe")
STYLE_KEYS = {
    "name", "editor", "description", "effect", "reference", "delta", "params", "defaults", "source"
}  # fmt: skip
#: parameters a 3DPE style may set in [params], with their defaults (type checked)
THREEDPE_PARAMS: dict[str, Any] = {}
#: starting values of the live controls a style may set in [defaults]: (default, low, high);
#: applied when the style is selected (``streamfx.runtime.controls.LiveControls.set_style``)
STYLE_DEFAULTS: dict[str, tuple[float, float, float]] = {
    "strength": (1.0, 0.0, 1.0),
    "pose_fraction": (0.0, 0.0, 1.0),
    "pose_max_deg": (20.0, 0.0, 60.0),
    "smoothing": (0.65, 0.0, 1.0),
}
BUILTIN_STYLES = Path(__file__).resolve().parents[1] / "styles_data"
REPO_STYLES = BUILTIN_STYLES  # the old name (the folders lived in the repo's models/styles/)
ENV_VAR = "STREAMFX_STYLES"


def user_styles_dir() -> Path:
    """The user's styles folder: ``$XDG_DATA_HOME/streamfx/styles`` (default
    ``~/.local/share/streamfx/styles``); it may not exist yet."""
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "streamfx" / "styles"


@dataclass(frozen=True)
class StyleSpec:
    """One style.

    name: the style name (``--style NAME``). editor: "mesh" or "3dpe".
    description: one line for listings. params: effect / editor parameters.
    effect: the mesh effect that implements it (mesh styles; defaults to ``name``).
    reference: the reference image of a 3DPE style (absolute path), else None.
    folder: the style folder, or None for a built-in without one.
    thumbnail: path of ``thumbnail.png`` when present.
    defaults: live-control starting values from [defaults] (only the keys the file sets).
    source: how the style was made ([source]: text, teacher, seed, guidance, ...).
    delta: adapted weights of a 3DPE style (absolute path), else None.
    """

    name: str
    editor: str
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    effect: str | None = None
    reference: Path | None = None
    folder: Path | None = None
    thumbnail: Path | None = None
    defaults: dict[str, float] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    delta: Path | None = None


def _toml_load(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError as exc:
            raise DependencyError(
                "reading style.toml on Python 3.10 needs: pip install tomli"
            ) from exc
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read style file {path}: {exc}") from exc


def parse_style(folder: Path) -> StyleSpec:
    """Read ``folder/style.toml`` into a StyleSpec, checking its fields."""
    path = folder / "style.toml"
    data = _toml_load(path)
    name = data.get("name", folder.name)
    editor = data.get("editor")
    if editor not in EDITORS:
        raise ConfigError(f"{path}: editor must be one of {EDITORS}, got {editor!r}")
    if name != folder.name:
        raise ConfigError(f"{path}: name {name!r} must match its folder name {folder.name!r}")
    unknown = sorted(set(data) - STYLE_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {unknown}; expected some of {sorted(STYLE_KEYS)}"
        )
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{path}: [params] must be a table, got {type(params).__name__}")
    effect = (data.get("effect") or name) if editor == "mesh" else None
    check_params(path, editor, effect, params)
    defaults = check_defaults(path, data.get("defaults", {}))
    source = data.get("source", {})
    if not isinstance(source, dict):
        raise ConfigError(f"{path}: [source] must be a table, got {type(source).__name__}")
    reference = delta = None
    if editor == "3dpe":
        ref = data.get("reference")
        if not ref or not isinstance(ref, str):
            raise ConfigError(f"{path}: a 3dpe style needs reference = 'image file'")
        reference = (folder / ref).resolve()
        if data.get("delta"):
            delta = (folder / str(data["delta"])).resolve()
    elif "delta" in data:
        raise ConfigError(f"{path}: delta (adapted weights) is for 3dpe styles only")
    thumb = folder / "thumbnail.png"
    return StyleSpec(
        name=name,
        editor=editor,
        description=str(data.get("description", "")),
        params=dict(params),
        effect=effect,
        reference=reference,
        folder=folder,
        thumbnail=thumb if thumb.is_file() else None,
        defaults=defaults,
        source=dict(source),
        delta=delta,
    )


def check_defaults(path: Path, defaults: Any) -> dict[str, float]:
    """Check a style's ``[defaults]``: known keys (``STYLE_DEFAULTS``), numbers in range."""
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: [defaults] must be a table, got {type(defaults).__name__}")
    out: dict[str, float] = {}
    for key, value in defaults.items():
        if key not in STYLE_DEFAULTS:
            raise ConfigError(
                f"{path}: unknown key {key!r} in [defaults]; expected some of "
                f"{sorted(STYLE_DEFAULTS)}"
            )
        _, low, high = STYLE_DEFAULTS[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not low <= value <= high:
            raise ConfigError(
                f"{path}: [defaults] {key!r} expected a number in [{low:g}, {high:g}], "
                f"got {value!r} ({type(value).__name__})"
            )
        out[key] = float(value)
    return out


def style_dirs() -> list[Path]:
    """Folders searched for style folders, lowest precedence first."""
    dirs = [BUILTIN_STYLES, user_styles_dir()]
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    return [d for d in dirs if d.is_dir()]


def _builtin_specs() -> dict[str, StyleSpec]:
    from streamfx.backends.mesh.styles import EFFECTS

    return {
        name: StyleSpec(
            name=name, editor="mesh", description=eff.description, params={}, effect=name
        )
        for name, eff in EFFECTS.items()
    }


def check_params(path: Path, editor: str, effect: str | None, params: dict[str, Any]) -> None:
    """Check a style's ``[params]`` against its editor: every key known, every value of the
    type of the parameter's default. ConfigError names the file, the key, expected and got."""
    if editor == "3dpe":
        known: dict[str, Any] = dict(THREEDPE_PARAMS)
    else:
        from streamfx.backends.mesh.styles import EFFECTS

        if effect not in EFFECTS:
            raise ConfigError(
                f"{path}: effect {effect!r} is not a mesh effect; expected one of {sorted(EFFECTS)}"
            )
        known = EFFECTS[effect].defaults
    for key, value in params.items():
        if key not in known:
            raise ConfigError(
                f"{path}: unknown parameter {key!r} in [params]; expected some of {sorted(known)}"
            )
        if not _same_type(value, known[key]):
            raise ConfigError(
                f"{path}: parameter {key!r} expected {_describe(known[key])}, "
                f"got {value!r} ({type(value).__name__})"
            )


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(default):
            return False
        return all(_same_type(v, d) for v, d in zip(value, default, strict=True))
    return isinstance(value, type(default))


def _describe(default: Any) -> str:
    if isinstance(default, (tuple, list)):
        return f"a list of {len(default)} like {list(default)!r}"
    return f"{type(default).__name__} (like {default!r})"


_problems: list[str] = []


def _catalog() -> dict[str, StyleSpec]:
    """Every style by name; a broken folder is recorded in ``catalog_problems`` and kept out
    (its error is raised only when that style is asked for by name)."""
    specs: dict[str, StyleSpec | ConfigError] = dict(_builtin_specs())
    _problems.clear()
    for d in style_dirs():
        for folder in sorted(p for p in d.iterdir() if (p / "style.toml").is_file()):
            try:
                specs[folder.name] = parse_style(folder)
            except ConfigError as exc:
                specs[folder.name] = exc
                _problems.append(str(exc))
    return specs  # type: ignore[return-value]


def catalog_problems() -> list[str]:
    """The errors of the style folders that could not be read (from the last listing)."""
    if not _problems:
        _catalog()
    return list(_problems)


def list_styles() -> list[StyleSpec]:
    """Every usable style, sorted by name (broken folders: see ``catalog_problems``)."""
    specs = [s for s in _catalog().values() if isinstance(s, StyleSpec)]
    return sorted(specs, key=lambda s: s.name)


def load_style(name: str) -> StyleSpec:
    """The style called ``name`` (or the style folder at that path); unknown names raise
    ConfigError listing the available ones, a broken style folder raises its own error (file,
    key, expected, got)."""
    if os.sep in name or (os.altsep and os.altsep in name) or name.startswith("."):
        folder = Path(name).expanduser()
        if (folder / "style.toml").is_file():
            return parse_style(folder.resolve())
        raise ConfigError(f"style folder {folder} has no style.toml (expected a style folder)")
    specs = _catalog()
    if isinstance(specs.get(name), ConfigError):
        raise specs[name]  # type: ignore[misc]
    if name not in specs:
        raise ConfigError(f"unknown style {name!r}; available: {', '.join(sorted(specs))}")
    return specs[name]
