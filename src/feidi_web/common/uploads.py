"""Uploads are bounded while they arrive, before anything is stored or read.

Django streams a multipart upload to memory or a temporary file and only then lets a view
look at its size: a 10 GB upload would fill the disk first. :class:`BoundedUploadHandler`
runs before Django's own handlers and stops the upload as soon as it is known to be too large
(from ``Content-Length`` up front, else by counting the bytes as they come). The request then
carries ``upload_refused`` (the limit in bytes) for the view to explain, and no file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _


def upload_limit() -> int:
    return int(settings.FEIDI_IMPORT_MAX_BYTES)


def upload_too_large_message(limit: int) -> str:
    return _("The file is larger than the upload limit of %(mb)s MB; nothing was stored.") % {
        "mb": f"{limit / 2**20:g}"
    }


#: Multipart framing (boundaries, part headers, small form fields) on top of the file itself.
_ENVELOPE = 64 * 1024


class BoundedUploadHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str | bytes,  # bytes at run time; Django's stubs say str
        encoding: str | None = None,
    ) -> None:
        # Refusing here would abort the whole parse (even the CSRF token field before the
        # file); the refusal comes at the file's first bytes instead, in new_file.
        self.declared_too_large = content_length > upload_limit() + _ENVELOPE
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        if self.declared_too_large:
            # Not a byte of the file is read: the client is told while it is still sending.
            self._refuse(connection_reset=True)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > upload_limit():
            # The declared length was within bounds, so the rest is read and discarded.
            self._refuse(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self, *, connection_reset: bool) -> None:
        self.request.upload_refused = upload_limit()  # type: ignore[union-attr]
        raise StopUpload(connection_reset=connection_reset)
