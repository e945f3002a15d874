"""Editor backends: how one face gets edited (3DPE network or the CPU mesh editor)."""
