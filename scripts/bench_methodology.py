"""Benchmark of checklists in the field (never a timed test; see docs/benchmarks.md).

    .venv/bin/python scripts/bench_methodology.py [--submissions 10000]

Creates a throw-away SQLite database (or uses DATABASE_URL if set), loads the Kazakhstan pack,
then measures: the import of N generated submissions for one visit from an ODK Central CSV.zip
(check only, then check and write), the XLSForm export of the largest shipped template, and its
pyxform conversion.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(func: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument(
        "--openrosa", type=int, default=10_000, help="submissions sent through the OpenRosa endpoint"
    )
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-")
    # The benchmark file is far above the upload limit meant for people; it measures throughput.
    os.environ["DOZOR_MAX_IMPORT_BYTES"] = str(500 * 1024 * 1024)
    os.environ["DOZOR_MAX_SUBMISSIONS_BYTES"] = str(500 * 1024 * 1024)
    os.environ["DOZOR_MAX_IMPORT_ROWS"] = str(max(args.submissions, 20_000))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from dozor.accounts.models import Role, User
    from dozor.core.models import Region, VisitType
    from dozor.facilities.models import Facility
    from dozor.methodology.models import TemplateVersion
    from dozor.methodology.xlsform import export_version, to_xform
    from dozor.visits.models import Answer
    from dozor.visits.services import submissions_import, visit_create
    from dozor.visits.tests import exports

    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    user, _created = User.objects.get_or_create(username="bench", defaults={"role": Role.COORDINATOR})
    largest = (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED)
        .annotate(questions=Count("sections__questions"))
        .select_related("template")
        .order_by("-questions", "template__code")
        .first()
    )
    assert largest is not None, "the pack has no published checklist"
    facility_type = largest.template.facility_types.first()
    assert facility_type is not None
    facility = Facility.objects.create(
        code="BENCH-1",
        name_en="Benchmark facility",
        type=facility_type,
        authority=facility_type.authority,
        region=Region.objects.order_by("code")[0],
    )
    visit = visit_create(
        actor=user,
        facility=facility,
        visit_type=VisitType.objects.order_by("code")[0],
        started_on=datetime.date(2026, 1, 1),
        template_version=largest,
    )

    rows: list[tuple[str, str, str]] = []
    export_ms, xlsx = _median_ms(lambda: export_version(largest), 5)
    rows.append(
        (f"XLSForm export of {largest.template.code}", f"{export_ms:.0f} ms", f"{len(xlsx) // 1024} KiB")
    )
    try:
        convert_ms, (_xml, warnings) = _median_ms(lambda: to_xform(xlsx), 3)
        rows.append(("pyxform conversion", f"{convert_ms:.0f} ms", f"{len(warnings)} warnings"))
    except Exception as exc:  # report, do not hide the other numbers
        rows.append(("pyxform conversion", "failed", str(exc)[:60]))

    form = exports.layout(xlsx)
    samples = [exports.generate_values(largest, seed=n, units=3) for n in range(25)]
    code, number = largest.template.code, str(largest.number)
    subs = [
        exports.Sub(f"uuid:bench-{n:06d}", samples[n % len(samples)], code, number)
        for n in range(args.submissions)
    ]
    data = exports.odk_central_zip(form, subs)
    n = args.submissions
    started = time.perf_counter()
    checked = submissions_import(actor=user, visit=visit, data=data, filename="bench.zip", dry_run=True)
    check_s = time.perf_counter() - started
    assert checked.ok, checked.problems[:5]
    started = time.perf_counter()
    result = submissions_import(actor=user, visit=visit, data=data, filename="bench.zip")
    import_s = time.perf_counter() - started
    assert result.ok and len(result.created) == n, result.problems[:5]
    answers = Answer.objects.filter(submission__visit=visit).count()
    size = f"{len(data) // 1024} KiB zip, {answers} answers"
    rows.append(
        (f"ODK CSV.zip, {n} submissions: check", f"{n / check_s:,.0f} subm/s", f"{check_s:.1f} s; {size}")
    )
    rows.append((f"ODK CSV.zip, {n} submissions: import", f"{n / import_s:,.0f} subm/s", f"{import_s:.1f} s"))
    started = time.perf_counter()
    again = submissions_import(actor=user, visit=visit, data=data, filename="bench.zip")
    again_s = time.perf_counter() - started
    assert again.ok and len(again.skipped_existing) == n
    rows.append(("re-import (all skipped)", f"{n / again_s:,.0f} subm/s", f"{again_s:.1f} s"))

    rows += _bench_openrosa(user, visit, samples, args.openrosa)

    print(f"\nDozor methodology benchmark ({connection.vendor})")
    for label, value, extra in rows:
        print(f"  {label:<44} {value:>16}  {extra}")
    return 0


def _bench_openrosa(user: Any, visit: Any, samples: list[Any], n: int) -> list[tuple[str, str, str]]:
    """N submissions of the same visit sent as ODK Collect sends them (HEAD, then a multipart POST
    with xml_submission_file), one request each through Django's full stack (test client:
    middleware, device authentication, parsing, checking, writing, audit); then a tenth of that
    number encrypted with the NPM's form key as Collect encrypts them."""
    from django.test import Client

    from dozor.accounts.devices.services import device_add
    from dozor.visits.models import Submission
    from dozor.visits.openrosa.tests.collect import EmulatedCollect, public_key
    from dozor.visits.openrosa.tests.collect_crypto import encrypt_like_collect
    from dozor.visits.services import team_member_add

    if not visit.team.filter(user=user).exists():
        team_member_add(actor=user, visit=visit, user=user)
    new = device_add(actor=user, user=user, label="bench")
    collect = EmulatedCollect("/openrosa", new.device.username, new.password, client=Client())
    form = next(f for f in collect.form_list() if f.form_id.endswith(f"_{visit.pk}"))
    xform = collect.download(form)
    filled = [collect.fill(xform, dict(sample), instance_id="uuid:PLACEHOLDER")[1] for sample in samples]
    before = Submission.objects.filter(source=Submission.Source.OPENROSA).count()
    started = time.perf_counter()
    for i in range(n):
        xml = filled[i % len(filled)].replace(b"uuid:PLACEHOLDER", f"uuid:or-{i:06d}".encode())
        response = collect.submit(xml)
        assert response.status_code == 201, response.content[:300]
    plain_s = time.perf_counter() - started
    assert Submission.objects.filter(source=Submission.Source.OPENROSA).count() == before + n
    rows = [
        (
            f"OpenRosa POST, {n} submissions",
            f"{n / plain_s:,.0f} subm/s",
            f"{plain_s:.1f} s, HEAD + POST each",
        )
    ]
    key = public_key(xform)
    m = max(1, n // 10)
    started = time.perf_counter()
    for i in range(m):
        instance_id = f"uuid:enc-{i:06d}"
        xml = filled[i % len(filled)].replace(b"uuid:PLACEHOLDER", instance_id.encode())
        files = encrypt_like_collect(
            xml,
            form_id=form.form_id,
            version=form.version,
            instance_id=instance_id,
            public_key_b64=key,
            media={},
        )
        manifest = files.pop("submission.xml")
        response = collect.submit(manifest, files)
        assert response.status_code == 201, response.content[:300]
    enc_s = time.perf_counter() - started
    rows.append((f"OpenRosa POST encrypted, {m} submissions", f"{m / enc_s:,.0f} subm/s", f"{enc_s:.1f} s"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
