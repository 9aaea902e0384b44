"""
How dates and times read to people, in the admin (Wagtail's messages, history and tooltips
included), its emails and readers' pages: "4 December 2026" and "4 December 2026, 14:05".
Templates write `|date` or `|date:"DATETIME_FORMAT"`, Python `date_format(value)`, never a
format of their own. Django's own English formats ("Dec. 4, 2026, 2:05 p.m.") end in a full
stop that a sentence then doubles ("… from Dec. 4, 2026, 2:05 p.m..").

Anything not set here (the formats forms accept) is Django's English.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
# For spreadsheets (Wagtail's report exports), which sort and parse them: ISO dates.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
