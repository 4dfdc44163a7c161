"""Files people hand us (a mail's attachments, a customer's documents): the types kept, each checked by its first
bytes, and a size bound. A file is what its content says, not what its name or its sender claims.

``refusal`` says why a file is not kept, as a short code that the mail keeps with its message; ``refusal_message``
says it to a person.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of the old Office formats
ZIP = b"PK\x03\x04"  # the container of the Office Open XML and OpenDocument formats
# A file is kept when its type is one of these and its first bytes agree (a type that has a signature).
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "text/plain": (),
    "text/csv": (),
    "application/zip": (ZIP,),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (ZIP,),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (ZIP,),
    "application/vnd.oasis.opendocument.text": (ZIP,),
    "application/vnd.oasis.opendocument.spreadsheet": (ZIP,),
    "application/msword": (OLE,),
    "application/vnd.ms-excel": (OLE,),
    "message/rfc822": (),
}
# The type a file's name gives it, for an upload (a browser's own guess is not taken).
EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".eml": "message/rfc822",
}
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
TEXT_LOOKED_AT = 8192  # the bytes of a text file searched for a NUL (a binary file given a text name)


def refusal(kind: str, data: bytes, max_bytes: int) -> str:
    """Why a file of type ``kind`` is not kept: "too-large", "type" (not one we keep), "content" (its bytes are not
    of that type); "" to keep it."""
    if len(data) > max_bytes:
        return "too-large"
    if kind not in ALLOWED_TYPES:
        return "type"
    signatures = ALLOWED_TYPES[kind]
    if signatures and not data.startswith(signatures):
        return "content"
    if kind.startswith("text/") and not data.startswith(UTF16_MARKS) and b"\x00" in data[:TEXT_LOOKED_AT]:
        return "content"
    return ""


def type_of(name: str) -> str:
    """The type a file's name gives it (its extension), "" when it is no type we keep."""
    return EXTENSIONS.get(PurePosixPath(name.lower()).suffix, "")


def clean_name(name: str, default: str = "file") -> str:
    """A file's name as a person gave it, without folders or control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if c.isprintable()).strip(" .")
    return kept[-200:] if kept else default


def read_upload(upload: UploadedFile[bytes], max_bytes: int, *, field: str = "file") -> tuple[str, str, bytes]:
    """The clean name, type and bytes of an uploaded file of a type we keep (by its name, confirmed by its content)
    within ``max_bytes``; otherwise a ValidationError on ``field``. Never reads more than one byte past the limit."""
    name = clean_name(upload.name or "")
    kind, data = type_of(name), b""
    if upload.size is not None and upload.size > max_bytes:
        reason = "too-large"
    else:
        data = upload.read(max_bytes + 1)
        reason = refusal(kind, data, max_bytes)
    if reason:
        raise ValidationError({field: refusal_message(reason, max_bytes)})
    if not data:
        raise ValidationError({field: _("The file is empty.")})
    return name, kind, data


def refusal_message(reason: str, max_bytes: int) -> str:
    """``refusal``'s reason in the reader's language."""
    if reason == "too-large":
        return _("The file is larger than %(size)s.") % {"size": filesizeformat(max_bytes)}
    if reason == "content":
        return _("The file's content does not match its type: it may be damaged or renamed.")
    kinds = "PDF, PNG, JPEG, GIF, WebP, TXT, CSV, ZIP, DOC(X), XLS(X), ODT, ODS, EML"
    return _("Files of this type are not kept. Accepted: %(kinds)s.") % {"kinds": kinds}
