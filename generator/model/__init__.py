"""The findings model: frozen dataclasses, their JSON writer and reader, and nothing else.

Analysis produces these objects, rendering and the site read them. This package imports no
other part of the generator (an import-linter contract in pyproject.toml checks it), so
both sides can depend on it without depending on each other.
"""
