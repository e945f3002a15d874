"""``streamfx edit DIR_OR_GLOB -o OUT_DIR``: many files, resumable, on N local worker processes
(``--jobs N``) or as Ray tasks (``--ray ADDRESS``).

Every file is one ``run_job`` (the same function as a single edit, so the bytes are the same
whichever way it ran); outputs keep the inputs' relative paths under ``OUT_DIR``. The manifest
(``streamfx.batch.manifest``) records each file's state: a re-run skips finished files and does
interrupted ones again. A failing file never stops the batch; the final table lists every file
and the exit status is the worst one (``EXIT_BATCH_FAILED`` when any file failed).
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from streamfx.batch.job import FileJob, FileResult, run_job
from streamfx.batch.manifest import Manifest, file_key, remove_stale_temps
from streamfx.errors import ConfigError

EXIT_BATCH_FAILED = 4
MEDIA_SUFFIXES = (
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".ts", ".3gp", ".flv",
    ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp",
)  # fmt: skip
GLOB_CHARS = "*?["


def is_batch(inp: str, out: str) -> bool:
    """True when ``edit INPUT -o OUTPUT`` means a batch: INPUT is a glob, or a folder edited
    into a folder (a folder of images into a video file stays one image sequence)."""
    if any(c in inp for c in GLOB_CHARS) and not Path(inp).exists():
        return True
    return Path(inp).is_dir() and (Path(out).is_dir() or not Path(out).suffix)


def expand(inp: str) -> tuple[Path, list[Path]]:
    """(root, media files) of a folder (recursively) or a glob, sorted."""
    if Path(inp).is_dir():
        root = Path(inp)
        files = [p for p in root.rglob("*") if p.is_file()]
    else:
        prefix = []
        for part in Path(inp).parts:
            if any(c in part for c in GLOB_CHARS):
                break
            prefix.append(part)
        root = Path(*prefix) if prefix else Path(".")
        files = [Path(p) for p in glob.glob(inp, recursive=True) if Path(p).is_file()]
    files = sorted(p for p in files if p.suffix.lower() in MEDIA_SUFFIXES and not _hidden(p, root))
    if not files:
        raise ConfigError(f"{inp}: no video or image files found (expected {MEDIA_SUFFIXES})")
    return root, files


def _hidden(p: Path, root: Path) -> bool:
    try:
        return any(part.startswith(".") for part in p.relative_to(root).parts)
    except ValueError:
        return p.name.startswith(".")


def output_for(src: Path, root: Path, out_dir: Path) -> Path:
    """OUT_DIR/<path relative to root>, same suffix (unknown video suffixes become .mp4)."""
    from streamfx.outputs.container import VIDEO_SUFFIXES
    from streamfx.outputs.image import IMAGE_SUFFIXES

    try:
        rel = src.relative_to(root)
    except ValueError:
        rel = Path(src.name)
    if rel.suffix.lower() not in VIDEO_SUFFIXES + IMAGE_SUFFIXES:
        rel = rel.with_suffix(".mp4")
    return out_dir / rel


@dataclass
class Planned:
    job: FileJob
    key: str


def plan(
    inp: str, out_dir: str, template: FileJob, settings: str, manifest: Manifest
) -> tuple[list[Planned], list[FileResult]]:
    """(jobs to run, files skipped as finished)."""
    root, files = expand(inp)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {out} is a file; a batch needs an output folder")
    todo, skipped = [], []
    for src in files:
        dst = output_for(src, root, out)
        if dst.resolve() == src.resolve() or out.resolve() in src.resolve().parents:
            continue  # never edit our own outputs
        key = file_key(str(src), settings)
        if manifest.finished(str(src), str(dst), key):
            skipped.append(FileResult(str(src), str(dst), "done", error="finished earlier"))
            continue
        job = FileJob(
            str(src),
            str(dst),
            config=template.config,
            force=template.force,
            keep_partial=template.keep_partial,
            strict=template.strict,
        )
        todo.append(Planned(job, key))
    return todo, skipped


def run_batch(
    inp: str,
    out_dir: str,
    template: FileJob,
    settings: str,
    jobs: int = 1,
    ray_address: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> tuple[int, list[FileResult]]:
    """Run the batch; -> (exit status, one result per file, skipped ones included)."""
    manifest = Manifest(out_dir)
    todo, skipped = plan(inp, out_dir, template, settings, manifest)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    echo(
        f"streamfx edit: {len(todo) + len(skipped)} files, {len(skipped)} already finished, "
        f"{len(todo)} to edit -> {out_dir}"
        + (f" (Ray {ray_address})" if ray_address else f" ({jobs} jobs)" if jobs > 1 else "")
    )
    for p in todo:
        remove_stale_temps(p.job.output)
        Path(p.job.output).parent.mkdir(parents=True, exist_ok=True)
        manifest.record(p.job.input, p.job.output, p.key, "started")
    keys = {p.job.input: p.key for p in todo}

    def done(result: FileResult) -> None:
        manifest.record(result.input, result.output, keys[result.input], result.state,
                        result.to_dict())  # fmt: skip

    results: list[FileResult] = []
    interrupted = False
    try:
        if ray_address:
            from streamfx.batch.ray_jobs import run_ray

            results = run_ray([p.job for p in todo], ray_address, done, progress)
        else:
            from streamfx.batch.local import run_local

            results = run_local([p.job for p in todo], jobs, done, progress)
    except KeyboardInterrupt:
        interrupted = True
    finished = {r.input for r in results}
    for p in todo:  # files that never came back
        if p.job.input not in finished:
            r = FileResult(p.job.input, p.job.output, "interrupted", error="not finished")
            results.append(r)
    all_results = skipped + sorted(results, key=lambda r: r.input)
    echo(table(all_results, skipped))
    return exit_status(all_results, interrupted), all_results


def exit_status(results: Iterable[FileResult], interrupted: bool = False) -> int:
    states = {r.state for r in results}
    if interrupted or "interrupted" in states:
        return 130
    if "failed" in states:
        return EXIT_BATCH_FAILED
    return 3 if "degraded" in states else 0


def table(results: list[FileResult], skipped: list[FileResult]) -> str:
    """The final table: one row per file (state, frames, edited, no face, errors, skipped
    packets, audio streams, seconds) and a count per state."""
    names = [Path(r.input).name for r in results]
    w = max([len(n) for n in names] + [4])
    head = f"{'file':<{w}}  {'state':<11}{'frames':>7}{'edited':>7}{'noface':>7}"
    head += f"{'errors':>7}{'skipped':>8}{'audio':>6}{'s':>7}"
    rows = [head]
    skip = {id(r) for r in skipped}
    for name, r in zip(names, results, strict=True):
        state = "finished" if id(r) in skip else r.state
        if id(r) in skip:
            rows.append(f"{name:<{w}}  {state:<11}{'(earlier run)':>49}")
            continue
        rows.append(
            f"{name:<{w}}  {state:<11}{r.frames:>7}{r.edited:>7}{r.no_face:>7}"
            f"{r.editor_errors + r.stage_errors:>7}{r.skipped_packets:>8}{r.audio_streams:>6}"
            f"{r.seconds:>7.1f}"
        )
        if r.state == "failed":
            rows.append(f"{'':<{w}}  -> {r.error}")
    counts: dict[str, int] = {}
    for r in results:
        k = "finished earlier" if id(r) in skip else r.state
        counts[k] = counts.get(k, 0) + 1
    rows.append("files: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return "\n".join(rows)


def progress_bars(total_files: int, enabled: bool):
    """(files bar, frames bar) on stderr."""
    from tqdm import tqdm

    files = tqdm(total=total_files, unit="file", position=0, disable=not enabled, file=sys.stderr)
    frames = tqdm(unit="frame", position=1, disable=not enabled, file=sys.stderr)
    return files, frames


__all__ = ["EXIT_BATCH_FAILED", "is_batch", "run_batch", "run_job"]
