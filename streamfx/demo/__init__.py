"""The demo: a generated clip of the astronaut turning her head (``clip``) and the contact
sheet of the demo command (``sheet``). Capture plays clips; this package makes one."""
