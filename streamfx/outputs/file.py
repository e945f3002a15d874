"""The video-file sink through PyAV, written atomically.

The container follows the suffix and the default encoder fits it (``streamfx.outputs.container``:
webm VP9 + Opus, mp4/mov H.264 + AAC, mkv H.264 with the audio copied); container, encoder and
pixel format are checked in memory before anything touches the disk. Frames go to a temporary
file beside the output, renamed into place only when the file is complete (``close``); an
unfinished file (``abandon``, or any error) is removed, or kept as ``NAME.partial`` with
``keep_partial``. Timestamps are kept from ``frame.pts`` (made strictly increasing); odd frame
sizes are padded to even for 4:2:0 encoders. When ``audio_from`` names a file, every audio
stream of it (and subtitle/data streams and metadata the container takes) is carried over in
sync and cut at the video's end. SIGINT/SIGTERM never cut a packet or the final flush in half.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from streamfx.errors import SinkError
from streamfx.outputs.atomic import AtomicPath, check_target
from streamfx.outputs.audio import AudioCarrier
from streamfx.outputs.base import Sink
from streamfx.outputs.container import VIDEO_SUFFIXES, Plan, dry_run, plan_output
from streamfx.outputs.frames import even_size, fit
from streamfx.outputs.signals import deferred_signals
from streamfx.record import Frame

TIME_BASE = Fraction(1, 90000)
# encoders limited to 16-bit time bases; 1/30000 still counts 29.97 fps (1001 ticks) exactly
SHORT_TIME_BASE = {
    "mpeg4": Fraction(1, 30000),
    "h263p": Fraction(1, 30000),
    "flv": Fraction(1, 30000),
}
KNOWN_SUFFIXES = VIDEO_SUFFIXES
#: muxers whose files carry a random id unless told to be bit-exact
BITEXACT_FORMATS = {"matroska", "webm"}


class FileSink(Sink):
    """Writes frames to a video file, atomically.

    path: output file; its suffix picks the container (.mp4, .mkv, .mov, .webm, .avi).
    codec: video encoder (``auto``: the container's default; ``libx264`` = H.264).
    audio_from: a file whose audio (and subtitle/data) streams and metadata are carried over.
    options: encoder options (default for libx264: crf 18, preset fast).
    pix_fmt: encoder pixel format (yuv420p plays everywhere).
    force: replace an existing file at ``path`` (else ``open`` refuses it).
    keep_partial: an unfinished file is kept as ``PATH.partial`` instead of removed.
    inputs: files that must not be the output (checked by device and inode).
    """

    name = "file"

    def __init__(
        self,
        path: str | Path,
        codec: str = "auto",
        audio_from: str | None = None,
        options: dict[str, str] | None = None,
        pix_fmt: str = "yuv420p",
        force: bool = True,
        keep_partial: bool = False,
        inputs: tuple[str, ...] = (),
    ) -> None:
        self.path = Path(path)
        self.plan: Plan = plan_output(self.path, codec, options, pix_fmt)
        self.codec = self.plan.codec
        self.audio_from = audio_from
        self.options = self.plan.options
        self.pix_fmt = pix_fmt
        self.force = force
        self.keep_partial = keep_partial
        self.inputs = tuple(inputs)
        self._out = None
        self._stream = None
        self._audio: AudioCarrier | None = None
        self._atomic: AtomicPath | None = None
        self._failed = False
        self._last_pts = -1
        self._step = 1
        self._tb = TIME_BASE
        self.size = (0, 0)
        self.frames = 0
        self.kept: Path | None = None
        """Where an unfinished file was kept (``keep_partial``), else None."""
        self.audio_streams = 0
        self.dropped_streams: list[str] = []

    def check(self, width: int, height: int, fps: float) -> None:
        """Everything ``open`` checks, touching nothing: the target (not an input, not an
        existing file without ``force``), the container, the encoder and the pixel format."""
        check_target(self.path, [p for p in (self.audio_from, *self.inputs) if p], self.force)
        size = even_size(width, height) if self.pix_fmt.endswith("420p") else (width, height)
        dry_run(self.plan, *size, self._rate(fps), str(self.path))

    @staticmethod
    def _rate(fps: float) -> Fraction:
        return Fraction(fps).limit_denominator(1001) if fps and fps > 0 else Fraction(25)

    def open(self, width: int, height: int, fps: float) -> None:
        import av

        self.check(width, height, fps)
        self._atomic = AtomicPath(self.path, force=self.force, keep_partial=self.keep_partial)
        try:
            with open(self._atomic.temp, "wb"):  # fail now, not at the end of a long run
                pass
            self._out = av.open(str(self._atomic.temp), mode="w", format=self.plan.format)
        except (av.error.FFmpegError, OSError) as exc:
            raise SinkError(f"cannot write video file {self.path}: {exc}") from None
        try:
            self._add_streams(width, height, fps)
        except BaseException:
            self._abort_open()
            raise

    def _add_streams(self, width: int, height: int, fps: float) -> None:
        if self.plan.format in BITEXACT_FORMATS:
            self._out.flags |= 0x0400  # AVFMT_FLAG_BITEXACT: same input, same bytes
        self._failed = False
        self.size = even_size(width, height) if self.pix_fmt.endswith("420p") else (width, height)
        rate = self._rate(fps)
        stream = self._out.add_stream(self.codec, rate=rate, options=dict(self.options))
        stream.width, stream.height = self.size
        stream.pix_fmt = self.pix_fmt
        self._tb = SHORT_TIME_BASE.get(self.codec, TIME_BASE)
        stream.codec_context.time_base = self._tb
        stream.time_base = self._tb
        self._stream = stream
        self._step = max(1, round(1 / (rate * self._tb)))
        self._last_pts = -1
        self.frames = 0
        if self.audio_from:
            self._audio = AudioCarrier.open(self.audio_from, self._out)
            self.audio_streams = self._audio.audio_streams
            self.dropped_streams = list(self._audio.dropped)

    def _abort_open(self) -> None:
        try:
            if self._audio is not None:
                self._audio.close()
            self._out.close()
        except Exception:
            pass
        self._out, self._audio = None, None
        self._atomic.discard()

    @property
    def description(self) -> str:
        """e.g. "file out.mp4 (libx264 640x480 + 2 audio)"."""
        w, h = self.size
        n = self.audio_streams
        audio = f" + {n} audio" if n > 1 else " + audio" if n or self.audio_from else ""
        return f"file {self.path} ({self.codec} {w}x{h}{audio})"

    def _next_pts(self, frame: Frame) -> int:
        pts = round(frame.pts / self._tb) if frame.pts is not None else None
        if pts is None or pts <= self._last_pts:
            pts = self._last_pts + self._step if self._last_pts >= 0 else 0
        self._last_pts = pts
        return pts

    def write(self, frame: Frame) -> None:
        import av

        if self._out is None:
            raise SinkError(f"file sink {self.path} is not open")
        vf = av.VideoFrame.from_ndarray(fit(frame.result, *self.size), format="rgb24")
        vf.pts = self._next_pts(frame)
        vf.time_base = self._tb
        try:
            with deferred_signals():  # an encoded packet is always muxed
                self._out.mux(self._stream.encode(vf))
                if self._audio is not None:
                    self._audio.copy_until(float(vf.pts * self._tb))
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._failed = True
            raise SinkError(f"writing {self.path} failed at frame {self.frames}: {exc}") from None
        self.frames += 1

    @property
    def end_time(self) -> float | None:
        """Seconds where the video ends (last frame's pts + one frame), None before a frame."""
        if self._last_pts < 0:
            return None
        return float((self._last_pts + self._step) * self._tb)

    def close(self) -> None:
        """Flush the encoder and the carried streams (cut at the video's end), finish the file
        and move it into place. After a failed write the file is removed (or kept partial)."""
        self._finish(complete=True)

    def abandon(self) -> None:
        """Finish the file completely (a playable file) but leave nothing under the final name:
        it is removed, or kept as ``PATH.partial`` with ``keep_partial``."""
        self._finish(complete=False)

    def _finish(self, complete: bool) -> None:
        if self._out is None:
            return
        import av

        errors: list[str] = []
        with deferred_signals():
            for step in (self._flush, self._close_audio, self._out.close):
                try:
                    step()
                except (av.error.FFmpegError, OSError, ValueError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
            self._out = None
            ok = complete and not errors and not self._failed and self.frames > 0
            try:
                if ok:
                    self._atomic.commit()
                else:
                    self.kept = self._atomic.discard()
            except OSError as exc:
                self.kept = self._atomic.discard()
                errors.append(f"{type(exc).__name__}: {exc}")
        if errors and not self._failed:  # after a failed write, that error is the one to show
            raise SinkError(f"finishing video file {self.path} failed: {'; '.join(errors)}")

    def _flush(self) -> None:
        self._out.mux(self._stream.encode(None))
        if self._audio is not None:
            self._audio.finish(self.end_time)

    def _close_audio(self) -> None:
        if self._audio is not None:
            audio, self._audio = self._audio, None
            audio.close()
