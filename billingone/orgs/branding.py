"""Brand colours as CSS variables, with a readable text colour on each (WCAG contrast)."""

from __future__ import annotations

import re

from billingone.orgs.models import DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}\Z")
DARK_TEXT = "#111827"
LIGHT_TEXT = "#FFFFFF"
PAGE_BACKGROUND = "#FFFFFF"
AA_NORMAL_TEXT = 4.5  # WCAG 2.x AA for body text


class BrandColorError(ValueError):
    """A colour we refuse, with the reason in words a person can act on."""


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


def normalize_color(value: str) -> str:
    """'#rrggbb' → '#RRGGBB'; anything else (names, rgb(), CSS fragments) is refused."""
    value = (value or "").strip()
    if not HEX_COLOR.match(value):
        raise BrandColorError("Use a colour in the form #RRGGBB, for example #2457D6.")
    return value.upper()


def check_readable(color: str, label: str) -> None:
    """Refuse a colour on which neither white nor dark text reaches WCAG AA (4.5:1)."""
    text = text_color_on(color)
    ratio = contrast_ratio(color, text)
    if ratio < AA_NORMAL_TEXT:
        light = contrast_ratio(color, LIGHT_TEXT)
        dark = contrast_ratio(color, DARK_TEXT)
        raise BrandColorError(
            f"{label} {color} is too mid-toned for readable text: white text reaches {light:.2f}:1 and dark "
            f"text {dark:.2f}:1, but WCAG AA needs {AA_NORMAL_TEXT}:1. Choose a darker or lighter shade."
        )


def _mix(color: str, other: str, weight: float) -> str:
    channels = [round(int(color[i : i + 2], 16) * (1 - weight) + int(other[i : i + 2], 16) * weight) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02X}" for c in channels)


def link_color(primary: str) -> str:
    """The primary colour, darkened just enough to read as link text on the white page."""
    candidate = primary
    for step in range(1, 21):
        if contrast_ratio(candidate, PAGE_BACKGROUND) >= AA_NORMAL_TEXT:
            return candidate
        candidate = _mix(primary, "#000000", step * 0.05)
    return DARK_TEXT


def css_variables(organization) -> dict[str, str]:
    primary = safe_color(getattr(organization, "primary_color", ""), DEFAULT_PRIMARY_COLOR)
    accent = safe_color(getattr(organization, "accent_color", ""), DEFAULT_ACCENT_COLOR)
    return {
        "--brand-primary": primary,
        "--brand-on-primary": text_color_on(primary),
        "--brand-accent": accent,
        "--brand-on-accent": text_color_on(accent),
        "--brand-link": link_color(primary),
    }
