"""streamfx.temporal: filters over time (landmarks, poses, triplanes); see ``config``."""
