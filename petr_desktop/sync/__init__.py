"""Sync: op log capture, hybrid logical clock, version vectors (merge and files come later)."""
