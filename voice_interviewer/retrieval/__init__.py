"""Retrieval: sentence embeddings, the Chroma index of rubrics and notes, search and grounding context."""
