"""Geometry shared by faces, editors and the mesh backend (pure numpy): the EG3D camera label
conventions (``streamfx.geometry.camera``)."""
