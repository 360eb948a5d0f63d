"""Who is acting: the principal every service is given, and whose name the audit trail keeps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """A person or a named system process acting on the catalog."""

    name: str


# Until accounts arrive, every HTTP request acts as this one.
ANONYMOUS = Principal("anonymous")
# Commands run by an operator (the CLI, the importer) name themselves; this is the default.
SYSTEM = Principal("system")
