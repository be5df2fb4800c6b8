"""Rendering: typed findings -> Markdown, JSON, CSV, YAML, charts. Never touches the storage."""
