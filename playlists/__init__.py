"""Slot templates, the pure playlist planner, and publishing of daily playlists."""
