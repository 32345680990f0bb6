"""The country pack, composed from above: every app's sections in one list.

``dozor.core.packs`` reads and validates a pack folder and loads it in one transaction, but it
never calls up into an app: the sections (each with its file, order, validator and loader) are
gathered here, at the top, from each app's ``pack.sections()`` and handed down.
"""

from __future__ import annotations

from pathlib import Path

from dozor.core import packs as core
from dozor.facilities import pack as facilities
from dozor.methodology import pack as methodology
from dozor.people import pack as people
from dozor.planning import pack as planning
from dozor.recommendations import pack as recommendations
from dozor.standards import pack as standards
from dozor.training import pack as training


def sections() -> list[core.PackSection]:
    """Every section of a pack, in loading order (a section may refer to earlier ones)."""
    every = [
        *core.core_sections(),
        *facilities.sections(),
        *people.sections(),
        *standards.sections(),
        *methodology.sections(),
        *training.sections(),
        *planning.sections(),
        *recommendations.sections(),
    ]
    return sorted(every, key=lambda section: section.order)


def pack_read(directory: Path) -> core.LoadedPack:
    """Read and validate a whole pack; raise ``PackError`` listing every problem."""
    return core.pack_read(directory, sections())


def pack_load(*, code: str, directory: Path | None = None, dry_run: bool = False) -> core.PackLoadReport:
    """Validate the whole pack, then write it in one transaction (rolled back on dry run); then
    build the places' search texts again, since they spell out the gazetteer's names."""
    from dozor.facilities.services import facility_search_rebuild
    from dozor.search.services import search_rebuild

    report = core.pack_load(code=code, sections=sections(), directory=directory, dry_run=dry_run)
    if not dry_run:
        facility_search_rebuild()
        search_rebuild()  # the pack writes in bulk (no signals); places' and standards' texts changed
    return report
