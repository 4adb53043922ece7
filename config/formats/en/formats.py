"""One English way of writing a moment on every page: "14 Dec 2026 13:59".

Django's English formats write "Dec. 14, 2026, 1:59 p.m." in one place and "12/14/2026 1:59
p.m." in another, while times typed by the scripts read "13:59". The day comes first and the
month is a word, so that no reader takes 04/12 for April; the time is on the 24-hour clock, as
in Vietnamese. static/js/moments.js writes the same text.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
