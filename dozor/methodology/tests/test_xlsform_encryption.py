"""Exported XLSForms carry the NPM's public key and Dozor's submission URL when form encryption
is on (decision 0027); pyxform accepts them without warnings and the importer reads such a form
back unchanged."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dozor.core.formkeys import form_public_key
from dozor.core.models import FormKey
from dozor.methodology.models import TemplateVersion
from dozor.methodology.xlsform import export_version, parse_xlsform, to_xform

pytestmark = pytest.mark.django_db

XF = "{http://www.w3.org/2002/xforms}"
SITE = "https://dozor.example.kz"


@pytest.fixture
def version(settings) -> TemplateVersion:  # type: ignore[no-untyped-def]
    settings.DOZOR_FORM_ENCRYPTION = True
    settings.DOZOR_SITE_URL = SITE
    return TemplateVersion.objects.select_related("template").get(
        template__code="tpl_sizo", status=TemplateVersion.Status.PUBLISHED
    )


def settings_sheet(data: bytes) -> dict[str, str]:
    rows = list(load_workbook(io.BytesIO(data), read_only=True)["settings"].iter_rows(values_only=True))
    return {str(k): str(v) for k, v in zip(rows[0], rows[1], strict=True) if k}


def test_it_exports_an_encrypted_form_that_pyxform_accepts(version) -> None:  # type: ignore[no-untyped-def]
    key = form_public_key()
    data = export_version(version, public_key=key, submission_url=f"{SITE}/openrosa/submission")
    sheet = settings_sheet(data)
    assert sheet["public_key"] == key and sheet["submission_url"] == f"{SITE}/openrosa/submission"
    xml, warnings = to_xform(data)
    assert warnings == []
    submission = next(ET.fromstring(xml).iter(f"{XF}submission"))
    assert submission.get("base64RsaPublicKey") == key
    assert submission.get("action") == f"{SITE}/openrosa/submission"
    assert submission.get("method") == "post"


def test_it_exports_no_key_unless_asked(version) -> None:  # type: ignore[no-untyped-def]
    sheet = settings_sheet(export_version(version))
    assert "public_key" not in sheet and "submission_url" not in sheet
    assert not FormKey.objects.exists()


def test_it_reads_an_encrypted_export_back_unchanged(version) -> None:  # type: ignore[no-untyped-def]
    plain = parse_xlsform(export_version(version))
    encrypted = parse_xlsform(
        export_version(version, public_key=form_public_key(), submission_url=f"{SITE}/openrosa/submission")
    )
    assert encrypted.form_id == plain.form_id == "tpl_sizo"
    assert encrypted.sections == plain.sections
    assert encrypted.title == plain.title
    assert encrypted.report == plain.report


def test_the_export_page_encrypts_by_default_and_can_leave_it(version, as_coordinator, settings) -> None:  # type: ignore[no-untyped-def]
    url = reverse("methodology:xlsform", args=[version.pk])
    sheet = settings_sheet(as_coordinator.get(url).content)
    assert sheet["public_key"] == form_public_key()
    assert sheet["submission_url"] == f"{SITE}/openrosa/submission"
    elsewhere = settings_sheet(as_coordinator.get(url + "?encryption=key").content)
    assert elsewhere["public_key"] == form_public_key() and "submission_url" not in elsewhere
    plain = settings_sheet(as_coordinator.get(url + "?encryption=none").content)
    assert "public_key" not in plain and "submission_url" not in plain
    settings.DOZOR_FORM_ENCRYPTION = False
    off = settings_sheet(as_coordinator.get(url).content)
    assert "public_key" not in off and "submission_url" not in off


def test_the_export_page_uses_the_request_host_without_a_site_url(version, as_coordinator, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_SITE_URL = ""
    sheet = settings_sheet(as_coordinator.get(reverse("methodology:xlsform", args=[version.pk])).content)
    assert sheet["submission_url"] == "http://testserver/openrosa/submission"


def test_the_api_export_encrypts_by_default(version, as_trainer) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/template-versions/{version.pk}/xlsform/"
    sheet = settings_sheet(as_trainer.get(url).content)
    assert sheet["public_key"] == form_public_key()
    assert sheet["submission_url"] == f"{SITE}/openrosa/submission"
    assert "public_key" not in settings_sheet(as_trainer.get(url + "?encryption=none").content)
