"""Pure analysis functions over a Snapshot. No rendering imports (altair, jinja2) here."""
