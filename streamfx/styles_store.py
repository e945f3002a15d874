"""Styles users manage: add, remove, export and import style folders in the user styles folder.

A style is a folder (see ``streamfx.backends.styles_catalog``): ``style.toml``, a reference
image (3DPE), a ``thumbnail.png`` and optionally adapted weights (``delta.safetensors``).
Everything written here is validated in full first, in a temporary folder beside the target,
and then moved into place with one rename: a bad input (a malformed zip, a style whose
reference is missing or unreadable) is a clear error and leaves the styles folder unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamfx.backends.styles_catalog import (
    StyleSpec,
    check_defaults,
    load_style,
    parse_style,
    user_styles_dir,
)
from streamfx.errors import ConfigError, InputError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
THUMB_SIZE = 160
#: largest uncompressed style a zip may hold (reference + thumbnail + delta)
MAX_ZIP_BYTES = 512 * 1024 * 1024
REFERENCE_NAME = "reference.png"


def check_name(name: str) -> str:
    """A style name usable as a folder name and a ``--style`` value."""
    if not NAME_RE.match(name or ""):
        raise ConfigError(
            f"style name: expected letters, digits, '-' or '_' (at most 64, starting with a "
            f"letter or digit), got {name!r}"
        )
    return name


def given_defaults(
    strength: float | None = None,
    pose_fraction: float | None = None,
    smoothing: float | None = None,
) -> dict[str, float]:
    """A style's ``[defaults]`` from the values a command was given (None: not given)."""
    given = {"strength": strength, "pose_fraction": pose_fraction, "smoothing": smoothing}
    return {k: v for k, v in given.items() if v is not None}


def styles_root(root: str | Path | None = None) -> Path:
    """Where styles are written: ``root`` or the user styles folder."""
    return Path(root).expanduser() if root else user_styles_dir()


def read_image(path: str | Path, what: str = "reference image"):
    """An RGB ``PIL.Image`` of ``path``; InputError naming the file when missing or unreadable."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what} {p} does not exist (expected an image file)")
    try:
        with Image.open(p) as im:
            im.load()
            return im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{what} {p} is not a readable image: {exc}") from exc


def thumbnail(image, size: int = THUMB_SIZE):
    """A square centre crop of ``image`` (PIL) resized to ``size``."""
    from PIL import Image

    w, h = image.size
    s = min(w, h)
    box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
    return image.crop(box).resize((size, size), Image.Resampling.LANCZOS)


def validate_folder(folder: Path) -> StyleSpec:
    """Parse ``folder/style.toml`` and check what it points to: the reference is a readable
    image, the delta a readable safetensors file. Returns the spec."""
    if not (folder / "style.toml").is_file():
        raise InputError(f"{folder} is not a style folder: style.toml is missing")
    spec = parse_style(folder)
    if spec.editor == "3dpe":
        assert spec.reference is not None
        if not spec.reference.is_file():
            raise InputError(
                f"style {spec.name!r}: its reference {spec.reference.name} is missing "
                f"(style.toml names it; expected it in {folder})"
            )
        read_image(spec.reference, f"style {spec.name!r}: reference")
        if spec.delta is not None:
            check_delta(spec.delta, spec.name)
    return spec


def check_delta(path: Path, name: str) -> None:
    """A readable safetensors file, else InputError."""
    if not path.is_file():
        raise InputError(f"style {name!r}: its adapted weights {path.name} are missing")
    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as fh:
            list(fh.keys())
    except Exception as exc:
        raise InputError(
            f"style {name!r}: {path.name} is not a readable safetensors file: {exc}"
        ) from exc


def toml_text(data: dict[str, Any]) -> str:
    """``data`` as TOML (tables last)."""
    import tomli_w

    return tomli_w.dumps(data)


def install(
    name: str,
    fill: Callable[[Path], None],
    root: str | Path | None = None,
    force: bool = False,
) -> StyleSpec:
    """Build style ``name`` with ``fill(folder)`` in a temporary folder under ``root``, validate
    it, then move it into place (replacing an existing one only with ``force``)."""
    target = check_free(name, root, force)
    base = target.parent
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".incoming-{name}-", dir=base))
    try:
        folder = work / name
        folder.mkdir()
        fill(folder)
        validate_folder(folder)
        old = None
        if target.exists():
            old = work / ".old"
            os.replace(target, old)
        os.replace(folder, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return parse_style(target)


def check_free(name: str, root: str | Path | None = None, force: bool = False) -> Path:
    """The folder style ``name`` will be written to; ConfigError when a style is there already
    (unless ``force``). For a check before a long job (an adaptation) as well as at the end."""
    check_name(name)
    target = styles_root(root) / name
    if target.exists() and not force:
        raise ConfigError(f"style {name!r} exists at {target}; pass --force to replace it")
    return target


def add_reference_style(
    name: str,
    reference: str | Path,
    *,
    description: str = "",
    defaults: dict[str, float] | None = None,
    source: dict[str, Any] | None = None,
    delta: str | Path | None = None,
    extra_dir: str | Path | None = None,
    root: str | Path | None = None,
    force: bool = False,
) -> StyleSpec:
    """A 3DPE style from a reference image (stored as ``reference.png`` with a thumbnail);
    ``delta``: adapted weights to store with it; ``source``: how it was made; ``extra_dir``: a
    folder copied in as ``candidates/`` (text styles' candidate edits)."""
    check_name(name)
    image = read_image(reference)
    check_defaults(Path(f"{name}/style.toml"), defaults or {})
    if delta is not None:
        check_delta(Path(delta), name)

    def fill(folder: Path) -> None:
        image.save(folder / REFERENCE_NAME)
        thumbnail(image).save(folder / "thumbnail.png")
        data: dict[str, Any] = {
            "name": name,
            "editor": "3dpe",
            "description": description or f"3DPE image prompt from {Path(reference).name}",
            "reference": REFERENCE_NAME,
        }
        if extra_dir is not None:
            shutil.copytree(extra_dir, folder / "candidates")
        if delta is not None:
            shutil.copyfile(delta, folder / "delta.safetensors")
            data["delta"] = "delta.safetensors"
        if defaults:
            data["defaults"] = dict(defaults)
        if source:
            data["source"] = dict(source)
        (folder / "style.toml").write_text(toml_text(data))

    return install(name, fill, root, force)


def user_style(name: str, root: str | Path | None = None) -> Path:
    """The folder of user style ``name`` (ConfigError when it is not a user style)."""
    check_name(name)
    folder = styles_root(root) / name
    if not (folder / "style.toml").is_file():
        try:
            spec = load_style(name)
        except ConfigError:
            spec = None
        where = f" (it is at {spec.folder or 'built in'}, not a user style)" if spec else ""
        raise ConfigError(f"no user style {name!r} in {folder.parent}{where}")
    return folder


def remove_style(name: str, root: str | Path | None = None) -> Path:
    """Delete user style ``name``; returns the folder it was in."""
    folder = user_style(name, root)
    trash = Path(tempfile.mkdtemp(prefix=f".removing-{name}-", dir=folder.parent))
    os.replace(folder, trash / name)
    shutil.rmtree(trash, ignore_errors=True)
    return folder


def export_style(name: str, out: str | Path, force: bool = False) -> Path:
    """Write style ``name`` (any style with a folder, or a folder path) to the zip ``out``:
    its files under ``NAME/``. Never overwrites ``out`` unless ``force``."""
    spec = load_style(name)
    if spec.folder is None:
        raise ConfigError(f"style {spec.name!r} is built into the code; there is no folder")
    validate_folder(spec.folder)
    dest = Path(out)
    if dest.suffix.lower() != ".zip":
        raise ConfigError(f"export: expected an output FILE.zip, got {str(dest)!r}")
    if dest.exists() and not force:
        raise ConfigError(f"{dest} exists; pass --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}-", suffix=".part", dir=dest.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(spec.folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    rel = path.relative_to(spec.folder).as_posix()
                    zf.write(path, f"{spec.name}/{rel}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def _zip_members(zf: zipfile.ZipFile, src: Path) -> tuple[str, list[zipfile.ZipInfo]]:
    """(style name, file members) of a style zip, every member checked."""
    infos = zf.infolist()
    files = [i for i in infos if not i.is_dir()]
    if not files:
        raise InputError(f"{src} holds no files (expected NAME/style.toml and the style's files)")
    tops = set()
    total = 0
    for info in infos:
        parts = info.filename.split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise InputError(f"{src}: unsafe member path {info.filename!r}")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"{src}: member {info.filename!r} is a symbolic link")
        tops.add(parts[0])
        total += info.file_size
    if len(tops) != 1 or any("/" not in i.filename for i in files):
        raise InputError(
            f"{src}: expected one top folder NAME/ holding style.toml, got {sorted(tops)}"
        )
    if total > MAX_ZIP_BYTES:
        raise InputError(f"{src}: {total} bytes uncompressed, more than {MAX_ZIP_BYTES}")
    name = tops.pop()
    if f"{name}/style.toml" not in {i.filename for i in files}:
        raise InputError(f"{src}: {name}/style.toml is missing (not a streamfx style zip)")
    return name, files


def import_style(src: str | Path, root: str | Path | None = None, force: bool = False) -> StyleSpec:
    """Install the style in zip ``src`` into the user styles folder (``root``), after checking
    every member, the style file and its reference."""
    path = Path(src)
    if not path.is_file():
        raise InputError(f"{path} does not exist (expected a style FILE.zip)")
    try:
        with zipfile.ZipFile(path) as zf:
            name, files = _zip_members(zf, path)
            check_name(name)
            bad = zf.testzip()
            if bad is not None:
                raise InputError(f"{path}: member {bad!r} is corrupt (CRC mismatch)")

            def fill(folder: Path) -> None:
                for info in files:
                    rel = info.filename.split("/", 1)[1]
                    dest = folder / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as fin, open(dest, "wb") as fout:
                        shutil.copyfileobj(fin, fout)

            return install(name, fill, root, force)
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path} is not a readable zip file: {exc}") from exc
