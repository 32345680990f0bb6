"""Russian formats: Django's own (django/conf/locale/ru/formats.py), except the date input format."""

# ISO first: Django renders a date widget in the first input format, and browsers' <input type="date">
# take only YYYY-MM-DD (they show the date in the user's own format), so Django's Russian 29.11.2026
# left date fields empty. 29.11.2026 is still accepted.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
