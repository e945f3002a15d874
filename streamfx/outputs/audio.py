"""Carrying a source file's other streams (every audio stream, subtitles and data where the
output container takes them) and its metadata into an output file, interleaved with the video
as it is written, and cut at the video's end.

Packets keep their timestamps (the video keeps the source's too), so the streams stay in sync.
A stream is copied untouched when the output container accepts its codec; audio it does not
accept is re-encoded (AAC, Opus for webm, MP3 for avi); subtitle and data streams it does not
accept are left out and named in ``dropped``.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamfx.errors import InputError
from streamfx.outputs.container import AUDIO_ENCODER

# output format -> audio codecs copied as they are (None: whatever the muxer says it takes)
REMUX_OK: dict[str, set[str] | None] = {
    "mp4": {"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"},
    "ipod": {"aac", "alac"},
    "mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le"},
    "webm": {"opus", "vorbis"},
}
#: container metadata the muxer writes itself (never copied)
OWN_KEYS = {"major_brand", "minor_version", "compatible_brands", "encoder"}
#: stream metadata worth keeping
STREAM_KEYS = ("language", "title", "handler_name")


@dataclass
class _Route:
    src: object  # input stream
    dst: object  # output stream
    copy: bool
    label: str


class AudioCarrier:
    """Copies (or re-encodes) ``src``'s audio, subtitle and data streams into the open output.

    ``kept``: one label per carried stream ("audio aac (eng) copied"); ``dropped``: the streams
    left out and why; ``audio_streams``: how many audio streams are carried.
    """

    def __init__(self, inp, routes: list[_Route], out, dropped: list[str]) -> None:
        self._inp, self._out, self._routes = inp, out, routes
        self._by_index = {r.src.index: r for r in routes}
        self._packets = inp.demux([r.src for r in routes]) if routes else iter(())
        self._pending = None
        self._done = not routes
        self.kept = [r.label for r in routes]
        self.dropped = dropped
        self.audio_streams = sum(r.src.type == "audio" for r in routes)
        self.packets = 0
        self.cut = 0

    @property
    def copy(self) -> bool:
        """True when every carried stream is copied as it is."""
        return all(r.copy for r in self._routes)

    @classmethod
    def open(cls, src: str, out, audio: bool = True, others: bool = True) -> AudioCarrier:
        """The carrier for ``src``'s streams into ``out`` (its metadata is copied at once)."""
        import av

        try:
            inp = av.open(str(src), mode="r")
        except (av.error.FFmpegError, OSError) as exc:
            raise InputError(f"cannot open {src} to copy its audio: {exc}") from None
        meta = {k: v for k, v in inp.metadata.items() if k.lower() not in OWN_KEYS}
        out.metadata.update(meta)
        routes, dropped = [], []
        for stream in inp.streams:
            if stream.type == "video" or (stream.type == "audio" and not audio):
                continue
            if stream.type != "audio" and not others:
                continue
            route = _route(stream, out, dropped)
            if route is not None:
                routes.append(route)
        return cls(inp, routes, out, dropped)

    def _next(self):
        if self._pending is None and not self._done:
            for packet in self._packets:
                if packet.dts is not None and packet.size and packet.stream.index in self._by_index:
                    self._pending = packet
                    break
            else:
                self._done = True
        return self._pending

    def copy_until(self, t: float | None) -> None:
        """Write the packets that start before ``t`` seconds (None: all that remain)."""
        while (packet := self._next()) is not None:
            start = float(packet.pts * packet.time_base) if packet.pts is not None else None
            if t is not None and start is not None and start > t:
                return
            self._pending = None
            self._write(packet)

    def finish(self, end: float | None) -> None:
        """Write what starts before ``end`` seconds (None: everything), drop the rest, and
        flush the encoders."""
        while (packet := self._next()) is not None:
            start = float(packet.pts * packet.time_base) if packet.pts is not None else None
            self._pending = None
            if end is not None and start is not None and start >= end:
                self.cut += 1
                continue
            self._write(packet, end)
        for r in self._routes:
            if not r.copy:
                self._out.mux(r.dst.encode(None))

    def _write(self, packet, end: float | None = None) -> None:
        route = self._by_index[packet.stream.index]
        if route.copy:
            packet.stream = route.dst
            self._out.mux(packet)
        else:
            for frame in packet.decode():  # keeps its pts: the offset to the video stays
                if end is not None and frame.time is not None and frame.time >= end:
                    continue
                self._out.mux(route.dst.encode(frame))
        self.packets += 1

    def close(self) -> None:
        if self._inp is not None:
            self._inp.close()
            self._inp = None


def _route(stream, out, dropped: list[str]) -> _Route | None:
    """How ``stream`` goes into ``out``: copied, re-encoded (audio) or None (left out)."""
    name = stream.codec_context.name if stream.codec_context is not None else "unknown"
    lang = stream.metadata.get("language")
    what = f"{stream.type} {name}" + (f" ({lang})" if lang else "")
    fmt = out.format.name
    allowed = REMUX_OK.get(fmt)
    fits = name in out.supported_codecs and (allowed is None or name in allowed)
    if stream.type != "audio" and not fits:
        dropped.append(f"{what}: the {fmt} format cannot hold it")
        return None
    if fits:
        try:
            dst = out.add_stream_from_template(stream)
        except (ValueError, TypeError) as exc:
            if stream.type != "audio":
                dropped.append(f"{what}: {exc}")
                return None
        else:
            _copy_meta(stream, dst)
            return _Route(stream, dst, True, f"{what} copied")
    encoder = AUDIO_ENCODER.get(fmt, "aac")
    ctx = stream.codec_context
    dst = out.add_stream(encoder, rate=ctx.sample_rate or 48000)
    channels = ctx.layout.nb_channels
    dst.layout = {1: "mono", 2: "stereo"}.get(channels, ctx.layout)
    _copy_meta(stream, dst)
    return _Route(stream, dst, False, f"{what} re-encoded to {encoder}")


def _copy_meta(src, dst) -> None:
    for key in STREAM_KEYS:
        if key in src.metadata:
            dst.metadata[key] = src.metadata[key]
    try:
        dst.disposition = src.disposition
    except (AttributeError, TypeError, ValueError):
        pass
