"""clean_image: magic bytes, limits before decoding, SVG and polyglots refused, clean PNG out."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billingone.lib.images import ImageRejected, clean_image

LIMITS = {"max_bytes": 1024 * 1024, "max_pixels": 4096 * 4096, "size": 512}


def encoded(fmt: str, size=(64, 32), mode="RGB", **save) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, (200, 30, 30)).save(output, format=fmt, **save)
    return output.getvalue()


def upload(data: bytes, name: str = "logo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def forged_png(width: int, height: int) -> bytes:
    """A PNG header claiming width×height pixels, with almost no data (a pixel flood)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_come_out_as_png(fmt):
    result = clean_image(upload(encoded(fmt)), **LIMITS)
    image = Image.open(io.BytesIO(result.read()))
    assert image.format == "PNG"
    assert image.size == (64, 32)


def test_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS
    data = encoded("JPEG", exif=exif.tobytes())
    assert b"SpyCam" in data
    result = clean_image(upload(data), **LIMITS).read()
    assert b"SpyCam" not in result
    assert not Image.open(io.BytesIO(result)).getexif()


def test_large_images_are_fitted_into_the_requested_size():
    result = clean_image(upload(encoded("PNG", size=(2000, 500))), **LIMITS)
    assert Image.open(io.BytesIO(result.read())).size == (512, 128)


def test_svg_with_script_is_refused_whatever_its_name():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ImageRejected, match="SVG images are not accepted"):
        clean_image(upload(svg, "logo.png", "image/png"), **LIMITS)


@pytest.mark.parametrize(
    "payload",
    [b"<script>alert(document.cookie)</script>", b"<html><body onload=alert(1)>", b"PK\x03\x04" + os.urandom(64)],
    ids=["script", "html", "zip"],
)
def test_polyglots_are_refused(payload):
    with pytest.raises(ImageRejected, match="refused"):
        clean_image(upload(encoded("PNG") + payload), **LIMITS)


def test_markup_hidden_inside_an_image_chunk_is_refused():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    with pytest.raises(ImageRejected, match="script content"):
        clean_image(upload(encoded("PNG", pnginfo=info)), **LIMITS)


def test_pixel_flood_is_refused_from_the_header():
    with pytest.raises(ImageRejected, match="too many pixels"):
        clean_image(upload(forged_png(100_000, 100_000)), **LIMITS)
    with pytest.raises(ImageRejected, match="too many pixels"):
        clean_image(upload(encoded("PNG", size=(5000, 5000))), **LIMITS)


def test_too_many_bytes_are_refused_before_reading():
    noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
    output = io.BytesIO()
    noise.save(output, format="PNG")
    assert output.tell() > 1024 * 1024
    with pytest.raises(ImageRejected, match="too large: the limit is 1024 KB"):
        clean_image(upload(output.getvalue()), **LIMITS)


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"hello world"],
    ids=["empty", "gif", "broken-png", "text"],
)
def test_other_files_are_refused_with_a_message(data):
    with pytest.raises(ImageRejected):
        clean_image(upload(data), **LIMITS)


def test_a_jpeg_named_png_is_read_by_its_content():
    result = clean_image(upload(encoded("JPEG"), "logo.png", "image/png"), **LIMITS)
    assert Image.open(io.BytesIO(result.read())).format == "PNG"
