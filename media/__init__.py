"""Audio processing with ffmpeg (probe, loudness, encode, join) and the content-addressed media store."""
