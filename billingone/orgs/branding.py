"""Brand colours as CSS variables, with a readable text colour on each (WCAG contrast)."""

from __future__ import annotations

import re

from billingone.orgs.models import DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DARK_TEXT = "#111827"
LIGHT_TEXT = "#FFFFFF"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_on(background: str) -> str:
    """White or near-black, whichever contrasts more with the background."""
    if contrast_ratio(background, LIGHT_TEXT) >= contrast_ratio(background, DARK_TEXT):
        return LIGHT_TEXT
    return DARK_TEXT


def safe_color(value: str, default: str) -> str:
    # Colours are validated on save; this is the second line of defence, because the value
    # is written into a <style> block where anything but #RRGGBB could inject CSS.
    return value if isinstance(value, str) and HEX_COLOR.match(value) else default


def css_variables(organization) -> dict[str, str]:
    primary = safe_color(getattr(organization, "primary_color", ""), DEFAULT_PRIMARY_COLOR)
    accent = safe_color(getattr(organization, "accent_color", ""), DEFAULT_ACCENT_COLOR)
    return {
        "--brand-primary": primary,
        "--brand-on-primary": text_color_on(primary),
        "--brand-accent": accent,
        "--brand-on-accent": text_color_on(accent),
    }
