"""The video-file sink through PyAV.

H.264 (libx264) by default or any encoder PyAV has; timestamps are kept from ``frame.pts``
(made strictly increasing); odd frame sizes are padded to even for 4:2:0 encoders. When
``audio_from`` names a file, its first audio stream is carried over in sync: packets are copied
as they are (remux) when the container accepts the codec, else re-encoded (AAC / Opus), and
interleaved with the video as it is written.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from streamfx.errors import ConfigError, SinkError
from streamfx.outputs.audio import AudioCarrier
from streamfx.outputs.base import Sink
from streamfx.outputs.frames import even_size, fit
from streamfx.record import Frame

TIME_BASE = Fraction(1, 90000)
# encoders limited to 16-bit time bases; 1/30000 still counts 29.97 fps (1001 ticks) exactly
SHORT_TIME_BASE = {
    "mpeg4": Fraction(1, 30000),
    "h263p": Fraction(1, 30000),
    "flv": Fraction(1, 30000),
}
DEFAULT_OPTIONS = {"libx264": {"crf": "18", "preset": "fast"}}
KNOWN_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v")


def _check_encoder(codec: str) -> None:
    import av

    try:
        av.codec.Codec(codec, "w")
    except Exception:
        raise ConfigError(
            f"video encoder {codec!r} is not available in this PyAV/FFmpeg build; "
            "try libx264 (H.264), mpeg4, libvpx-vp9 or mjpeg"
        ) from None


class FileSink(Sink):
    """Writes frames to a video file.

    path: output file; its suffix picks the container (.mp4, .mkv, .mov, .webm, .avi).
    codec: video encoder name (``libx264`` = H.264).
    audio_from: a file whose first audio stream is carried over, or None.
    options: encoder options (default for libx264: crf 18, preset fast).
    pix_fmt: encoder pixel format (yuv420p plays everywhere).
    """

    name = "file"

    def __init__(
        self,
        path: str | Path,
        codec: str = "libx264",
        audio_from: str | None = None,
        options: dict[str, str] | None = None,
        pix_fmt: str = "yuv420p",
    ) -> None:
        self.path = Path(path)
        self.codec = codec
        self.audio_from = audio_from
        self.options = dict(DEFAULT_OPTIONS.get(codec, {}) if options is None else options)
        self.pix_fmt = pix_fmt
        self._out = None
        self._stream = None
        self._audio: AudioCarrier | None = None
        self._failed = False
        self._last_pts = -1
        self._step = 1
        self._tb = TIME_BASE
        self.size = (0, 0)
        self.frames = 0

    def open(self, width: int, height: int, fps: float) -> None:
        import av

        _check_encoder(self.codec)
        folder = self.path.parent
        if not folder.is_dir():
            raise SinkError(f"cannot write video file {self.path}: folder {folder} does not exist")
        try:
            with open(self.path, "wb"):  # fail now, not at the end of a long run
                pass
            self._out = av.open(str(self.path), mode="w")
        except ValueError as exc:  # FFmpeg knows no container for this suffix
            self.path.unlink(missing_ok=True)
            raise ConfigError(
                f"cannot tell the video format of {self.path} from its suffix ({exc}); "
                f"use one of {', '.join(KNOWN_SUFFIXES)}"
            ) from None
        except (av.error.FFmpegError, OSError) as exc:
            raise SinkError(f"cannot write video file {self.path}: {exc}") from None
        self._failed = False
        self.size = even_size(width, height) if self.pix_fmt.endswith("420p") else (width, height)
        rate = Fraction(fps).limit_denominator(1001) if fps and fps > 0 else Fraction(25)
        stream = self._out.add_stream(self.codec, rate=rate, options=self.options)
        stream.width, stream.height = self.size
        stream.pix_fmt = self.pix_fmt
        self._tb = SHORT_TIME_BASE.get(self.codec, TIME_BASE)
        stream.codec_context.time_base = self._tb
        stream.time_base = self._tb
        self._stream = stream
        self._step = max(1, round(1 / (rate * self._tb)))
        self._last_pts = -1
        if self.audio_from:
            self._audio = AudioCarrier.open(self.audio_from, self._out)

    @property
    def description(self) -> str:
        """e.g. "file out.mp4 (libx264 640x480 + audio)"."""
        w, h = self.size
        audio = " + audio" if self._audio is not None or self.audio_from else ""
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
            self._out.mux(self._stream.encode(vf))
            if self._audio is not None:
                self._audio.copy_until(float(vf.pts * self._tb) + 0.5)
        except (av.error.FFmpegError, OSError) as exc:
            self._failed = True
            raise SinkError(f"writing {self.path} failed at frame {self.frames}: {exc}") from None
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and the rest of the audio, and finish the file."""
        if self._out is None:
            return
        import av

        errors: list[str] = []
        for step in (self._flush, self._close_audio, self._out.close):
            try:
                step()
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        self._out = None
        if errors and not self._failed:  # after a failed write, that error is the one to show
            raise SinkError(f"finishing video file {self.path} failed: {'; '.join(errors)}")

    def _flush(self) -> None:
        self._out.mux(self._stream.encode(None))
        if self._audio is not None:
            self._audio.copy_until(None)

    def _close_audio(self) -> None:
        if self._audio is not None:
            audio, self._audio = self._audio, None
            audio.close()
