"""Measure redaction detectors on the labelled corpus (docs/decisions/0008-publishing.md, "Detectors").

Not a test: the packages under evaluation are not dependencies of Dozor. Run it in a scratch venv:

    python3 -m venv /tmp/pii && /tmp/pii/bin/pip install airlock-pii==0.1.0 kz-iin-validator==0.7.1
    /tmp/pii/bin/python publishing/tests/evaluate_detectors.py [-v]

(dozor.core.detectors needs neither Django nor PyYAML when it is given ``patterns=()``.)

Detectors: (a) the first regex set of core/detectors.py, kept here as it was; (b) airlock-pii;
(c) kz-iin-validator, both its text extractor and its validator over twelve-digit candidates; (d) the
current dozor.core.detectors.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from dozor.publishing.tests.pii_corpus import Found, Sample, evaluate, table

# (a) The baseline, as committed in 22c722b.
_B_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
_B_PHONE = re.compile(r"(?<![\w+])(?:\+7|8)[\s(-]*7\d{2}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
_B_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def baseline(sample: Sample) -> Iterable[Found]:
    text = sample.text
    found = [(m.start(), m.end(), "iin") for m in _B_IIN.finditer(text)]
    found += [(m.start(), m.end(), "phone") for m in _B_PHONE.finditer(text)]
    found += [(m.start(), m.end(), "email") for m in _B_EMAIL.finditer(text)]
    for name in {n.strip() for n in sample.names if n and len(n.strip()) >= 3}:
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, flags=re.IGNORECASE):
            found.append((m.start(), m.end(), "person_name"))
    return found


def airlock(sample: Sample) -> Iterable[Found]:
    import airlock_pii

    kinds = {"IIN": "iin", "PHONE": "phone", "EMAIL": "email", "PERSON": "person_name"}
    return [
        (e.start, e.end, kinds.get(str(e.type), str(e.type).lower())) for e in airlock_pii.detect(sample.text)
    ]


def kz_iin_extract(sample: Sample) -> Iterable[Found]:
    from kz_iin_validator.iin_extractor import IIN_REGEX

    return [(m.start(), m.end(), "iin") for m in IIN_REGEX.finditer(sample.text)]


def kz_iin_validate(sample: Sample) -> Iterable[Found]:
    from kz_iin_validator import safe_validate_iin

    return [
        (m.start(), m.end(), "iin")
        for m in _B_IIN.finditer(sample.text)
        if safe_validate_iin(m.group())[0] is not None
    ]


def dozor(sample: Sample) -> Iterable[Found]:
    from dozor.core.detectors import detect

    return [(s.start, s.end, s.kind) for s in detect(sample.text, names=sample.names, patterns=())]


def dozor_own_rules(sample: Sample) -> Iterable[Found]:
    from dozor.core.detectors import detect

    return [
        (s.start, s.end, s.kind)
        for s in detect(sample.text, names=sample.names, patterns=(), other_names=False)
    ]


def main() -> None:
    verbose = "-v" in sys.argv
    for label, detector in [
        ("(a) baseline regex", baseline),
        ("(b) airlock-pii 0.1.0", airlock),
        ("(c1) kz-iin-validator extract_iin", kz_iin_extract),
        ("(c2) kz-iin-validator validate_iin", kz_iin_validate),
        ("(d0) dozor.core.detectors, own rules only (other_names=False)", dozor_own_rules),
        ("(d) dozor.core.detectors", dozor),
    ]:
        scores = evaluate(detector)
        print(f"## {label}\n{table(scores)}")
        if verbose:
            for kind, score in scores.items():
                for text in score.missed:
                    print(f"   missed {kind}: {text}")
                for text in score.wrong:
                    print(f"   wrong  {kind}: {text}")
        print()


if __name__ == "__main__":
    main()
