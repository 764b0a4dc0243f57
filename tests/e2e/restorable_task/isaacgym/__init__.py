"""Importable, nothing else: the restorable task needs no simulator (see ../README.md)."""
