"""The live mock interview: where answers come from, the loop that asks and listens, and its wiring."""
