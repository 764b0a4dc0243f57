"""Stand-in for the isaacgym package: importable, nothing else (contract tests only)."""
