"""An XForm instance (the ``xml_submission_file`` ODK Collect posts) read into a ``RawSubmission``,
keyed exactly as the file importers key answers: (question name, repeat index).

The instance mirrors the form: ``<data id="dozor_visit_7" version="3">`` with the hidden fields
``dozor_template`` / ``dozor_version``, one element per section (a group) or per unit of a
repeated section (the same element again, numbered 1, 2 ... in document order), the questions
inside, and ``meta`` with ``instanceID`` and, for an edit, ``deprecatedID``. Question names are
unique in a version, so a question is found by its element's name wherever it sits; an element
the template does not know is kept, and ``validate`` reports it. The XML is parsed with
defusedxml: no entities, no external references.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from dozor.visits.submissions import HIDDEN, Form, Problem, RawSubmission, field_key

META = "meta"


class InstanceError(Exception):
    """The submission's XML cannot be read at all; ``message`` is translated for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class InstanceHead:
    """What identifies an instance before the form is known."""

    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    encrypted: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _meta_text(root: Element, name: str) -> str:
    for meta in root:
        if _local(meta.tag) != META:
            continue
        for child in meta:
            if _local(child.tag) == name:
                return "".join(child.itertext()).strip()
    return ""


def parse_root(xml: bytes) -> Element:
    try:
        root: Element = SafeET.fromstring(xml)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InstanceError(_("The submission is not well-formed XML.")) from exc
    return root


def instance_head(root: Element) -> InstanceHead:
    return InstanceHead(
        form_id=(root.get("id") or "").strip(),
        version=(root.get("version") or "").strip(),
        instance_id=_meta_text(root, "instanceID") or (root.get("instanceID") or "").strip(),
        deprecated_id=_meta_text(root, "deprecatedID"),
        encrypted=(root.get("encrypted") or "").strip().lower() == "yes",
    )


def read_instance(root: Element, form: Form, *, label: str = "") -> RawSubmission:
    """The instance's answers as a ``RawSubmission`` (nothing checked yet: see ``validate``)."""
    head = instance_head(root)
    raw = RawSubmission(label=label or head.instance_id, instance_id=head.instance_id)
    counters: dict[str, int] = {}

    def walk(element: Element, index: int) -> None:
        for child in element:
            name = _local(child.tag)
            if index == 0 and name == META and element is root:
                continue
            if len(child):
                if name in form.repeats:
                    counters[name] = counters.get(name, 0) + 1
                    walk(child, counters[name])
                else:
                    walk(child, index)
                continue
            text = child.text or ""
            if name in HIDDEN and index == 0:
                raw.hidden[name] = text
            elif name in form.repeats:
                # A unit of a repeated section left wholly empty (<cells/>): it still counts.
                counters[name] = counters.get(name, 0) + 1
            elif (name, index) in raw.values:
                raw.problems.append(
                    Problem(
                        raw.name, field_key(name, index), _("The answer appears twice in the submission.")
                    )
                )
            else:
                raw.values[(name, index)] = text

    walk(root, 0)
    raw.units = dict(counters)
    return raw
