"""Model-file catalog entries owned by the editor (imported lazily by ``streamfx.modelfiles``).

The official 3DPE checkpoint ``3dpe.pt`` is inside the authors' Google Drive archive of the
``pretrained_models/`` folder. No hash is published, so the manager records the one it computes.
Convert it with ``streamfx weights import 3dpe.pt -o models/3dpe`` (``convert.import_official``).
"""

from __future__ import annotations

from streamfx.modelfiles import ModelFile, Remote, register

#: Google Drive file id of the official ``pretrained_models/`` archive (EzioBy/3dpe README).
GDRIVE_ID = "1ZRH9WGHcostGAywqdJJp1kJBUiqN-xxF"

OFFICIAL_3DPE = register(
    ModelFile(
        name="3dpe.pt",
        size=None,
        sha256=None,
        sources=(
            Remote(f"gdrive:{GDRIVE_ID}", member="pretrained_models/3dpe.pt", label="official"),
        ),
        licence="see github.com/EzioBy/3dpe (research code; check before commercial use)",
        description="official 3DPE weights (encoder + renderer state dicts), torch pickle",
        homepage="https://github.com/EzioBy/3dpe",
    )
)
