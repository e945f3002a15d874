"""The command line, generated from dataclasses with tyro.

A command module defines ``Command`` (a dataclass: each field is a flag, the docstring under it
is its help) and ``run(cmd) -> int``. A group of commands (``bench``, ``weights``, ``styles``)
defines ``SUBCOMMANDS = {name: (module, one-line help)}``. Commands that run a pipeline subclass
``streamfx.config.PipelineConfig`` and ``RunOptions``: ``--config FILE.toml`` loads saved
settings (flags given on the same line override them) and ``--print-config`` prints the
effective ones. Modules are imported only when their command runs, so ``--help`` is quick.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import sys
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

import tyro

from streamfx.config import PipelineConfig, dump_config, load_config

EXIT_CODES = """exit codes:
  0    done
  1    internal error (a bug; STREAMFX_DEBUG=1 shows the traceback)
  2    bad input, settings, style or missing dependency, an output that exists (--force) or
       is the input: nothing was written
  3    finished, but a stage failed on some frames (e.g. the editor): the output was written,
       the summary says how many frames and the first error
  4    edit batch: some files failed (the others were written; the table says which)
  130  interrupted (Ctrl-C or SIGTERM); edit leaves nothing under the output's name"""


@dataclass
class RunOptions:
    """Options of every command that runs a pipeline."""

    config: str | None = None
    """Read settings from this TOML file first (as --print-config writes them); flags on the
    command line override it."""
    print_config: bool = False
    """Print the effective settings as TOML (for --config) and exit."""
    verbose: Annotated[bool, tyro.conf.arg(aliases=("-v",))] = False
    """Debug logs, including MediaPipe's native log lines."""


def pipeline_config(cmd: Any) -> PipelineConfig:
    """The ``PipelineConfig`` part of a command (its sections, without its own options)."""
    names = [f.name for f in dataclasses.fields(PipelineConfig)]
    return PipelineConfig(**{name: getattr(cmd, name) for name in names})


def _config_path(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def _default(cls: type, argv: list[str]) -> Any:
    """The command's defaults, from ``--config FILE`` when given."""
    default = cls()
    path = _config_path(argv)
    if path and issubclass(cls, PipelineConfig):
        loaded = load_config(path)
        names = [f.name for f in dataclasses.fields(PipelineConfig)]
        default = dataclasses.replace(default, **{n: getattr(loaded, n) for n in names})
    return default


def parse(cls: type, argv: list[str], prog: str, description: str) -> Any:
    """Parse ``argv`` into a ``cls`` instance (tyro exits with status 2 on bad flags)."""
    _tyro_tweaks()
    return tyro.cli(cls, args=argv, prog=prog, description=description, default=_default(cls, argv))


def setup_logging(verbose: bool) -> None:
    """WARNING and up on stderr; streamfx's DEBUG (and native MediaPipe lines) with
    ``--verbose``."""
    import os

    if verbose:
        os.environ.setdefault("STREAMFX_NATIVE_LOGS", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("streamfx").setLevel(logging.DEBUG if verbose else logging.WARNING)


def dispatch(target: str, argv: list[str], prog: str, help_: str) -> int:
    """Run the command (or group) ``target`` on ``argv``.

    target: ``"module"`` (its ``Command`` dataclass and ``run`` function, or its
    ``SUBCOMMANDS``), or ``"module:Class:function"`` for one of several commands in a module.
    """
    module_name, _, rest = target.partition(":")
    mod = importlib.import_module(module_name)
    groups = getattr(mod, "SUBCOMMANDS", None)
    if groups is not None and not rest:
        return _dispatch_group(mod, groups, argv, prog, help_)
    cls_name, _, func_name = rest.partition(":")
    cls = getattr(mod, cls_name or "Command")
    func = getattr(mod, func_name or "run")
    description = (cls.__doc__ if rest else mod.__doc__) or help_
    cmd = parse(cls, argv, prog, description.strip())
    if isinstance(cmd, RunOptions):
        setup_logging(cmd.verbose)
        if cmd.print_config:
            print(dump_config(pipeline_config(cmd)), end="")
            return 0
    else:
        setup_logging(False)
    return int(func(cmd) or 0)


def _dispatch_group(mod: Any, groups: dict, argv: list[str], prog: str, help_: str) -> int:
    default = getattr(mod, "DEFAULT", None)
    if not argv or argv[0] in ("-h", "--help"):
        if default and not argv:
            return dispatch(groups[default][0], [], f"{prog} {default}", groups[default][1])
        print(group_help(prog, help_, groups))
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    name = getattr(mod, "ALIASES", {}).get(name, name)
    if name not in groups:
        print(group_help(prog, help_, groups), file=sys.stderr)
        print(f"{prog}: error: unknown command {name!r}", file=sys.stderr)
        return 2
    module, sub_help = groups[name]
    return dispatch(module, rest, f"{prog} {name}", sub_help)


def group_help(prog: str, help_: str, groups: dict[str, tuple[str, str]]) -> str:
    """Usage text of a command group: its commands with one line each."""
    width = max(len(n) for n in groups) + 2
    rows = "\n".join(f"  {name:<{width}}{text}" for name, (_, text) in groups.items())
    return f"usage: {prog} COMMAND [OPTIONS]\n\n{help_}\n\ncommands:\n{rows}\n\n" + (
        f"'{prog} COMMAND --help' shows a command's options."
    )


def _tyro_tweaks() -> None:
    """Two small adjustments of tyro's internals (each skipped if tyro changes shape):

    - join the wrapped lines of field docstrings into one paragraph in the help text (tyro
      keeps a break before an indented continuation line; ours wrap at 100 columns);
    - check ``X | None`` defaults on tyro's fast path, as it does ``Optional[X]`` (otherwise
      every ``--help`` imports typeguard, a third of the start-up time); tuples likewise.
    """
    strings = getattr(tyro, "_strings", None)
    if strings is not None and not getattr(strings, "_streamfx", False):
        strings._streamfx = True

        def unwrap(text: str) -> str:
            paragraphs = textwrap.dedent(text).split("\n\n")
            return "\n\n".join(" ".join(p.split()) for p in paragraphs).strip()

        strings.remove_single_line_breaks = unwrap
    resolver = getattr(tyro, "_resolver", None)
    check = getattr(resolver, "is_instance", None)
    if check is not None and not getattr(check, "_streamfx", False):

        def is_instance(typ: Any, value: Any) -> bool:
            if isinstance(typ, types.UnionType):
                return any(is_instance(arg, value) for arg in typ.__args__)
            if typing.get_origin(typ) is tuple and isinstance(value, tuple):
                args = typing.get_args(typ)
                if len(args) == 2 and args[1] is Ellipsis:
                    return all(is_instance(args[0], v) for v in value)
                ok = len(args) == len(value)
                return ok and all(is_instance(a, v) for a, v in zip(args, value, strict=False))
            return check(typ, value)

        is_instance._streamfx = True  # type: ignore[attr-defined]
        resolver.is_instance = is_instance
