"""lib/images.py: only real PNG/JPEG/WebP pass, re-encoded clean; everything else has a message."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billingone.lib.images import ImageRejected, clean_image, sniff_format


def encoded(fmt: str, size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "x.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_flood_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height: what a pixel-flood upload looks like."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_out_as_png_of_the_requested_size(fmt):
    clean = clean_image(upload(encoded(fmt, (800, 400))), size=(256, 256), crop=True)
    image = Image.open(io.BytesIO(clean.read()))
    assert image.format == "PNG"
    assert image.size == (256, 256)


def test_without_crop_the_aspect_ratio_is_kept():
    clean = clean_image(upload(encoded("PNG", (800, 400))), size=(256, 256))
    assert Image.open(io.BytesIO(clean.read())).size == (256, 128)


def test_exif_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0132] = "2020:01:01 00:00:00"
    data = encoded("JPEG", exif=exif.tobytes())
    assert b"SpyCam" in data
    cleaned = clean_image(upload(data, "a.jpg", "image/jpeg")).read()
    assert b"SpyCam" not in cleaned
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_polyglot_trailer_does_not_survive():
    data = encoded("PNG") + b"<script>alert(1)</script>"
    assert b"<script>" not in clean_image(upload(data)).read()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "SVG"),
        (b"<svg onload=alert(1)></svg>", "SVG"),
        (b"GIF89a" + b"\x00" * 40, "not accepted"),
        (b"%PDF-1.7 hello", "not accepted"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "damaged"),
    ],
)
def test_refused_with_a_clear_message(data, message):
    with pytest.raises(ImageRejected) as caught:
        clean_image(upload(data))
    assert message in caught.value.message


def test_oversized_file_is_refused_before_reading():
    big = upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1))
    with pytest.raises(ImageRejected, match="larger than 1024 KB"):
        clean_image(big)


@pytest.mark.parametrize(("width", "height"), [(4097, 10), (10, 5000), (9000, 9000), (50000, 50000)])
def test_pixel_flood_is_refused_from_the_header(width, height):
    data = pixel_flood_png(width, height)
    assert len(data) < 200
    with pytest.raises(ImageRejected, match="pixels"):
        clean_image(upload(data))


def test_content_type_and_name_are_ignored_magic_bytes_decide():
    assert sniff_format(encoded("JPEG")[:16]) == "JPEG"
    clean = clean_image(upload(encoded("JPEG"), "photo.svg", "image/svg+xml"))
    assert Image.open(io.BytesIO(clean.read())).format == "PNG"
