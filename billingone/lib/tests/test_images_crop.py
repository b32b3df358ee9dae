"""clean_image's avatar options: centre crop to a square, EXIF orientation applied before stripping."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billingone.lib.images import clean_image

LIMITS = {"max_bytes": 1024 * 1024, "max_pixels": 4096 * 4096}


def jpeg(size, **save) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **save)
    return SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")


def test_crop_fills_the_square_and_no_crop_keeps_the_ratio():
    cropped = Image.open(io.BytesIO(clean_image(jpeg((800, 400)), size=(256, 256), crop=True, **LIMITS).read()))
    fitted = Image.open(io.BytesIO(clean_image(jpeg((800, 400)), size=(256, 256), **LIMITS).read()))
    assert cropped.size == (256, 256)
    assert fitted.size == (256, 128)


def test_exif_orientation_is_applied_then_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    clean = clean_image(jpeg((400, 200), exif=exif.tobytes()), size=(1000, 1000), **LIMITS).read()
    image = Image.open(io.BytesIO(clean))
    assert image.size == (200, 400)
    assert not image.getexif()
