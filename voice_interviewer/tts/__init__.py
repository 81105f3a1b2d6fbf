"""Speech out: the interviewer's voice and the synthetic candidate's voice."""
