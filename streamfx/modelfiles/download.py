"""HTTP downloads for model files: resumable (HTTP Range into a ``.part`` file), with progress.

Also: Google Drive's confirm-token dance (``gdrive:<id>``) and extraction of one member from a
wheel / zip / tar archive. Errors are ``ModelFileError`` with the URL and the reason.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import BinaryIO

from streamfx.errors import ModelFileError

CHUNK = 1 << 16
TIMEOUT_S = 30.0
USER_AGENT = "streamfx-modelfiles/1 (+https://pypi.org/project/streamfx)"
GDRIVE_URL = "https://drive.usercontent.google.com/download"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _open(url: str, start: int) -> urllib.response.addinfourl:
    headers = {"User-Agent": USER_AGENT}
    if start > 0:
        headers["Range"] = f"bytes={start}-"
    req = urllib.request.Request(url, headers=headers)
    return urllib.request.urlopen(req, timeout=TIMEOUT_S)


def _total_size(resp: urllib.response.addinfourl, start: int) -> int | None:
    rng = resp.headers.get("Content-Range", "")
    m = re.match(r"bytes \d+-\d+/(\d+)", rng)
    if m:
        return int(m.group(1))
    length = resp.headers.get("Content-Length")
    return int(length) + start if length and length.isdigit() else None


def _copy(resp: BinaryIO, out: BinaryIO, bar: object) -> None:
    for block in iter(lambda: resp.read(CHUNK), b""):
        out.write(block)
        bar.update(len(block))  # type: ignore[attr-defined]


def download(url: str, part: Path, *, desc: str, progress: bool = True) -> Path:
    """Download ``url`` into ``part``, resuming from its current size; returns ``part``.

    A server that ignores the Range header (answers 200) restarts the file from byte 0; a 416
    answer to a resume means the part is already complete.
    """
    from tqdm import tqdm

    if url.startswith("gdrive:"):
        url = _gdrive_url(url.split(":", 1)[1])
    part.parent.mkdir(parents=True, exist_ok=True)
    start = part.stat().st_size if part.is_file() else 0
    try:
        resp = _open(url, start)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start > 0:
            return part
        raise ModelFileError(f"HTTP {exc.code} {exc.reason} from {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelFileError(f"cannot reach {url}: {reason}") from None
    with resp:
        if start > 0 and resp.status != 206:
            start = 0  # no Range support: start over
        total = _total_size(resp, start)
        _refuse_html(resp, url)
        mode = "ab" if start > 0 else "wb"
        with (
            open(part, mode) as out,
            tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=desc,
                disable=not progress,
                file=sys.stderr,
                leave=False,
            ) as bar,
        ):
            try:
                _copy(resp, out, bar)
            except OSError as exc:
                raise ModelFileError(
                    f"download from {url} broke off at {out.tell()} bytes ({exc}); "
                    "run the same command again to resume"
                ) from None
    got = part.stat().st_size
    if total is not None and got != total:
        raise ModelFileError(
            f"download from {url} ended at {got} of {total} bytes; run again to resume"
        )
    return part


def _refuse_html(resp: urllib.response.addinfourl, url: str) -> None:
    ctype = resp.headers.get("Content-Type", "")
    if ctype.startswith("text/html") and ("google.com" in url or "googleusercontent" in url):
        raise ModelFileError(
            f"Google Drive answered {url} with a web page instead of the file "
            "(download quota exceeded, or the file is not shared publicly)"
        )


def _gdrive_url(file_id: str) -> str:
    """The direct-download URL of a public Google Drive file, after the confirm-token dance.

    Large files first answer with a "can't scan for viruses" page whose form carries the
    ``confirm`` and ``uuid`` values; those are sent back to get the file itself.
    """
    params = {"id": file_id, "export": "download", "confirm": "t"}
    first = f"{GDRIVE_URL}?{urllib.parse.urlencode(params)}"
    try:
        with _open(first, 0) as resp:
            if not resp.headers.get("Content-Type", "").startswith("text/html"):
                return first
            page = resp.read(1 << 20).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        raise ModelFileError(f"cannot reach Google Drive for id {file_id}: {exc}") from None
    fields = dict(re.findall(r'name="([^"]+)"\s+value="([^"]*)"', page))
    if "confirm" not in fields:
        raise ModelFileError(
            f"Google Drive gave no download form for id {file_id} (not public, or quota hit)"
        )
    fields = {k: html.unescape(v) for k, v in fields.items()}
    fields.setdefault("id", file_id)
    return f"{GDRIVE_URL}?{urllib.parse.urlencode(fields)}"


def extract_member(archive: Path, member: str, dest: Path) -> Path:
    """Copy ``member`` out of a wheel/zip/tar ``archive`` into ``dest``; returns ``dest``."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
            return dest
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                src = tf.extractfile(member)
                if src is None:
                    raise KeyError(member)
                with src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            return dest
    except KeyError:
        raise ModelFileError(f"{archive.name} has no member {member!r}") from None
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        raise ModelFileError(f"cannot read archive {archive.name}: {exc}") from None
    raise ModelFileError(f"{archive.name} is not a zip/wheel or tar archive (wanted {member!r})")
