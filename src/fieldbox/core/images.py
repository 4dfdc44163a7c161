"""Pictures people hand us (a job's photos, a work order's attachments): decoded with Pillow to prove they are
pictures, within a number of pixels (decompression bombs are refused before they are decoded), turned upright and
written again without their EXIF (no GPS position, no camera serial), keeping only when the photo was taken.

One definition for every app: ``clean_image`` takes the bytes (their size is the caller's check, with its own
limit and words) and names the refused field as the caller says.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# The formats kept, with their type and the extension of the file written.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
CONTENT_TYPES = frozenset(kind for kind, _ext in FORMATS.values())
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 36867, 306


@dataclass
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    taken: datetime | None  # the camera's local time, without a time zone


def _taken(image: Image.Image) -> datetime | None:
    """When the camera says the photo was taken (EXIF local time, without a time zone)."""
    exif = image.getexif()
    text = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    try:
        return datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def clean_image(raw: bytes, *, max_pixels: int, field: str) -> CleanImage:
    """A real JPEG, PNG or WebP image of at most ``max_pixels``, upright and without EXIF; otherwise a
    ValidationError on ``field``."""
    too_many = ValidationError({field: _("The photo has too many pixels.")})
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=list(FORMATS))
            if image.width * image.height > max_pixels:
                raise too_many
            image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError({field: _("This file is not a JPEG, PNG or WebP image.")}) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
    content_type, extension = FORMATS[str(image.format)]
    taken = _taken(image)
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if image.format == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=90)
    else:
        upright.save(out, str(image.format))
    return CleanImage(out.getvalue(), content_type, extension, upright.width, upright.height, taken)
