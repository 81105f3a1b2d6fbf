"""Audio: reading files, capture, turn detection, streaming recording, playback."""
