"""The outbox's delivery task for e-mails that record nothing when accepted (reminder digests)."""

from __future__ import annotations

from django_tasks import task

from dozor.core.outbox.services import notifications_deliver


@task()
def outbox_deliver(kind: str) -> dict[str, int]:
    """Deliver the due notifications of ``kind``; run after queueing and by the worker's sweep."""
    return notifications_deliver(kind=kind).as_dict()
