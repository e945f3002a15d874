"""Engine strings (``--engine torch:bf16,graphs``): names, variants and their parsing.

No heavy imports: the command line checks ``--engine`` values without loading torch.
"""

from __future__ import annotations

from typing import Any

from streamfx.errors import ConfigError

ENGINE_NAMES: tuple[str, ...] = ("torch", "onnxruntime", "tensorrt")
#: Every value ``--engine`` accepts.
CHOICES: tuple[str, ...] = ("auto", *ENGINE_NAMES)
#: auto's candidates, best first: (engine, device type).
AUTO_ORDER: tuple[tuple[str, str], ...] = (
    ("tensorrt", "cuda"),
    ("torch", "cuda"),
    ("onnxruntime", "cuda"),
    ("onnxruntime", "cpu"),
    ("torch", "cpu"),
)

#: Variant words accepted after ``engine:`` (``torch:bf16,graphs``) and the options they set.
VARIANTS: dict[str, dict[str, Any]] = {
    "fp32": {"dtype": "float32"},
    "bf16": {"dtype": "bfloat16"},
    "fp16": {"dtype": "float16"},
    "channels_last": {"channels_last": True},
    "compile": {"compile": True},
    "graphs": {"cuda_graphs": True},
    "arena": {"cpu_arena": True},
    "cuda": {"provider": "cuda"},
    "trt": {"provider": "tensorrt"},
}


def parse_engine_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``'torch:bf16,graphs'`` -> ('torch', {'dtype': 'bfloat16', 'cuda_graphs': True}).

    The engine name, optionally followed by a colon and comma-separated words of
    :data:`VARIANTS`; so one string (``--engine``) can carry the fast settings.
    """
    name, _, rest = str(spec).partition(":")
    if name not in CHOICES:
        raise ConfigError(f"unknown engine {name!r}; available: {', '.join(CHOICES)}")
    opts: dict[str, Any] = {}
    for word in filter(None, rest.split(",")):
        if word not in VARIANTS:
            raise ConfigError(
                f"engine {spec!r}: unknown variant {word!r}; expected some of {', '.join(VARIANTS)}"
            )
        opts.update(VARIANTS[word])
    return name, opts
