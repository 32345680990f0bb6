"""Checks shared by every upload (size caps, archives that expand too far: zip bombs) and the
headers of every access-checked download."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _

MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_MEMBERS = 2000


class UploadError(Exception):
    """The uploaded file is refused as a whole; nothing was written."""


class ArchiveTooLarge(UploadError):
    """The archive would expand beyond the limit (a zip bomb, or simply too much)."""


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise UploadError(
            _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
            % {"size": len(data), "limit": limit}
        )
    if not data.strip():
        raise UploadError(_("The file is empty."))


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


def private_download(response: Any, filename: str = "") -> Any:
    """Mark a response carrying confidential or personal data: a download (when ``filename`` is
    given), never cached by browsers or proxies, never content-sniffed."""
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
