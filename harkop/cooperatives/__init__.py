"""The cooperative registry."""
