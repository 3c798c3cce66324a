"""How values read in a person's language: one convention per kind, used everywhere.

- in tables: ``jeu. 3 déc. 2026, 09:00`` / ``Thu 3 Dec 2026, 09:00`` (:func:`when_short`);
- in sentences: ``jeudi 3 décembre 2026`` (:func:`day_long`) and ``9 h`` / ``9 h 30`` in
  French, ``9:00 AM`` in English (:func:`time_of_day`): "le jeudi 3 décembre 2026 à 9 h";
- phone numbers: national (``06 12 34 56 78``) in the coach's region, international
  (``+44 20 7946 0958``) otherwise (:func:`phone`);
- yes and no as words, never ``True``/``False`` (:func:`yes_no`).

Machine output (JSON, CSV) keeps ISO 8601 with the offset, E.164 and ``true``/``false``:
these functions are for people. Dates are Babel's, loaded on first use.
"""

from __future__ import annotations

from datetime import datetime

from programs import i18n

SHORT = "EEE d MMM y, HH:mm"


def locale_of(tag: str | None, default: str = i18n.FALLBACK) -> str:
    """Babel's locale for a language tag: ``en-GB`` -> ``en_GB`` (it writes "28 March"),
    ``fr`` -> ``fr_FR``; a region Babel does not know -> the language alone."""
    from babel import Locale, UnknownLocaleError

    text = (tag or default).replace("-", "_").split(".", 1)[0]
    if i18n.supported(text) is None:  # no words in that language: dates neither
        text = default
    if "_" in text:
        try:
            return str(Locale.parse(text))
        except (ValueError, UnknownLocaleError):
            pass
    language = i18n.primary(text) or default
    return {"fr": "fr_FR", "en": "en"}.get(language, language)


def _local(moment: datetime, tz: str) -> datetime:
    from programs.times import zone

    return moment.astimezone(zone(tz))


def when_short(moment: datetime, tz: str, language: str | None = None) -> str:
    """A time in a table: ``jeu. 3 déc. 2026, 09:00``."""
    from babel.dates import format_datetime

    return format_datetime(
        _local(moment, tz), SHORT, locale=locale_of(language or i18n.current_language())
    )


def day_short(moment: datetime, tz: str, language: str | None = None) -> str:
    """A day in a table cell: ``3 déc. 2026`` / ``3 Dec 2026``."""
    from babel.dates import format_date

    return format_date(
        _local(moment, tz), "d MMM y", locale=locale_of(language or i18n.current_language())
    )


def day_long(moment: datetime, tz: str, language: str | None = None) -> str:
    """A day in a sentence: ``jeudi 3 décembre 2026`` / ``Thursday, December 3, 2026``."""
    from babel.dates import format_date

    return format_date(
        _local(moment, tz), "full", locale=locale_of(language or i18n.current_language())
    )


def time_of_day(moment: datetime, tz: str, language: str | None = None) -> str:
    """A time in a sentence: ``9 h`` or ``9 h 30`` in French, ``9:00 AM`` in English."""
    from babel.dates import format_time

    local = _local(moment, tz)
    locale = locale_of(language or i18n.current_language())
    if locale.startswith("fr"):
        return f"{local.hour}\u00a0h" + (f"\u00a0{local.minute:02d}" if local.minute else "")
    return format_time(local, "short", locale=locale)


def phone(e164: str | None, region: str | None = None) -> str | None:
    """A stored number as people dial it: national in ``region``, international elsewhere."""
    if not e164:
        return e164
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    national = region and phonenumbers.region_code_for_number(parsed) == region.upper()
    kind = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if national
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return phonenumbers.format_number(parsed, kind)


def yes_no(value: bool | None) -> str:
    """``oui`` / ``non`` (``yes`` / ``no``), blank for nothing."""
    if value is None:
        return ""
    return i18n.gettext("yes") if value else i18n.gettext("no")
