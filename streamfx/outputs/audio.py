"""Carrying a source file's audio into an output file, interleaved with the video as it is written.

Packets keep their timestamps (the video keeps the source's too), so the two stay in sync. The
audio is copied untouched when the output container accepts its codec, else re-encoded.
"""

from __future__ import annotations

from streamfx.errors import InputError

# output format name -> audio codecs it takes as-is (None: assume it takes anything)
REMUX_OK: dict[str, set[str] | None] = {
    "mp4": {"aac", "mp3", "ac3", "eac3", "opus", "flac", "alac"},
    "ipod": {"aac", "alac"},
    "webm": {"opus", "vorbis"},
}
FALLBACK_ENCODER = {"webm": "libopus"}


class AudioCarrier:
    """Copies (or re-encodes) the first audio stream of ``src`` into the open output container."""

    def __init__(self, inp, ain, out, aout, copy: bool) -> None:
        self._inp, self._ain, self._out, self._aout = inp, ain, out, aout
        self.copy = copy
        self._packets = inp.demux(ain)
        self._pending = None
        self._done = False
        self.packets = 0

    @classmethod
    def open(cls, src: str, out) -> AudioCarrier | None:
        """The carrier for ``src``'s audio into ``out``, or None when ``src`` has no audio."""
        import av

        try:
            inp = av.open(str(src), mode="r")
        except (av.error.FFmpegError, OSError) as exc:
            raise InputError(f"cannot open {src} to copy its audio: {exc}") from None
        if not inp.streams.audio:
            inp.close()
            return None
        ain = inp.streams.audio[0]
        allowed = REMUX_OK.get(out.format.name)
        if allowed is None or ain.codec_context.name in allowed:
            return cls(inp, ain, out, out.add_stream_from_template(ain), copy=True)
        encoder = FALLBACK_ENCODER.get(out.format.name, "aac")
        aout = out.add_stream(encoder, rate=ain.codec_context.sample_rate or 48000)
        channels = ain.codec_context.layout.nb_channels
        aout.layout = {1: "mono", 2: "stereo"}.get(channels, ain.codec_context.layout)
        return cls(inp, ain, out, aout, copy=False)

    def _next(self):
        if self._pending is None and not self._done:
            for packet in self._packets:
                if packet.dts is not None and packet.size:
                    self._pending = packet
                    break
            else:
                self._done = True
        return self._pending

    def copy_until(self, t: float | None) -> None:
        """Write the audio packets that start before ``t`` seconds (None: all that remain)."""
        while (packet := self._next()) is not None:
            start = float(packet.pts * packet.time_base) if packet.pts is not None else None
            if t is not None and start is not None and start > t:
                return
            self._pending = None
            self._write(packet)
        if t is None and not self.copy:
            self._out.mux(self._aout.encode(None))

    def _write(self, packet) -> None:
        if self.copy:
            packet.stream = self._aout
            self._out.mux(packet)
        else:
            for frame in packet.decode():  # keeps its pts: the offset to the video stays
                self._out.mux(self._aout.encode(frame))
        self.packets += 1

    def close(self) -> None:
        if self._inp is not None:
            self._inp.close()
            self._inp = None
