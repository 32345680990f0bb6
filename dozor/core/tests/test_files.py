"""Files in and out (dozor.core.files): judging a file by its bytes, and the download response."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from dozor.core import files
from dozor.core.files import (
    DOCX,
    IMAGES,
    JPEG,
    OFFICE,
    PDF,
    PNG,
    PPTX,
    XLSX,
    FileTooLarge,
    ImageTooLarge,
    clean_name,
    content_disposition,
    file_response,
    read_capped,
    sniff,
)

WHOLE_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MAIN = {
    DOCX: (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    XLSX: ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    PPTX: (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, format=fmt)
    return out.getvalue()


def office(kind: files.FileType, *, macros: bool = False) -> bytes:
    part, content_type = MAIN[kind]
    if macros:
        content_type = content_type.replace("document.main", "document.macroEnabled.main")
    listing = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", listing)
        archive.writestr(part, "<x/>")
    return out.getvalue()


def test_it_knows_whole_files_by_their_bytes() -> None:
    everything = (PDF, *IMAGES, *OFFICE)
    assert sniff(WHOLE_PDF, everything) == PDF
    assert sniff(image("PNG"), everything) == PNG
    assert sniff(image("JPEG"), everything) == JPEG
    for kind in OFFICE:
        assert sniff(office(kind), everything) == kind


def test_it_refuses_what_was_not_asked_for_or_is_not_whole() -> None:
    assert sniff(WHOLE_PDF, IMAGES) is None
    assert sniff(image("PNG"), (PDF, JPEG)) is None
    assert sniff(b"%PDF-1.4\nno end marker", (PDF,)) is None
    assert sniff(b"\x89PNG\r\n\x1a\nnot an image", IMAGES) is None
    assert sniff(office(DOCX, macros=True), OFFICE) is None
    assert sniff(office(PPTX), (DOCX, XLSX)) is None


def test_it_refuses_images_with_too_many_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_MEGAPIXELS", 0)
    with pytest.raises(ImageTooLarge):
        sniff(image("PNG"), IMAGES)


def test_without_verifying_it_reads_signatures_only() -> None:
    everything = (PDF, *IMAGES, *OFFICE)
    assert sniff(b"%PDF-1.7\n...", everything, verify=False) == PDF
    assert sniff(b"\x89PNG\r\n\x1a\n....", everything, verify=False) == PNG
    assert sniff(b"PK\x03\x04broken", everything, verify=False) is None
    assert sniff(b"MZ\x90\x00", everything, verify=False) is None


def test_it_reads_an_upload_up_to_the_limit() -> None:
    assert read_capped(io.BytesIO(b"12345"), 5) == b"12345"
    with pytest.raises(FileTooLarge):
        read_capped(io.BytesIO(b"123456"), 5)


def test_it_cleans_file_names() -> None:
    assert clean_name("C:\\Users\\x\\Камера\x07 12.jpg", "jpg") == "Камера 12.jpg"
    assert clean_name(" . ", "pdf", stem="evidence") == "evidence.pdf"


def test_plain_names_keep_the_simple_header() -> None:
    assert content_disposition("report-2025.pdf") == 'attachment; filename="report-2025.pdf"'
    assert content_disposition('a"b\\c.txt') == 'attachment; filename="a\\"b\\\\c.txt"'


def test_cyrillic_names_get_a_utf8_filename_and_an_ascii_stand_in() -> None:
    header = content_disposition("Камера 12.jpg")
    assert (
        header
        == "attachment; filename=\"12.jpg\"; filename*=utf-8''%D0%9A%D0%B0%D0%BC%D0%B5%D1%80%D0%B0%2012.jpg"
    )
    assert content_disposition("Отчёт.pdf").startswith('attachment; filename="download.pdf"; ')
    assert content_disposition("Қазақ.pdf", attachment=False).startswith("inline; ")


def test_a_private_download_is_never_cached_or_sniffed() -> None:
    response = file_response(b"data", "x.csv", "text/csv; charset=utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    public = file_response("text", "x.txt", "text/plain; charset=utf-8", private=False)
    assert "Cache-Control" not in public and public.content == b"text"


def test_an_open_file_is_streamed() -> None:
    response = file_response(io.BytesIO(b"%PDF-"), "Отчёт.pdf", "application/pdf")
    assert b"".join(response.streaming_content) == b"%PDF-"  # type: ignore[attr-defined]
    assert "filename*=utf-8''%D0%9E" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
