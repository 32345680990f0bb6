"""Files in and out, shared by every app.

In: size caps, archives that would expand too far (zip bombs), and what a file *is*, judged from
its bytes only - never from its name or the browser's declared type (``sniff``).

Out: every download goes through ``file_response``, which names the file in an RFC 6266
``Content-Disposition`` (a UTF-8 ``filename*`` for Cyrillic and Kazakh names, with an ASCII
``filename`` for old clients) and, unless the download is public, marks it never to be cached or
content-sniffed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO, Any, overload
from urllib.parse import quote
from xml.etree import ElementTree

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_MEMBERS = 2000


class UploadError(Exception):
    """The uploaded file is refused as a whole; nothing was written."""


class ArchiveTooLarge(UploadError):
    """The archive would expand beyond the limit (a zip bomb, or simply too much)."""


class FileTooLarge(UploadError):
    """The upload is larger than the limit the caller gave (it was not read past the limit)."""


class ImageTooLarge(UploadError):
    """The image has more pixels than are accepted (refused before its pixels are decoded)."""


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise UploadError(
            _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
            % {"size": len(data), "limit": limit}
        )
    if not data.strip():
        raise UploadError(_("The file is empty."))


def read_capped(uploaded: IO[bytes], limit: int) -> bytes:
    """The whole upload, read once and never past ``limit`` bytes; FileTooLarge when it is larger
    (by its declared size or by what was read). An empty upload gives ``b""``: callers word that."""
    declared = getattr(uploaded, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise FileTooLarge
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    content = uploaded.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge
    return content


def open_zip(data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> zipfile.ZipFile:
    """Open a ZIP (XLSX files are ZIPs) after checking what it would expand to."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadError(_("The file is not a valid ZIP archive.")) from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS or sum(info.file_size for info in members) > max_uncompressed:
        archive.close()
        raise ArchiveTooLarge(_("The archive expands to more than is allowed."))
    return archive


# --- what a file is ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # of the stored file
    image_format: str | None = None  # Pillow's format name, for images


PDF = FileType("application/pdf", "pdf")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")
WEBP = FileType("image/webp", "webp", "WEBP")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
PPTX = FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
IMAGES = (JPEG, PNG, WEBP)
OFFICE = (DOCX, PPTX, XLSX)

# "%%EOF" must be in the last bytes of a PDF; the specification allows trailing whitespace, and
# some writers add a little more, so we look at the tail rather than the last line only.
PDF_EOF_WINDOW = 1024
# Larger images are refused before their pixels are decoded (decompression bombs); below Pillow's
# own warning threshold (about 89 megapixels), above what phone cameras produce in normal modes.
MAX_MEGAPIXELS = 80
# An Office file is a zip: open_zip refuses archives that would expand too far before anything but
# the directory is read; the parts list itself is bounded here.
CONTENT_TYPES_MAX = 1024 * 1024
CT_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# The main part an Office package declares in [Content_Types].xml (not the macro-enabled or
# template variants), and the folder of its parts (the signature-only check looks for that).
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
OFFICE_FOLDERS = {DOCX: "word/", PPTX: "ppt/", XLSX: "xl/"}


def is_pdf(content: bytes, *, whole: bool = True) -> bool:
    """``%PDF-`` at the start and, when ``whole``, ``%%EOF`` near the end (a complete file)."""
    if not content.startswith(b"%PDF-"):
        return False
    return not whole or b"%%EOF" in content[-PDF_EOF_WINDOW:]


def open_image(content: bytes, accept: Collection[FileType] = IMAGES) -> Any:
    """A Pillow image of ``content``, trying only the formats of ``accept`` (raises as Pillow does)."""
    from PIL import Image

    formats = [t.image_format for t in accept if t.image_format]
    return Image.open(io.BytesIO(content), formats=formats)


def image_type(content: bytes, accept: Collection[FileType] = IMAGES) -> FileType | None:
    """The type if ``content`` is a whole, decodable image of a format in ``accept``, else None.
    ImageTooLarge when it has more than MAX_MEGAPIXELS (checked before the pixels are decoded)."""
    from PIL import Image, UnidentifiedImageError

    by_format = {t.image_format: t for t in accept if t.image_format}
    if not by_format:
        return None
    try:
        with open_image(content, accept) as image:
            if image.width * image.height > MAX_MEGAPIXELS * 1_000_000:
                raise ImageTooLarge(
                    _("The image has more than %(limit)d megapixels.") % {"limit": MAX_MEGAPIXELS}
                )
            image.verify()
        # verify() leaves the image unusable and does not decode every pixel: reopen and load.
        with open_image(content, accept) as image:
            image.load()
            return by_format.get(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def office_type(content: bytes, accept: Collection[FileType] = OFFICE) -> FileType | None:
    """The type when ``content`` is an Office package whose ``[Content_Types].xml`` declares the
    main part of exactly one type of ``accept`` and holds that part; None for anything else,
    including any package with macros."""
    if not content.startswith(b"PK\x03\x04"):
        return None
    mains = {kind: found for kind, found in OFFICE_MAIN_PARTS.items() if found in accept}
    try:
        with open_zip(content) as archive:  # refuses archives that expand too far (zip bombs)
            names = {e.filename for e in archive.infolist()}
            listing = archive.getinfo("[Content_Types].xml")
            if listing.file_size > CONTENT_TYPES_MAX:
                return None
            # Expat (>= 2.4) limits entity expansion and ElementTree never loads external entities.
            root = ElementTree.fromstring(archive.read(listing))
    except (
        UploadError,
        zipfile.BadZipFile,
        KeyError,
        ElementTree.ParseError,
        OSError,
        ValueError,
        RuntimeError,
    ):
        return None
    if root.tag != f"{CT_NAMESPACE}Types":
        return None
    found: FileType | None = None
    for override in root.iter(f"{CT_NAMESPACE}Override"):
        kind = (override.get("ContentType") or "").strip().lower()
        part = (override.get("PartName") or "").lstrip("/")
        if "macroenabled" in kind or "vbaproject" in kind:
            return None  # macros are never accepted, whatever else the package holds
        if kind in mains and part in names:
            if found is not None and found != mains[kind]:
                return None
            found = mains[kind]
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    return found


def _signature(content: bytes, accept: Collection[FileType]) -> FileType | None:
    """The type by its signature alone: magic bytes, and for Office files the folder of its parts."""
    if content.startswith(b"%PDF-"):
        return PDF if PDF in accept else None
    signatures = (
        (PNG, content.startswith(b"\x89PNG\r\n\x1a\n")),
        (JPEG, content.startswith(b"\xff\xd8\xff")),
        (WEBP, content[:4] == b"RIFF" and content[8:12] == b"WEBP"),
    )
    for kind, matches in signatures:
        if matches:
            return kind if kind in accept else None
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, folder in OFFICE_FOLDERS.items():
            if kind in accept and any(name.startswith(folder) for name in names):
                return kind
    return None


def sniff(content: bytes, accept: Collection[FileType], *, verify: bool = True) -> FileType | None:
    """What ``content`` is among ``accept``, judged from its bytes; None when it is none of them.

    ``verify`` (the default) checks the whole file: a PDF ends with ``%%EOF``, an image decodes with
    Pillow (ImageTooLarge above MAX_MEGAPIXELS), an Office file declares its main part and carries no
    macros (``office_type``). Without it only the signature is read: for files that are only stored
    and handed back as downloads (training materials)."""
    if not verify:
        return _signature(content, accept)
    found = image_type(content, accept)
    if found is not None:
        return found
    if PDF in accept and is_pdf(content):
        return PDF
    if any(kind in accept for kind in OFFICE):
        return office_type(content, accept)
    return None


NAME_MAX = 255


def clean_name(name: str, extension: str, *, stem: str = "file") -> str:
    """The user's file name, fit for display and a download header: no folders, no control
    characters, at most ``NAME_MAX`` characters (the extension kept); ``stem.extension`` when
    nothing is left."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if not base:
        return f"{stem}.{extension}"
    if len(base) > NAME_MAX:
        head, dot, ext = base.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        base = (head if ext else base)[: NAME_MAX - len(ext) - 1] + (f".{ext}" if ext else "")
    return base


# --- downloads ------------------------------------------------------------------------------------


def _plain(name: str) -> bool:
    return all(32 <= ord(c) < 127 for c in name)


def _ascii_fallback(name: str) -> str:
    """An ASCII stand-in for a name with other letters: what survives of the stem, the extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not _plain(ext):
        stem, ext = name, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^\w.() -]+", "_", ascii_stem).strip("_ .") or "download"
    return f"{ascii_stem}.{ext}" if ext else ascii_stem


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """The ``Content-Disposition`` value for ``filename`` (RFC 6266): ``filename="..."`` alone for a
    plain ASCII name, else an ASCII stand-in plus ``filename*=utf-8''...`` (RFC 5987), which every
    current browser prefers."""

    def quoted(name: str) -> str:
        return name.replace("\\", "\\\\").replace('"', '\\"')

    kind = "attachment" if attachment else "inline"
    if _plain(filename):
        return f'{kind}; filename="{quoted(filename)}"'
    return (
        f'{kind}; filename="{quoted(_ascii_fallback(filename))}"; '
        f"filename*=utf-8''{quote(filename, safe='')}"
    )


Download = HttpResponse | FileResponse


def _private(response: Download) -> None:
    """Confidential or personal data: never cached by browsers or proxies, never content-sniffed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"


@overload
def file_response(
    content: bytes | str, filename: str, content_type: str, *, private: bool = True, attachment: bool = True
) -> HttpResponse: ...


@overload
def file_response(
    content: IO[bytes], filename: str, content_type: str, *, private: bool = True, attachment: bool = True
) -> FileResponse: ...


def file_response(
    content: bytes | str | IO[bytes],
    filename: str,
    content_type: str,
    *,
    private: bool = True,
    attachment: bool = True,
) -> Download:
    """A download of ``content`` (bytes or text in memory, or an open file, streamed) named
    ``filename``. ``private`` (the default: anything behind a login) adds the no-store and nosniff
    headers; public downloads (the portal, open data) leave caching to the page's own rules."""
    response: Download
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, attachment=attachment)
    if private:
        _private(response)
    return response
