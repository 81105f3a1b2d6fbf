"""Speech to text: faster-whisper with word timings, and transcription while the candidate speaks."""
