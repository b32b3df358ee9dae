"""Uploaded images (avatars, organization logos): validate, then re-encode as a clean PNG.

    from billingone.lib.images import ImageRejected, clean_image

    try:
        png = clean_image(request.FILES["file"], size=(256, 256), crop=True)
    except ImageRejected as exc:
        form.add_error("file", exc.message)

Only PNG, JPEG and WebP are accepted, recognised by their magic bytes (never by the file name
or the declared content type). The byte size is checked before reading, the pixel size from
the header before decoding (pixel-flood), then the image is fully decoded, rotated per its
EXIF orientation, resized and written as a brand-new PNG: metadata (EXIF, GPS, ICC, text
chunks) and anything appended to the file (polyglots) do not survive. SVG is refused: it is
a document that can carry script, not a picture.
"""

from __future__ import annotations

import io
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1024 * 1024  # 1 MB
MAX_SIDE = 4096  # pixels, per side
ACCEPTED = "PNG, JPEG or WebP"

_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("PNG", b"\x89PNG\r\n\x1a\n", 0),
    ("JPEG", b"\xff\xd8\xff", 0),
    ("WEBP", b"WEBP", 8),  # RIFF....WEBP
)


class ImageRejected(Exception):
    """The upload is not an acceptable image; `message` is safe to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sniff_format(head: bytes) -> str | None:
    """The image format named by the leading bytes, or None."""
    for name, magic, offset in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic and (name != "WEBP" or head[:4] == b"RIFF"):
            return name
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<svg" in text or b"<?xml" in text)


def _read_limited(upload: IO[bytes], max_bytes: int) -> bytes:
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise ImageRejected(f"The image is larger than {max_bytes // 1024} KB. Choose a smaller file.")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"The image is larger than {max_bytes // 1024} KB. Choose a smaller file.")
    if not data:
        raise ImageRejected("The file is empty.")
    return data


def _open_checked(data: bytes, fmt: str, max_side: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])  # lazy: reads the header only
    except Image.DecompressionBombError:  # Pillow's own, far larger limit, also from the header
        raise ImageRejected(f"The image has too many pixels; the limit is {max_side}×{max_side}.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected("The image is damaged or not a real image file.") from None
    width, height = image.size
    if width < 1 or height < 1 or width > max_side or height > max_side:
        raise ImageRejected(f"The image is {width}×{height} pixels; the limit is {max_side}×{max_side}.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("The image is damaged or not a real image file.") from None
    return image


def clean_image(
    upload: IO[bytes],
    *,
    size: tuple[int, int] = (256, 256),
    crop: bool = False,
    max_bytes: int = MAX_BYTES,
    max_side: int = MAX_SIDE,
) -> ContentFile:
    """A fresh PNG of the uploaded image fitted into `size` (cropped to fill it when `crop`).

    Raises ImageRejected with a message for the user when the upload is too large, not PNG,
    JPEG or WebP, too many pixels, or damaged.
    """
    data = _read_limited(upload, max_bytes)
    fmt = sniff_format(data[:16])
    if fmt is None:
        if _looks_like_svg(data):
            raise ImageRejected(f"SVG images are not accepted. Upload a {ACCEPTED} image.")
        raise ImageRejected(f"This file type is not accepted. Upload a {ACCEPTED} image.")
    image = _open_checked(data, fmt, max_side)
    image = ImageOps.exif_transpose(image)  # keep the intended orientation once EXIF is gone
    image = image.convert("RGBA")
    if crop:
        image = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
    else:
        image.thumbnail(size, Image.Resampling.LANCZOS)
    clean = Image.new("RGBA", image.size)  # a new image carries no info/metadata from the upload
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="image.png")
