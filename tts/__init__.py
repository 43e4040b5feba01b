"""Vietnamese spoken-form normalizer and the speech engines. Knows nothing of campaigns or playlists."""
