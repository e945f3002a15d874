"""Video files and network streams (RTSP, HTTP) through PyAV.

``pts`` is in seconds on the stream's own time base (so a file sink can keep timestamps and
carry the audio in sync). Unreadable, corrupt, truncated or unsupported input raises
``InputError`` (files) or ``SourceError`` (network streams) with a clear message.

A network source whose connection drops (an I/O error, a file over HTTP that ends before its
length, or a live stream that ends) raises ``SourceError`` from ``read``, so the live runner
reopens it with backoff like an unplugged camera; reopening resumes after the last frame read
(a file is sought there; a live stream goes on from now) and frame indices keep counting.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from streamfx.capture.base import Source, SourceInfo
from streamfx.errors import InputError, SourceError
from streamfx.record import Frame

log = logging.getLogger(__name__)
MAX_SKIPPED = 1000  # corrupt packets skipped before a file counts as unreadable
NETWORK_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "srt://")


def is_url(spec: str) -> bool:
    """True for a network stream address."""
    return spec.lower().startswith(NETWORK_SCHEMES)


class VideoSource(Source):
    """A video file or network stream decoded with PyAV.

    target: a file path or a URL (``rtsp://``, ``http(s)://``, ...).
    timeout_s: network open/read timeout (network streams only).
    strict: a corrupt packet is an error (default: skipped and counted in ``skipped_packets``,
        as ffmpeg does).
    loop: a file starts again from its first frame when it ends (a clip as a live camera);
        time stamps keep increasing across the loops.

    Frames come out upright: a rotation in the file (display matrix) is applied to every frame.
    """

    name = "video"

    def __init__(
        self, target: str | Path, timeout_s: float = 10.0, strict: bool = False, loop: bool = False
    ) -> None:
        self.target = str(target)
        self.strict = strict
        self.loop = loop
        self._pts_offset = 0.0  # seconds added to the file's pts after each loop
        self.skipped_packets = 0
        self.rotation = 0  # degrees counter-clockwise applied to each frame
        self.live = is_url(self.target)
        self.network = self.live  # live may turn False for a file served over HTTP
        self.timeout_s = timeout_s
        self._resume: float | None = None  # network file: pts to resume after, on reopen
        self._dropped = False  # a network drop was raised: the next open continues the run
        self._seekable = True  # resuming may seek (False once a seek failed)
        self._container = None
        self._stream = None
        self._frames = None
        self._pending = None
        self._index = 0
        self._last_pts: float | None = None

    @property
    def path(self) -> str | None:
        return self.target

    def _error(self, message: str) -> Exception:
        return SourceError(message) if self.network else InputError(message)

    def _drop(self, what: str) -> SourceError:
        """A network drop: the next ``open`` resumes after the last frame read."""
        self._dropped = True
        self._resume = self._last_pts if not self.live else None
        return SourceError(f"{self.target}: {what} after frame {self._index}")

    def open(self) -> SourceInfo:
        import av

        if not self.network and not Path(self.target).is_file():
            raise InputError(f"video file not found: {self.target}")
        options = {"rtsp_transport": "tcp"} if self.target.lower().startswith("rtsp") else {}
        timeout = self.timeout_s if self.network else None
        try:
            container = av.open(self.target, mode="r", options=options, timeout=timeout)
        except (av.error.FFmpegError, OSError) as exc:
            raise self._error(f"cannot open {self.target} as a video: {_reason(exc)}") from None
        if not container.streams.video:
            container.close()
            raise self._error(f"{self.target} has no video stream")
        stream = container.streams.video[0]
        if stream.codec_context is None:  # FFmpeg has no decoder for this codec (tag)
            container.close()
            raise self._error(
                f"{self.target}: no decoder for codec tag {_codec_tag(self.target)!r} (its video "
                "codec is not supported by this FFmpeg build); convert it first, e.g. to H.264"
            )
        if self.live and self.target.lower().startswith(("http://", "https://")):
            # a file served over HTTP has a known length: pace it like a file, drop nothing
            self.live = not (container.duration and container.duration > 0)
        if stream.codec_context.width * stream.codec_context.height >= 1280 * 720:
            # frame threads pay off on HD files; live streams use slices (no added delay)
            stream.thread_type = "SLICE" if self.live else "AUTO"
        self._container, self._stream = container, stream
        resume, self._resume = self._resume, None
        if resume is not None and self._seekable and not _seek(container, stream, resume):
            container.close()  # the server cannot seek: read from the start instead
            self._resume, self._seekable = resume, False
            return self.open()
        self._frames = self._decoded(container, stream)
        if not self._dropped:
            self._index = 0
            self._last_pts = None
        self._dropped = False
        self._pending = self._decode_next()
        while resume is not None and _after(self._pending, resume) is False:
            self._pending = self._decode_next()  # already shown before the drop
        if self._pending is None:
            self.close()
            if resume is not None:  # the connection dropped again while catching up
                self._resume, self._dropped = resume, True
            raise self._error(f"{self.target} contains no decodable video frame")
        self.rotation = round((self._pending.rotation or 0) / 90) % 4 * 90
        return self._info(container, stream)

    def _decoded(self, container, stream):  # -> Iterator[av.VideoFrame]
        """Decoded frames; a corrupt packet is skipped and counted (``strict``: raised)."""
        import av

        while True:
            try:
                for packet in container.demux(stream):
                    try:
                        yield from packet.decode()
                    except (av.error.InvalidDataError, av.error.UndefinedError) as exc:
                        self._skip(exc)
                return
            except (av.error.InvalidDataError, av.error.UndefinedError) as exc:  # demuxer
                self._skip(exc)

    def _skip(self, exc: BaseException) -> None:
        if self.strict or self.live or self.skipped_packets >= MAX_SKIPPED:
            raise exc
        self.skipped_packets += 1
        if self.skipped_packets <= 3:
            log.warning(
                "%s: skipped a corrupt packet near frame %d: %s",
                self.target,
                self._index,
                _reason(exc),
            )

    def _info(self, container: object, stream: object) -> SourceInfo:
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else None
        first = self._pending
        codec = stream.codec_context.name
        w, h = (first.height, first.width) if self.rotation % 180 else (first.width, first.height)
        desc = f"{self.target} {w}x{h}@{fps or 0:.3g} {codec}"
        desc += f" (rotated {self.rotation}°)" if self.rotation else ""
        has_audio = bool(container.streams.audio)
        if has_audio:
            desc += f" + audio ({container.streams.audio[0].codec_context.name})"
        return SourceInfo(
            width=w,
            height=h,
            fps=fps,
            live=self.live,
            frame_count=(stream.frames or None) if not self.live else None,
            has_audio=has_audio,
            description=desc,
        )

    def _decode_next(self):  # -> av.VideoFrame | None
        import av

        try:
            return next(self._frames)
        except StopIteration:
            return None
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            if self.network and self._container is not None and self._index > 0:
                raise self._drop(f"connection lost ({_reason(exc)})") from None
            raise self._error(
                f"{self.target}: decoding failed at frame {self._index}: {_reason(exc)} "
                "(corrupt or truncated file, or an unsupported codec)"
            ) from None

    def read(self) -> Frame | None:
        if self._frames is None:
            raise SourceError(f"{self.target} is not open")
        vf, self._pending = (self._pending, None) if self._pending is not None else (None, None)
        if vf is None:
            vf = self._decode_next()
            if vf is None:
                if self.live and self.network:  # a live stream has no end: it dropped
                    raise self._drop("the stream ended")
                self._check_complete()
                vf = self._loop_again() if self.loop and self._index > 0 else None
                if vf is None:
                    return None
        t = self.now()
        image = vf.to_ndarray(format="rgb24")
        if self.rotation:  # upright, as players show it
            image = np.ascontiguousarray(np.rot90(image, self.rotation // 90))
        pts = float(vf.time) + self._pts_offset if vf.time is not None else None
        self._last_pts = pts if pts is not None else self._last_pts
        frame = Frame(image=image, pts=pts, t_capture=t, index=self._index)
        self._index += 1
        return frame

    def _loop_again(self):  # -> av.VideoFrame | None
        """Start the file again from its first frame (``loop``); its time stamps continue after
        the last frame shown. None when it cannot be read again."""
        rate = float(self._stream.average_rate or 25)
        offset = (self._last_pts if self._last_pts is not None else 0.0) + 1.0 / rate
        try:
            self._container.seek(0, stream=self._stream)
        except Exception:  # noqa: BLE001 - a stream that cannot seek: reopen it
            self.close()
            self.open()
            vf, self._pending = self._pending, None
        else:
            self._frames = self._decoded(self._container, self._stream)
            vf = self._decode_next()
        if vf is not None:
            self._pts_offset = offset - float(vf.time or 0.0)
        return vf

    def _check_complete(self) -> None:
        """At end of a file: raise ``InputError`` when it ended well before what its header says."""
        stream = self._stream
        if self.live or stream is None:
            return
        expected = stream.frames or 0
        if expected and self._index + self.skipped_packets < expected * 0.98 - 1:
            if self.network:
                raise self._drop(f"ended before its {expected} frames (connection lost)")
            raise InputError(
                f"{self.target} ended after {self._index} of its {expected} frames: "
                "the file is truncated or corrupt"
            )
        if self._last_pts is None:
            return
        if stream.duration and stream.time_base:
            start = float((stream.start_time or 0) * stream.time_base)
            end = start + float(stream.duration * stream.time_base)
            slack = max(0.5, 3.0 / float(stream.average_rate or 25))
        elif self._container.duration:  # whole file (audio may run a little longer)
            end = self._container.duration / 1e6
            slack = max(1.0, 0.02 * end)
        else:
            return
        if self._last_pts < end - slack:
            if self.network:
                raise self._drop(
                    f"ended at {self._last_pts:.2f} s of {end:.2f} s (connection lost)"
                )
            raise InputError(
                f"{self.target} ended at {self._last_pts:.2f} s but says it lasts until "
                f"{end:.2f} s: the file is truncated or corrupt"
            )

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._stream = self._frames = self._pending = None


def _seek(container, stream, pts: float) -> bool:
    """Seek to the keyframe at or before ``pts`` seconds; False when that failed (then the
    container is unusable and the stream is read from the start instead)."""
    import av

    if not stream.time_base:
        return False
    try:
        container.seek(int(pts / stream.time_base), stream=stream, backward=True)
    except (av.error.FFmpegError, OSError) as exc:
        log.info("cannot seek to %.2f s (%s); reading from the start", pts, _reason(exc))
        return False
    return True


def _after(vf, pts: float) -> bool | None:
    """Whether frame ``vf`` comes after ``pts`` seconds (None: no frame or no time)."""
    if vf is None or vf.time is None:
        return None
    return float(vf.time) > pts + 1e-6


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip() or type(exc).__name__


def _codec_tag(target: str) -> str:
    """Best-effort fourcc of the first video stream of a local AVI/MP4/MOV file, else "unknown".

    PyAV exposes no codec tag when FFmpeg has no decoder, so read it from the header bytes:
    AVI ``strh`` (``vids`` + fourcc) or MP4/MOV ``stsd`` (entry type after 12 bytes).
    """
    try:
        with open(target, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return "unknown"
    for marker, skip in ((b"vids", 4), (b"stsd", 16)):
        at = head.find(marker)
        tag = head[at + skip : at + skip + 4] if at >= 0 else b""
        if len(tag) == 4 and all(32 <= b < 127 for b in tag):
            return tag.decode("ascii")
    return "unknown"
