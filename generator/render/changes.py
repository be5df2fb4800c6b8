"""changes.md and changes.json: the words and the serialization of a version's ``Changes``.

``analysis/changes.py`` computes the changes, ``render/views/changes.py`` the rows and partitions
of the page; ``templates/changes.md.j2`` words them and
``changes.json`` is the typed result serialized (``model.reader.load_model`` reads it back).
"""

from __future__ import annotations

from generator.model.changes import Changes
from generator.model.findings import Finding
from generator.model.serialize import dumps
from generator.render.env import message_for, render
from generator.render.views.changes import changes_view


def warning_sentence(warning: Finding) -> str:
    """The sentence a warning reads as (``templates/messages.yaml``), as findings.json words it."""
    return message_for(warning.code, warning.values)


def changes_markdown(changes: Changes) -> str:
    return render("changes.md.j2", c=changes, views=changes_view(changes))


def changes_json(changes: Changes) -> str:
    return dumps(changes)
