"""Evidence of a visit: files judged by content, metadata removed, confidential access, audited reads."""

from __future__ import annotations

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core import files as core_files
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.evidence import services as services_evidence
from dozor.visits.evidence.services import evidence_content, evidence_delete, evidence_upload
from dozor.visits.models import Evidence, Visit
from dozor.visits.services import visit_create

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML_BYTES = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def exif_with_gps(orientation: int = 1, offset: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = "2025:03:01 10:30:00"
    if offset:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (43.0, 15.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (76.0, 54.0, 0.0),
        }
    )
    return exif


def jpeg_with_gps(**exif_options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(
        buffer,
        "JPEG",
        exif=exif_with_gps(**exif_options),
        comment=b"cell 12, bed 3",  # type: ignore[arg-type]
    )
    return buffer.getvalue()


def image_bytes(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def gps_of(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


@pytest.fixture
def team_visit(coordinator: User, monitor: User) -> Visit:
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )


@pytest.fixture
def evidence(team_visit: Visit, monitor: User) -> Evidence:
    return evidence_upload(
        actor=monitor,
        visit=team_visit,
        uploaded_file=upload("Камера 12.jpg", jpeg_with_gps()),
        kind=Evidence.Kind.PHOTO,
        description="Mould on the wall of cell 12",
    )


# --- the service: content checks and metadata ----------------------------------------------------


def test_it_strips_gps_and_exif_from_a_jpeg_and_keeps_the_capture_time(team_visit, monitor, media_root):
    original = jpeg_with_gps(orientation=6)
    assert gps_of(original)  # the fixture really carries a position

    item = evidence_upload(
        actor=monitor, visit=team_visit, uploaded_file=upload("IMG_0001.jpg", original), kind="photo"
    )

    stored = evidence_content(item)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (30, 40)  # orientation 6 applied to the pixels before the EXIF went
        assert not image.getexif()
        assert gps_of(stored) == {}
        assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    assert b"PhoneMaker" not in stored and b"cell 12" not in stored
    assert item.sha256 == hashlib.sha256(stored).hexdigest() != hashlib.sha256(original).hexdigest()
    assert item.size == len(stored)
    assert item.captured_at is not None  # no offset in the EXIF: the camera clock is local time
    assert timezone.localtime(item.captured_at).strftime("%Y-%m-%d %H:%M") == "2025-03-01 10:30"
    assert item.metadata_stripped is True
    assert item.content_type == "image/jpeg"
    assert item.original_name == "IMG_0001.jpg"
    assert "IMG_0001" not in item.file.name and item.file.name.startswith("evidence/")
    assert item.file.name.endswith(".jpg")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(item.pk)).exists()


def test_it_reads_the_capture_time_offset_when_the_camera_wrote_one(team_visit, monitor):
    item = evidence_upload(
        actor=monitor,
        visit=team_visit,
        uploaded_file=upload("a.jpg", jpeg_with_gps(offset="+06:00")),
        kind="photo",
    )
    assert item.captured_at == datetime.datetime(2025, 3, 1, 4, 30, tzinfo=datetime.UTC)


def test_it_keeps_the_metadata_when_the_uploader_asks(team_visit, monitor):
    original = jpeg_with_gps()
    item = evidence_upload(
        actor=monitor,
        visit=team_visit,
        uploaded_file=upload("a.jpg", original),
        kind="photo",
        keep_metadata=True,
    )
    stored = evidence_content(item)
    assert stored == original
    assert gps_of(stored)
    assert item.metadata_stripped is False
    assert item.captured_at is not None


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", ".png"), ("WEBP", "image/webp", ".webp")],
)
def test_it_strips_metadata_from_png_and_webp(team_visit, monitor, fmt, content_type, extension):
    original = image_bytes(fmt, exif=exif_with_gps())
    assert gps_of(original)
    item = evidence_upload(
        actor=monitor, visit=team_visit, uploaded_file=upload("x.bin", original), kind="photo"
    )
    stored = evidence_content(item)
    assert gps_of(stored) == {}
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert image.format == fmt
    assert item.content_type == content_type and item.file.name.endswith(extension)
    assert item.captured_at is not None


def test_it_refuses_an_html_file_renamed_jpg_and_writes_nothing(team_visit, as_monitor, media_root):
    response = as_monitor.post(
        reverse("visits:evidence_upload", args=[team_visit.pk]),
        {"kind": "photo", "uploaded_file": upload("photo.jpg", HTML_BYTES, "image/jpeg")},
    )
    assert response.status_code == 400
    assert "The file is not a JPEG, PNG or WebP image" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_it_refuses_an_oversized_upload_before_writing_anything(settings, team_visit, monitor, media_root):
    settings.DOZOR_MAX_EVIDENCE_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        evidence_upload(
            actor=monitor,
            visit=team_visit,
            uploaded_file=upload("big.pdf", PDF_BYTES + b"0" * 1000, "application/pdf"),
            kind="document",
        )
    message = caught.value.message_dict["uploaded_file"][0]
    assert "limit" in message and "1000" in message
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_it_refuses_an_oversized_request_before_parsing_it(settings, team_visit, as_monitor, media_root):
    settings.DOZOR_MAX_EVIDENCE_BYTES = 1000
    response = as_monitor.post(
        reverse("visits:evidence_upload", args=[team_visit.pk]),
        {"kind": "document", "uploaded_file": upload("big.pdf", PDF_BYTES + b"0" * 1_100_000)},
    )
    assert response.status_code == 413
    assert "The file is larger than the limit of" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_it_accepts_a_pdf_as_a_document(team_visit, monitor):
    item = evidence_upload(
        actor=monitor,
        visit=team_visit,
        uploaded_file=upload("Журнал.pdf", PDF_BYTES, "application/octet-stream"),
        kind="document",
    )
    assert item.content_type == "application/pdf"
    assert item.file.name.endswith(".pdf")
    assert evidence_content(item) == PDF_BYTES
    assert item.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert item.metadata_stripped is False
    assert item.original_name == "Журнал.pdf"


def test_it_accepts_an_image_as_a_document(team_visit, monitor):
    item = evidence_upload(
        actor=monitor, visit=team_visit, uploaded_file=upload("scan.jpg", jpeg_with_gps()), kind="document"
    )
    assert item.content_type == "image/jpeg" and item.metadata_stripped
    assert gps_of(evidence_content(item)) == {}


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("document", bytes(range(256)) * 8, "not a PDF document or a JPEG, PNG or WebP image"),
        ("document", b"%PDF-1.4\nno end marker", "not a PDF document"),
        ("photo", PDF_BYTES, "not a JPEG, PNG or WebP image"),
        ("photo", image_bytes("JPEG")[:60], "not a JPEG, PNG or WebP image"),  # truncated
        ("photo", image_bytes("GIF"), "not a JPEG, PNG or WebP image"),
    ],
)
def test_it_refuses_files_that_are_not_what_the_kind_needs(
    team_visit, monitor, media_root, kind, content, expected
):
    with pytest.raises(ValidationError) as caught:
        evidence_upload(actor=monitor, visit=team_visit, uploaded_file=upload("x.pdf", content), kind=kind)
    assert expected in caught.value.message_dict["uploaded_file"][0]
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_it_refuses_images_with_too_many_pixels_before_decoding_them(team_visit, monitor, monkeypatch):
    monkeypatch.setattr(core_files, "MAX_MEGAPIXELS", 0)  # the check every upload shares
    with pytest.raises(ValidationError) as caught:
        evidence_upload(
            actor=monitor, visit=team_visit, uploaded_file=upload("a.png", image_bytes("PNG")), kind="photo"
        )
    assert "megapixels" in caught.value.message_dict["uploaded_file"][0]
    assert not Evidence.objects.exists()


def test_it_cleans_the_displayed_file_name(team_visit, monitor):
    item = evidence_upload(
        actor=monitor,
        visit=team_visit,
        uploaded_file=upload("cell\x07 12\u202e.jpg", jpeg_with_gps()),
        kind="photo",
    )
    assert item.original_name == "cell 12.jpg"


def test_it_deletes_the_stored_file_when_the_database_write_fails(
    team_visit, monitor, media_root, monkeypatch
):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services_evidence, "audit_record", broken)
    with pytest.raises(RuntimeError):
        evidence_upload(
            actor=monitor, visit=team_visit, uploaded_file=upload("a.jpg", jpeg_with_gps()), kind="photo"
        )
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_it_lets_only_the_team_and_coordinators_upload(team_visit, council, coordinator):
    outsider = make_user("mira", Role.MONITOR)
    for actor in (council, outsider):
        with pytest.raises(PermissionDenied):
            evidence_upload(
                actor=actor, visit=team_visit, uploaded_file=upload("a.pdf", PDF_BYTES), kind="document"
            )
    assert evidence_upload(
        actor=coordinator, visit=team_visit, uploaded_file=upload("a.pdf", PDF_BYTES), kind="document"
    )


# --- pages and downloads -------------------------------------------------------------------------


def test_it_uploads_through_the_page_and_shows_the_detail(team_visit, as_monitor, monitor):
    url = reverse("visits:evidence_upload", args=[team_visit.pk])
    assert as_monitor.get(url).status_code == 200
    response = as_monitor.post(
        url,
        {
            "kind": "photo",
            "uploaded_file": upload("yard.jpg", jpeg_with_gps()),
            "description": "Exercise yard",
        },
    )
    item = Evidence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:evidence_detail", args=[item.pk])
    page = as_monitor.get(response["Location"]).content.decode()
    assert "Exercise yard" in page and item.sha256 in page and "yard.jpg" in page
    assert "Removed (EXIF, GPS position, XMP, ICC profile)" in page
    assert item.uploaded_by == monitor


def test_it_refuses_the_upload_page_to_those_who_may_not_record(team_visit, as_council):
    outsider = client_for(make_user("mira", Role.MONITOR))
    url = reverse("visits:evidence_upload", args=[team_visit.pk])
    assert as_council.get(url).status_code == 403  # sees the visit, may not add to it
    assert outsider.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["as_council", "as_liaison", "as_other_liaison", "as_trainer"])
def test_it_hides_evidence_from_outsiders(request, evidence, persona):
    client: Client = request.getfixturevalue(persona)
    for name in ("visits:evidence_detail", "visits:evidence_file"):
        assert client.get(reverse(name, args=[evidence.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()


def test_it_hides_evidence_from_a_monitor_not_on_the_team(evidence):
    outsider = client_for(make_user("mira", Role.MONITOR))
    for name in ("visits:evidence_detail", "visits:evidence_file"):
        assert outsider.get(reverse(name, args=[evidence.pk])).status_code == 404
    assert outsider.post(reverse("visits:evidence_delete", args=[evidence.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_it_sends_anonymous_users_to_sign_in(evidence, anonymous):
    for name in ("visits:evidence_detail", "visits:evidence_file"):
        response = anonymous.get(reverse(name, args=[evidence.pk]))
        assert response.status_code == 302 and "login" in response["Location"]
    response = anonymous.get(reverse("visits:evidence_upload", args=[evidence.visit_id]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("persona", ["monitor", "coordinator"])
def test_it_lets_the_team_and_coordinators_download_and_audits_each_download(request, evidence, persona):
    user: User = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse("visits:evidence_file", args=[evidence.pk])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert hashlib.sha256(body).hexdigest() == evidence.sha256
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            "filename*=utf-8''%D0%9A%D0%B0%D0%BC%D0%B5%D1%80%D0%B0%2012.jpg"
            in response["Content-Disposition"]
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    reads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, actor=user, object_type="visits.evidence"
    )
    assert reads.count() == 2
    assert {event.object_id for event in reads} == {str(evidence.pk)}


def test_it_shows_the_evidence_list_only_to_those_allowed(evidence, as_coordinator, as_monitor, as_council):
    url = reverse("visits:detail", args=[evidence.visit_id])
    for client in (as_coordinator, as_monitor):
        page = client.get(url).content.decode()
        assert 'data-testid="evidence-row"' in page
        assert evidence.original_name in page and evidence.sha256[:12] in page
        assert reverse("visits:evidence_upload", args=[evidence.visit_id]) in page
    page = as_council.get(url).content.decode()
    assert as_council.get(url).status_code == 200
    assert 'data-testid="evidence"' not in page
    assert evidence.original_name not in page and evidence.sha256[:12] not in page
    assert reverse("visits:evidence_upload", args=[evidence.visit_id]) not in page


def test_it_lets_only_coordinators_delete_evidence(
    evidence, as_monitor, as_coordinator, coordinator, monitor, django_capture_on_commit_callbacks
):
    url = reverse("visits:evidence_delete", args=[evidence.pk])
    path = Path(evidence.file.path)
    assert as_monitor.post(url).status_code == 403
    with pytest.raises(PermissionDenied):
        evidence_delete(actor=monitor, evidence=evidence)
    assert path.exists()
    assert as_coordinator.post(url).status_code == 302 and path.exists()  # not confirmed: nothing deleted
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not path.exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, actor=coordinator, object_id=str(evidence.pk)
    ).exists()


def test_it_audits_each_showing_of_the_evidence_page(evidence, as_monitor, monitor):
    from dozor.accounts.models import AuditEvent

    for _ in range(2):
        assert as_monitor.get(f"/visits/evidence/{evidence.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ,
        object_type="visits.evidence",
        object_id=str(evidence.pk),
        actor=monitor,
    )
    assert reads.count() == 2 and all(e.changes.get("via") == "page" for e in reads)
