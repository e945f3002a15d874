"""The runtime: stages and the pipeline, the live (threaded) and offline runners, run statistics.

from streamfx.runtime import LiveRunner, Pipeline, PassthroughStage, format_timings
stats = LiveRunner(source, Pipeline([PassthroughStage()]), sink).run()
print(format_timings(stats))
"""

from __future__ import annotations

from streamfx.runtime.handoff import LatestSlot
from streamfx.runtime.live import LiveRunner
from streamfx.runtime.offline import OfflineRunner
from streamfx.runtime.pipeline import Pipeline, Stage, passthrough_pipeline
from streamfx.runtime.stages import PassthroughStage
from streamfx.runtime.stats import RunStats, format_timings

__all__ = [
    "LatestSlot",
    "LiveRunner",
    "OfflineRunner",
    "PassthroughStage",
    "Pipeline",
    "RunStats",
    "Stage",
    "format_timings",
    "passthrough_pipeline",
]
