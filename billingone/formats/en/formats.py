"""The product's one way to show dates: `{{ value|date }}` (a day) and
`{{ value|date:"DATETIME_FORMAT" }}` (a moment, UTC). Machine-readable attributes use "c".
Input formats are Django's (not set here)."""

DATE_FORMAT = "j M Y"  # 27 Nov 2026
DATETIME_FORMAT = "j M Y, H:i"  # 27 Nov 2026, 14:05
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"  # Nov 2026: a month (the Dashboard's series)
