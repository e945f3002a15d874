"""Edit a clip in-process before evaluating it (``streamfx eval INPUT --style NAME``).

The edit runs through the ``streamfx edit`` command's own entry point, so what is evaluated is
exactly what a user gets from the command line. Inputs that are not a plain video file (the
demo source, a camera-like spec) or that are cut to ``max_frames`` are first written as a
lossless PNG folder, which both the edit and the evaluation then read: the two sides of the
comparison are the same frames.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from streamfx.errors import PipelineError
from streamfx.eval.frames import source_frames, write_frames


def is_video_file(spec: str) -> bool:
    """True for an existing local file that is not an image (a video the edit can read)."""
    from streamfx.capture.images import is_image

    p = Path(spec)
    return p.is_file() and not is_image(p)


def prepare_original(spec: str, folder: Path, max_frames: int | None, fps: float) -> str:
    """The spec both sides read: ``spec`` itself for a whole local video file, else a PNG folder
    (``folder/original``) holding its first ``max_frames`` frames."""
    if is_video_file(spec) and max_frames is None:
        return spec
    out = folder / "original"
    write_frames(source_frames(spec, max_frames, fps), out)
    return str(out)


#: ``streamfx edit``'s status for "written, but the editor failed on some frames".
EXIT_DEGRADED = 3


def run_edit(original: str, output: Path, style: str, editor: str, quiet: bool = True) -> int:
    """Run ``streamfx edit ORIGINAL -o OUTPUT --style STYLE --editor EDITOR`` in-process and
    return its exit status: 0, or 3 when some frames were left unedited (a warning is printed;
    the evaluation shows them). PipelineError (with its messages) for any other status."""
    from streamfx.cli.main import main

    argv = [
        "edit",
        str(original),
        "-o",
        str(output),
        "--style",
        style,
        "--editor",
        editor,
        "--no-progress",
    ]
    out, err = io.StringIO(), io.StringIO()
    if quiet:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(argv)
    else:
        rc = main(argv)
    if rc == EXIT_DEGRADED:
        said = (out.getvalue() + err.getvalue()).strip().splitlines()[-2:]
        print(
            f"streamfx eval: warning: the editor failed on some frames: {' | '.join(said)}",
            file=sys.stderr,
        )
    elif rc != 0:
        said = (err.getvalue() or out.getvalue()).strip().splitlines()[-3:]
        raise PipelineError(
            f"the edit before the evaluation failed: `streamfx {' '.join(argv)}` exited with "
            f"{rc}" + (": " + " | ".join(said) if said else "")
        )
    if not output.is_file():
        raise PipelineError(f"the edit exited with {rc} but wrote no file at {output}")
    return rc
