"""Entry point of the ``streamfx`` command.

``COMMANDS`` maps each command to its module (imported only when that command runs) and a
one-line help; ``streamfx.cli.app`` turns the module's ``Command`` dataclass into flags.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # the command's start, for "first frame out N s after start"

import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

from streamfx import __version__  # noqa: E402

COMMANDS: dict[str, tuple[str, str]] = {
    "camera": ("streamfx.cli.camera", "live: webcam (or any source) -> edit -> virtual camera"),
    "edit": ("streamfx.cli.edit", "offline: edit a video (or images) into a file, audio kept"),
    "demo": ("streamfx.cli.demo", "the built-in demo clip: video + contact sheet + timings"),
    "eval": (
        "streamfx.eval.cli:EvalCommand:run",
        "measure edit quality (identity, flicker, seams, pose) with an HTML report",
    ),
    "export": (
        "streamfx.engines.export_cli:ExportCommand:run",
        "export the 3DPE network as ONNX graphs (cached; --check: parity vs torch)",
    ),
    "doctor": ("streamfx.cli.doctor", "what works on this machine (GPU, vcam, engines, models)"),
    "bench": ("streamfx.cli.bench", "benchmarks that print tables"),
    "weights": ("streamfx.cli.weights", "list, fetch, locate, import or inspect model files"),
    "styles": ("streamfx.cli.styles", "list, show, add, remove, export or import styles"),
    "dataset": ("streamfx.cli.dataset", "build a training dataset (aligned crops + camera labels)"),
    "train": ("streamfx.cli.train", "distil 3DPE: resumable checkpoints, DDP via torchrun"),
    "adapt": ("streamfx.cli.adapt", "few-shot: adapt a 3DPE style to ~10 (input, edited) pairs"),
}
DESCRIPTION = "Real-time 3D-aware portrait editing (3DPE) as a virtual camera and a file editor."


def usage() -> str:
    """The top-level help: commands, then the exit codes."""
    from streamfx.cli.app import EXIT_CODES, group_help

    return group_help("streamfx", DESCRIPTION, COMMANDS) + "\n\n" + EXIT_CODES


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status (see ``EXIT_CODES``)."""
    from streamfx.errors import StreamfxError

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"streamfx {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(usage(), file=sys.stderr)
        print(f"\nstreamfx: error: unknown command {name!r}", file=sys.stderr)
        return 2
    from streamfx.cli.app import dispatch

    module, help_ = COMMANDS[name]
    try:
        return dispatch(module, argv[1:], f"streamfx {name}", help_)
    except SystemExit as exc:  # tyro: --help (0) or bad flags (2)
        return exc.code if isinstance(exc.code, int) else 2
    except StreamfxError as exc:
        print(f"streamfx {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"streamfx {name}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen failure: one line, not a traceback
        if os.environ.get("STREAMFX_DEBUG"):
            traceback.print_exc()
        print(
            f"streamfx {name}: internal error: {type(exc).__name__}: {exc} "
            "(run with STREAMFX_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
