"""Blocks that other apps put on the home page, so the registry's home view imports none of them.

The app that knows what waits (mentoring: the orders awaiting the director's signature) registers a
provider in its ``AppConfig.ready``; the home page asks every provider, in ``order``, and shows the
panels they return, first thing on the page::

    register_home_panel("mentoring.awaiting_signature", provider, order=10)

    def provider(request) -> Panel | None: ...   # None: nothing to show to this user

A provider must cost a fixed number of queries, and none for a user it has nothing for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[object], "Panel | None"]
_providers: dict[str, tuple[int, Provider]] = {}


def register_home_panel(name: str, provider: Provider, *, order: int = 100) -> None:
    _providers[name] = (order, provider)


def home_panels(request) -> list[Panel]:
    panels = []
    for _name, (_order, provider) in sorted(_providers.items(), key=lambda item: (item[1][0], item[0])):
        panel = provider(request)
        if panel is not None:
            panels.append(panel)
    return panels
