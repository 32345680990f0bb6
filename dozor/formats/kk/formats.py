"""Number and date formats for Kazakh, which Django does not ship: as in Kazakhstan's official
documents (and Django's Russian formats) - 45 000 000,50 and 29.11.2026."""

DATE_FORMAT = "j E Y ж."
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "j E Y ж. H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
# ISO first: Django renders a date widget in the first input format, and browsers' <input type="date">
# take only YYYY-MM-DD (they show the date in the user's own format). 29.11.2026 is still accepted.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 1
