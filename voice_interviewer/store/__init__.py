"""Sessions on disk: the session.json schema, the store, tolerant reading and migrations."""
