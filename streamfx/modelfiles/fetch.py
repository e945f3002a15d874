"""Finding and fetching model files: ``locate`` (local only) and ``ensure`` (may download).

Sources are tried in order: the ``$STREAMFX_MODELS`` folder, the user cache, then each remote of
the catalog entry. Every file is hash-checked (or, when upstream publishes no hash, the computed
hash is printed and recorded beside the file). When every source fails, one ``ModelFileError``
lists each source with its reason and says how to get the file by hand.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

from streamfx.errors import ModelFileError
from streamfx.modelfiles.catalog import ModelFile, Remote, cache_dir, get, models_dir
from streamfx.modelfiles.download import download, extract_member, sha256_of

log = logging.getLogger(__name__)

# (path, size, mtime_ns) -> sha256, so a file is hashed once per process
_HASHES: dict[tuple[str, int, int], str] = {}


def _hash(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_of(path)
    return _HASHES[key]


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def locate(name: str) -> Path | None:
    """The local path of model file ``name`` without any network access, or None.

    Looks in ``$STREAMFX_MODELS`` then the user cache; a file whose size differs from the
    catalog's is ignored. The hash is checked by ``ensure``, not here.
    """
    entry = get(name)
    for folder in (models_dir(), cache_dir()):
        if folder is None:
            continue
        path = folder / entry.name
        if path.is_file() and (entry.size is None or path.stat().st_size == entry.size):
            return path
    return None


def mismatch_message(entry: ModelFile, source: str, got: str) -> str:
    """The text of a hash-mismatch error: the file, the source and both hashes."""
    return (
        f"hash mismatch for {entry.name} from {source}: expected sha256 {entry.sha256}, got {got}"
    )


def _check_local(entry: ModelFile, path: Path, where: str) -> str | None:
    """None when ``path`` is the right file, else the reason it is not."""
    if not path.is_file():
        return f"{where}: no file {path}"
    if entry.sha256 is None:
        _record_unknown_hash(entry, path, where)
        return None
    got = _hash(path)
    if got != entry.sha256:
        return mismatch_message(entry, f"{where} ({path})", got)
    return None


def _record_unknown_hash(entry: ModelFile, path: Path, where: str) -> str:
    got = _hash(path)
    stamp = _stamp(path)
    try:
        stamp.write_text(f"{got}  {path.name}\n")
        recorded = f"recorded in {stamp}"
    except OSError:
        recorded = "not recorded (folder not writable)"
    print(
        f"streamfx: {entry.name} from {where}: sha256 {got} ({path.stat().st_size} bytes); "
        f"no published hash to check against, {recorded}",
        file=sys.stderr,
    )
    return got


def _fetch_remote(entry: ModelFile, remote: Remote, final: Path, progress: bool) -> Path:
    """Download ``remote`` (extracting its member) and move the checked file to ``final``."""
    key = hashlib.sha1(remote.url.encode()).hexdigest()[:10]
    part = final.with_name(f"{entry.name}.{key}.part")
    download(remote.url, part, desc=entry.name, progress=progress)
    if remote.sha256 is not None:
        got = sha256_of(part)
        if got != remote.sha256:
            part.unlink(missing_ok=True)
            raise ModelFileError(
                f"hash mismatch for the download {remote.url}: expected sha256 "
                f"{remote.sha256}, got {got} (deleted; try again)"
            )
    candidate = part
    if remote.member:
        candidate = extract_member(part, remote.member, final.with_name(f"{entry.name}.{key}.x"))
    try:
        _verify_download(entry, remote, candidate)
    except ModelFileError:
        candidate.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
        raise
    os.replace(candidate, final)
    part.unlink(missing_ok=True)
    if entry.sha256 is None:
        _record_unknown_hash(entry, final, remote.describe())
    return final


def _verify_download(entry: ModelFile, remote: Remote, path: Path) -> None:
    if entry.sha256 is None:
        return  # recorded once the file is in place
    got = sha256_of(path)
    if got != entry.sha256:
        size = path.stat().st_size
        expected = f"{entry.size} bytes" if entry.size is not None else "unknown size"
        raise ModelFileError(
            f"{mismatch_message(entry, remote.describe(), got)} "
            f"({size} bytes, expected {expected}); the bad download was deleted"
        )


def _manual_hint(entry: ModelFile) -> str:
    lines = ["To get it by hand:"]
    for remote in entry.remotes():
        url = remote.url
        if url.startswith("gdrive:"):
            url = f"https://drive.google.com/uc?id={url.split(':', 1)[1]}&export=download"
        if remote.member:
            lines.append(f"  - download {url} and take {remote.member} out of it (unzip)")
        else:
            lines.append(f"  - download {url}")
    if entry.homepage:
        lines.append(f"  - or see {entry.homepage}")
    if entry.sha256:
        lines.append(f"  check: sha256sum {entry.name} -> {entry.sha256}")
    folder = models_dir()
    target = f"the folder {folder}" if folder else "a folder and set STREAMFX_MODELS to it"
    lines.append(f"  then put it in {target}, or in {cache_dir()}")
    return "\n".join(lines)


def ensure(name: str, *, progress: bool = True) -> Path:
    """The local path of model file ``name``, downloading it into the user cache if needed.

    Tries ``$STREAMFX_MODELS``, the user cache, then each remote source in order; raises
    ``ModelFileError`` listing every source and why it failed when none delivers the file.
    """
    entry = get(name)
    name = entry.name
    failures: list[str] = []
    folder = models_dir()
    if folder is None:
        failures.append("$STREAMFX_MODELS: not set")
    else:
        reason = _check_local(entry, folder / name, "$STREAMFX_MODELS")
        if reason is None:
            return folder / name
        failures.append(reason)
    final = cache_dir() / name
    reason = _check_local(entry, final, "user cache")
    if reason is None:
        return final
    if final.is_file():  # wrong content in our own cache: remove it before downloading
        final.unlink()
        reason += " (deleted)"
    failures.append(reason)
    for remote in entry.remotes():
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            return _fetch_remote(entry, remote, final, progress)
        except ModelFileError as exc:
            log.info("%s: %s", remote.describe(), exc)
            failures.append(f"{remote.describe()}: {exc}")
        except OSError as exc:
            failures.append(f"{remote.describe()}: {exc}")
    listed = "\n".join(f"  - {f}" for f in failures)
    raise ModelFileError(
        f"model file {name} is not available; tried every source:\n{listed}\n{_manual_hint(entry)}"
    )
