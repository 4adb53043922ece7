"""One Vietnamese way of writing a moment on every page: "14/12/2026 13:59".

Django's own Vietnamese formats mix "H:i Ngày 04 tháng 12 năm 2026" with "H:i 04-12-2026";
the pages showed both side by side. Day before month, slashes, the 24-hour time after the date.
Pages write moments through one helper (events/moments.py, the `moment` and `day` template
filters) and scripts through static/js/moments.js, which writes the same text. Anything not set
here (input formats, separators) comes from Django's locale.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
