"""Signals the visits app sends to the apps above it (dependencies point down: publishing listens).

``consent_withdrawn`` is sent inside the transaction that records a withdrawal, with
``consent`` (a ``visits.Consent``) and ``actor``. A receiver removes the person's words from every
document of its kind not yet sent and returns a list of short descriptions (in the reader's
language) of the documents that *were* already sent with them; a non-empty answer from any
receiver opens the consent's follow-up task (``Consent.task_open``)."""

from __future__ import annotations

from django.dispatch import Signal

consent_withdrawn = Signal()
