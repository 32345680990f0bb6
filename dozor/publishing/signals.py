"""Publishing's answer to ``dozor.visits.signals.consent_withdrawn`` (issue 16): a person who
withdraws their consent to be quoted is quoted in no release that has not yet left the NPM.

For every release of the visit's report whose audience the withdrawn use covers (``quote_authority``:
the versions for the authority; ``quote_public``: the public versions) and whose text carries the
quote: a release not yet sent or published gets an accepted redaction of kind ``consent`` over the
quote (decided by the person who recorded the withdrawal); an approved one goes back to awaiting
approval, so that a second person approves the text without it again. A release already sent or
published is not changed (it is the record of what left); it is described in the answer, and the
withdrawal opens its follow-up task (``Consent.task_open``).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dozor.publishing import services
from dozor.visits.signals import consent_withdrawn


@receiver(consent_withdrawn, dispatch_uid="publishing.consent_withdrawn")
def remove_withdrawn_quote(sender: Any, *, consent: Any, actor: Any, **kwargs: Any) -> list[str]:
    return services.releases_drop_quote(actor=actor, consent=consent)
