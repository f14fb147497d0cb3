"""Imports over HTTP: upload a file to be checked, read the result, commit it."""

from ninja import File, Form, P, PathEx, Router, Status, UploadedFile

from feidi_web.api.schemas import ImportOut, errors
from feidi_web.enterprises.permissions import import_get_for_user
from feidi_web.enterprises.services import import_check, import_commit

router = Router(tags=["imports"])

ImportId = PathEx[int, P(description="Import id.")]


@router.post("", response={201: ImportOut, **errors(403, 422)}, summary="Upload a file to check")
def import_upload(
    request,
    file: File[UploadedFile],
    jurisdiction_code: Form[str] = "",
):
    """Store the file (.xlsx, .csv or .parquet) and check it; nothing in the registry changes.

    The answer is 201 with the import either ``rejected`` — ``issues`` lists every error
    with row, column, value and reason — or in ``preview``, with a ``summary`` of what a
    commit would change. County staff import into their own division; an administrator
    names it in ``jurisdiction_code``. 422 only when the file cannot be taken at all (wrong
    type, too large, no division). System administrators and county staff only (403).
    """
    return Status(
        201,
        import_check(actor=request.auth, upload=file, jurisdiction_code=jurisdiction_code),
    )


@router.get("/{import_id}", response={200: ImportOut, **errors(404)}, summary="One import")
def import_detail(request, import_id: ImportId):
    """Only the uploader or an administrator sees an import (404 otherwise)."""
    return import_get_for_user(request.auth, import_id)


@router.post(
    "/{import_id}/commit",
    response={200: ImportOut, **errors(403, 404, 422)},
    summary="Write a checked import into the registry",
)
def commit_import(request, import_id: ImportId):
    """Write an import in ``preview`` into the registry in one transaction, with its audit
    trail. 422 when it is not in ``preview`` (rejected, or already committed)."""
    return import_commit(
        actor=request.auth, import_id=import_get_for_user(request.auth, import_id).pk
    )
