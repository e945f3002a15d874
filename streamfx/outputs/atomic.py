"""Atomic output files: nothing appears under the final name until the file is complete.

``check_target(out, inputs, force)`` refuses, before any work, an output that is one of the
inputs (same device and inode: hard links, symlinks and ``..`` paths are all the same file) and
an existing file unless ``force``. ``AtomicPath`` hands out a temporary name in the destination
folder (same file system, so the final rename is atomic); ``commit()`` moves it into place
(without ``force`` it never replaces a file that appeared meanwhile), ``discard()`` removes it or
keeps it as ``NAME.partial``.
"""

from __future__ import annotations

import os
from pathlib import Path

from streamfx.errors import ConfigError, SinkError

PARTIAL_SUFFIX = ".partial"


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when both paths exist and are the same file (device and inode)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_target(
    out: str | Path, inputs: list[str] = (), force: bool = False, kind: str = "video"
) -> None:
    """Refuse an output that is an input file, or an existing file without ``force``; refuse
    a missing destination folder. Nothing is touched."""
    out = Path(out)
    for inp in inputs:
        if inp and (same_file(out, inp) or (not out.exists() and _same_name(out, inp))):
            raise ConfigError(
                f"output {out} is the input file {inp} (the same file on disk); "
                "choose another output path"
            )
    if out.is_dir():
        raise ConfigError(f"output {out} is a folder; give a file name (or edit a folder)")
    if (out.exists() or out.is_symlink()) and not force:
        raise ConfigError(f"output {out} already exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise SinkError(f"cannot write {kind} file {out}: folder {out.parent} does not exist")


def _same_name(out: Path, inp: str) -> bool:
    try:
        return out.resolve() == Path(inp).resolve()
    except OSError:
        return False


class AtomicPath:
    """A temporary file beside ``final``, moved into place by ``commit()``.

    force: ``commit`` may replace an existing ``final``.
    keep_partial: ``discard`` keeps what was written as ``final + ".partial"``.
    """

    def __init__(self, final: str | Path, force: bool = False, keep_partial: bool = False) -> None:
        self.final = Path(final)
        self.force = force
        self.keep_partial = keep_partial
        # the suffix is kept so tools can tell the format; the dot hides it from listings
        self.temp = self.final.with_name(f".{self.final.stem}.{os.getpid()}.tmp{self.final.suffix}")
        self.done = False
        self.kept: Path | None = None

    @property
    def partial(self) -> Path:
        """Where ``discard`` keeps an unfinished file with ``keep_partial``."""
        return self.final.with_name(self.final.name + PARTIAL_SUFFIX)

    def commit(self) -> Path:
        """Move the finished temporary file to the final name; -> the final path."""
        if self.force:
            os.replace(self.temp, self.final)
        else:
            try:  # link + unlink: fails instead of replacing a file that appeared meanwhile
                os.link(self.temp, self.final)
            except FileExistsError:
                self.discard()
                raise ConfigError(
                    f"output {self.final} appeared while editing; kept it (pass --force)"
                ) from None
            except OSError:  # a file system without hard links
                if self.final.exists():
                    self.discard()
                    raise ConfigError(f"output {self.final} already exists; pass --force") from None
                os.replace(self.temp, self.final)
            else:
                os.unlink(self.temp)
        self.done = True
        return self.final

    def discard(self) -> Path | None:
        """Remove the temporary file (or keep it as ``NAME.partial``); -> the kept path."""
        if self.done or not self.temp.exists():
            return None
        if self.keep_partial:
            os.replace(self.temp, self.partial)
            self.kept = self.partial
            return self.partial
        self.temp.unlink(missing_ok=True)
        return None
