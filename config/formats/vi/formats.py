"""One Vietnamese way of writing a moment on every page: "14:30, 04/12/2026".

Django's own Vietnamese formats mix "H:i Ngày 04 tháng 12 năm 2026" with "H:i 04-12-2026";
the pages showed both side by side. Day before month, slashes, time first, as official
documents and phones in Vietnam write it. static/js/event.js writes a question's time the
same way. Anything not set here (input formats, separators) comes from Django's locale.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i, d/m/Y"
SHORT_DATETIME_FORMAT = "H:i, d/m/Y"
