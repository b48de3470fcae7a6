"""What one app's printed document needs from another app that it may not import.

The order «Об организации наставничества» (mentoring) prints the roadmap (roadmaps) as its appendix
and the Положение quotes the coverage targets (monitoring); mentoring imports registry only, so the
app that owns the facts registers a provider in its ``AppConfig.ready``::

    register_document_source("roadmap", provider)

    def provider(organisation, academic_year) -> dict | None: ...   # None: nothing for this year

and the document asks ``document_source("roadmap", organisation, year)``. A provider returns plain
JSON (strings, numbers, lists, dicts), since the order freezes what it printed when it is signed.
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object, object], "dict | None"]
_providers: dict[str, Provider] = {}


def register_document_source(name: str, provider: Provider) -> None:
    _providers[name] = provider


def document_source(name: str, organisation, academic_year) -> dict | None:
    """What the provider ``name`` knows for the organisation's year; None when no app provides it."""
    provider = _providers.get(name)
    return provider(organisation, academic_year) if provider is not None else None
