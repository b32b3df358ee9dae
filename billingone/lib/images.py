"""Uploaded images (avatars, logos): checked before decoding, then re-encoded as a clean PNG.

SECURITY.md #31: PNG/JPEG/WebP only, told apart by their magic bytes (never by name or
Content-Type); size and pixel limits read from the header before any pixel is decoded
(pixel floods); SVG and polyglots refused; the output is a fresh PNG without metadata.
"""

from __future__ import annotations

import io
import re
import struct
import warnings

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAGIC = {
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "JPEG": (b"\xff\xd8\xff",),
}
# Markup that must never ride along inside an image (HTML/SVG/script polyglots).
MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|\?php|!doctype)|javascript:", re.IGNORECASE)
SVG_HINT = re.compile(rb"^\s*(<\?xml|<svg|<!doctype svg|<!--)", re.IGNORECASE)


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why, for the person."""


def sniff_format(head: bytes) -> str | None:
    """PNG, JPEG or WEBP from the first bytes, else None."""
    for name, signatures in MAGIC.items():
        if any(head.startswith(signature) for signature in signatures):
            return name
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _png_end(data: bytes) -> int:
    """Offset just past the IEND chunk, or -1."""
    position = 8
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position
    return -1


def _trailing_bytes(data: bytes, kind: str) -> int:
    """How many bytes follow the end of the image proper (data a polyglot hides there)."""
    if kind == "PNG":
        end = _png_end(data)
        return len(data) - end if end > 0 else len(data)
    if kind == "WEBP":
        (riff_size,) = struct.unpack("<I", data[4:8])
        return max(0, len(data) - (8 + riff_size))
    end = data.rfind(b"\xff\xd9")
    return len(data) - (end + 2) if end > 0 else len(data)


def _read(upload, max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(f"The image is too large: the limit is {max_bytes // 1024} KB.")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"The image is too large: the limit is {max_bytes // 1024} KB.")
    if not data:
        raise ImageRejected("The file is empty.")
    return data


def _check_kind(data: bytes) -> str:
    kind = sniff_format(data[:16])
    if kind is None:
        if SVG_HINT.match(data[:256]) or b"<svg" in data[:4096].lower():
            raise ImageRejected("SVG images are not accepted (they can carry scripts). Upload a PNG, JPEG or WebP.")
        raise ImageRejected("This is not a PNG, JPEG or WebP image.")
    if MARKUP.search(data):
        raise ImageRejected("The file mixes an image with web page or script content, so it was refused.")
    trailing = _trailing_bytes(data, kind)
    padding = data[len(data) - trailing :] if trailing else b""
    # Some encoders pad with a few zero bytes; anything else after the image is hidden content.
    if trailing > 16 and padding.strip(b"\x00\xff"):
        raise ImageRejected("The file has extra data hidden after the image, so it was refused.")
    return kind


def _open(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # lazy: reads the header only
            if (image.format or "").upper() != kind:
                raise ImageRejected("The file's content does not match its image type.")
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                side = int(max_pixels**0.5)
                raise ImageRejected(f"The image has too many pixels ({width}×{height}); the limit is {side}×{side}.")
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        side = int(max_pixels**0.5)
        raise ImageRejected(f"The image has too many pixels; the limit is {side}×{side}.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("The image could not be read; it may be damaged.") from exc
    return image


def clean_image(
    upload,
    *,
    max_bytes: int,
    max_pixels: int,
    size: int | tuple[int, int] | None,
    crop: bool = False,
) -> ContentFile:
    """A re-encoded, metadata-free PNG of `upload`, fitted inside `size` (px), or ImageRejected.

    With `crop`, the image is centre-cropped to fill `size` exactly (avatars); otherwise its
    aspect ratio is kept (logos)."""
    data = _read(upload, max_bytes)
    kind = _check_kind(data)
    image = ImageOps.exif_transpose(_open(data, kind, max_pixels))  # upright before EXIF is dropped
    mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    clean = image.convert(mode)  # a new image: EXIF, ICC, XMP and text chunks stay behind
    if size:
        bounds = (size, size) if isinstance(size, int) else size
        if crop:
            clean = ImageOps.fit(clean, bounds, Image.Resampling.LANCZOS)
        else:
            clean.thumbnail(bounds, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    clean.save(output, format="PNG", optimize=True)
    return ContentFile(output.getvalue(), name="image.png")
