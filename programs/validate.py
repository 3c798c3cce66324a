"""Checks on what people type: slugs, emails, phone numbers, languages, time zones.

Each function returns the normalised value or raises :class:`InvalidInput` with a message
that names the bad value.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from programs.errors import InvalidInput, ProgramsError
from programs.i18n import N_, _
from programs.times import zone

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

FIELDS = {
    "name": N_("name"),
    "given name": N_("given name"),
    "family name": N_("family name"),
    "title": N_("title"),
    "description": N_("description"),
    "location": N_("location"),
    "capacity": N_("capacity"),
    "topic": N_("topic"),
    "outcome": N_("outcome"),
    "goal": N_("goal"),
    "notes": N_("notes"),
    "organisation": N_("organisation"),
    "role": N_("role"),
    "website": N_("website"),
}
"""The fields people fill in, as a message names them ("location is too long")."""


def field_word(field: str) -> str:
    """A field's name in the current language (a name not listed is shown as it is)."""
    return _(FIELDS[field]) if field in FIELDS else field


def slug(value: str) -> str:
    if not SLUG_RE.match(value or ""):
        raise InvalidInput(
            _(
                "invalid slug {value!r}: use lowercase letters, digits and dashes "
                "(e.g. marseille-2026)"
            ).format(value=value)
        )
    return value


def text(
    value: str | None, field: str, *, required: bool = False, max_length: int = 2000
) -> str | None:
    """Strip a free-text field; refuse control characters other than newline and tab."""
    if value is None:
        if required:
            raise InvalidInput(_("{field} is required").format(field=field_word(field)))
        return None
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("{field} must not be empty").format(field=field_word(field)))
    if len(value) > max_length:
        raise InvalidInput(
            _("{field} is too long ({length} characters, at most {most})").format(
                field=field_word(field), length=len(value), most=max_length
            )
        )
    if _CONTROL.search(value):
        raise InvalidInput(_("{field} contains control characters").format(field=field_word(field)))
    return value or None


def name(value: str) -> str:
    cleaned = text(value, "name", required=True, max_length=200)
    assert cleaned is not None
    if "\n" in cleaned:
        raise InvalidInput(_("a name must fit on one line"))
    return cleaned


# Plain ASCII addresses that email_validator accepts unchanged but for the domain's case.
# Checking them with this expression first makes a 100,000-row import ~5x faster (the
# library's IDNA checks cost ~40 us per address); anything else goes to the library.
# tests/test_validate_email.py checks that both agree on everything this accepts.
_PLAIN_EMAIL = re.compile(
    r"^(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:(?!xn--)(?![a-zA-Z0-9]{2}--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?!xn--)[A-Za-z]{2,63}$"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _plain_email(value: str) -> str | None:
    if not _PLAIN_EMAIL.match(value):
        return None
    local, domain = value.rsplit("@", 1)
    domain = domain.lower()
    if domain.rsplit(".", 1)[-1] in _SPECIAL_USE:
        return None
    return f"{local}@{domain}"


def email(value: str | None) -> str | None:
    """A syntactically valid address, domain lowercased; no DNS lookup (works offline)."""
    if value is None or not value.strip():
        return None
    plain = _plain_email(value.strip())
    if plain is not None:
        return plain
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(
            _("invalid email {value!r}: {reason}").format(value=value, reason=exc)
        ) from None
    return result.normalized


_SEPARATORS = str.maketrans("", "", " .-()\u00a0\u202f\t")


@functools.lru_cache(maxsize=64)
def _national(region: str) -> tuple[int, str] | None:
    """``(country code, national prefix)`` of a region where writing a number nationally
    is only that prefix before it (France, Belgium, Switzerland...), else None."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or not meta.national_prefix or meta.national_prefix_transform_rule:
        return None
    if meta.national_prefix_for_parsing not in (None, meta.national_prefix):
        return None
    return meta.country_code, meta.national_prefix


_DESCS = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line", "mobile",
)  # fmt: skip


@functools.lru_cache(maxsize=256)
def _patterns(code: int) -> tuple[Any, tuple[Any, ...]] | None:
    """The validity patterns of the one region that uses country ``code``, compiled once:
    ``(general, (type, ...))``, each ``(possible lengths, full-match regex)``. None for a
    code several regions share (+1, +7, +44...): phonenumbers picks the region then."""
    import phonenumbers

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(regions) != 1:
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    if meta is None:
        return None

    general = meta.general_desc
    if general is None or not general.national_number_pattern:
        return None
    # the types with the same possible lengths in one alternation: one match, not eight
    by_length: dict[frozenset[int], list[str]] = {}
    for name in _DESCS:
        desc = getattr(meta, name)
        if desc is not None and desc.national_number_pattern:
            by_length.setdefault(frozenset(desc.possible_length), []).append(
                desc.national_number_pattern
            )
    kinds = tuple(
        (lengths, re.compile("|".join(f"(?:{p})" for p in patterns)))
        for lengths, patterns in by_length.items()
    )
    return (frozenset(general.possible_length), re.compile(general.national_number_pattern)), kinds


@functools.lru_cache(maxsize=256)
def _checks_by_length(code: int) -> dict[int, tuple[Any, Any]] | None:
    """:func:`_patterns` laid out by the length of a national number: for each length that
    can be valid, the general pattern and one alternation of the types that allow it (two
    regex matches per number, no loop). None where :func:`_patterns` is None."""
    found = _patterns(code)
    if found is None:
        return None
    (general_lengths, general), kinds = found
    table = {}
    for length in range(1, 18):
        if general_lengths and length not in general_lengths:
            continue
        allowed = [kind.pattern for lengths, kind in kinds if not lengths or length in lengths]
        if allowed:
            table[length] = (general, re.compile("|".join(f"(?:{p})" for p in allowed)))
    return table


def _is_valid(code: int, national: str) -> bool:
    """phonenumbers' ``is_valid_number`` for a plain national significant number: the same
    rule (the general pattern, then any number type's), on patterns compiled once."""
    table = _checks_by_length(code)
    if table is None:
        import phonenumbers

        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
        return bool(phonenumbers.is_valid_number(number))
    checks = table.get(len(national))
    return (
        checks is not None
        and checks[0].fullmatch(national) is not None
        and checks[1].fullmatch(national) is not None
    )


def _quick_phone(value: str, region: str) -> str | None:
    """The E.164 form of a number written plainly (``+33 6 12 34 56 78``, ``06 12 34 56
    78``), checked with phonenumbers' own metadata but without its parser (a third of the
    cost, and an import's most expensive check); None when the number is written any other
    way, or invalid: then the full parser decides, and words the error. Both always agree
    (tests/test_validate_phone.py checks it by property). Not cached: the people of a file
    have numbers of their own, and a cache would grow with the file (memory stays flat)."""
    text = value.strip().translate(_SEPARATORS)
    if text.startswith("+"):
        import phonenumbers

        digits = text[1:]
        if not (digits.isascii() and digits.isdigit()) or digits.startswith("0"):
            return None
        for size in (1, 2, 3):  # country codes are a prefix code: the first that exists
            code = int(digits[:size] or 0)
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        rest = digits[size:]
    else:
        known = _national(region)
        if known is None or not (text.isascii() and text.isdigit()):
            return None
        code, prefix = known
        if not text.startswith(prefix):
            return None
        rest = text[len(prefix) :]
    if not rest or rest[0] == "0" or len(rest) > 17:  # leading zeros: the parser's case
        return None
    if not _is_valid(code, rest):
        return None
    return f"+{code}{rest}"


def phone(value: str | None, region: str = "FR") -> str | None:
    """A phone number in E.164 (``+33612345678``).

    Validity is checked **before** formatting: formatting ``0612`` would give a bogus
    ``+330612`` that looks fine and reaches nobody. A number written plainly is checked
    without phonenumbers' parser (:func:`_quick_phone`); the parser reads the rest.
    """
    if value is None or not value.strip():
        return None
    known = _supported(region)
    if known is not None:
        quick = _quick_phone(value, known)
        if quick is not None:
            return quick
    return _parsed_phone(value, region)


@functools.lru_cache(maxsize=64)
def _supported(region: str) -> str | None:
    """The region in capitals if phonenumbers knows it, else None (asked once per region)."""
    import phonenumbers

    return region.upper() if region.upper() in phonenumbers.SUPPORTED_REGIONS else None


def _parsed_phone(value: str, region: str) -> str:
    """The number read by phonenumbers' parser, or a one-line refusal saying why."""
    import phonenumbers

    if _supported(region) is None:
        raise InvalidInput(
            _(
                "config [core] phone_region {region!r} is not a region phonenumbers knows "
                "(e.g. FR, BE, CH, CA)"
            ).format(region=region)
        )
    try:
        parsed = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("invalid phone number {value!r}").format(value=value)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            _(
                "invalid phone number {value!r} (read as region {region}; "
                "write +country code for numbers abroad)"
            ).format(value=value, region=region.upper())
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def language(value: str | None) -> str:
    if not value:
        return "fr"
    value = value.strip()
    if not LANG_RE.match(value):
        raise InvalidInput(
            _("invalid language {value!r}: use a code like fr, en or pt-BR").format(value=value)
        )
    return value


def timezone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    zone(value.strip())
    return value.strip()


def website(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = text(value, "website", max_length=2000) or ""
    if not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value):
        raise InvalidInput(
            _("invalid website {value!r}: expected an http:// or https:// address").format(
                value=value
            )
        )
    return value


MAX_ID = 2**31 - 1
"""The largest id a row can have (PostgreSQL's ``integer``)."""


def record_id(value: str) -> int | None:
    """The row id written in ``value`` (``12`` or ``#12``), or None when it is not one.

    Ids beyond what the database holds are None too: PostgreSQL would answer "integer out
    of range" instead of "not found". Only ASCII digits count (``"²".isdigit()`` is true).
    """
    text = value.strip().removeprefix("#")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def explicit_id(value: str) -> int | None:
    """The id written as ``#12`` or ``id:12`` (what a person types when a name is made of
    digits): the number, 0 when it is out of range, None when it is not written so."""
    lowered = value.strip().lower()
    for prefix in ("#", "id:"):
        if lowered.startswith(prefix):
            digits = lowered.removeprefix(prefix).strip()
            if digits.isascii() and digits.isdigit():
                return record_id(digits) or 0
    return None


def positive(value: int | None, field: str, *, allow_none: bool = True) -> int | None:
    if value is None:
        if allow_none:
            return None
        raise InvalidInput(_("{field} is required").format(field=field_word(field)))
    if value < 1:
        raise InvalidInput(
            _("{field} must be at least 1 (got {value})").format(
                field=field_word(field), value=value
            )
        )
    if value > MAX_ID:  # PostgreSQL's integer; SQLite would overflow past int64
        raise InvalidInput(
            _("{field} must be at most {most} (got {value})").format(
                field=field_word(field), most=MAX_ID, value=value
            )
        )
    return value


def participant_fields(fields: dict[str, Any], *, region: str) -> dict[str, Any]:
    """Validate and normalise participant fields (shared by add, edit and CSV import).

    Names: a full ``name`` alone is split into its given and family names; the two parts
    (either may be given alone) make the full name. Both at once: the parts win."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "name":
            out[key] = name(value)
        elif key in ("given_name", "family_name"):
            out[key] = text(value, key.replace("_", " "), max_length=200) or ""
            if "\n" in out[key]:
                raise InvalidInput(_("a name must fit on one line"))
        elif key == "email":
            out[key] = email(value)
        elif key == "phone":
            out[key] = phone(value, region)
        elif key in ("organisation", "role"):
            out[key] = text(value, key, max_length=200)
        elif key == "language":
            out[key] = language(value)
        elif key == "timezone":
            out[key] = timezone(value)
        elif key == "notes":
            out[key] = text(value, "notes", max_length=100_000)
        else:
            raise InvalidInput(_("unknown participant field {key!r}").format(key=key))
    return with_names(out)


def with_names(values: dict[str, Any]) -> dict[str, Any]:
    """The full name and its two parts, kept in step (see :mod:`programs.names`)."""
    from programs.names import full_name, split_name

    if "given_name" in values or "family_name" in values:
        if "name" in values and not values.get("family_name") and not values.get("given_name"):
            values.pop("given_name", None), values.pop("family_name", None)
        else:
            given, family = values.get("given_name") or "", values.get("family_name") or ""
            full = full_name(given, family)
            if not full:
                raise InvalidInput(_("a participant needs a name"))
            values["name"] = name(full)
            values["given_name"], values["family_name"] = given or None, family or None
            return values
    if "name" in values:
        given, family = split_name(values["name"])
        values["given_name"], values["family_name"] = given or None, family or None
    return values


EXTRA = "__extra__"
"""Key of a CSV row that had more fields than the header (its value: how many)."""
RAW = "__raw__"
"""Key of a CSV row's fields as they are in the file (to write a bad row back as it was)."""

CheckedRow = tuple[int, "dict[str, Any] | None", "str | None"]


def import_rows(batch: list[tuple[int, dict[str, str]]], region: str) -> list[CheckedRow]:
    """Check CSV rows: ``(line, values, None)`` for a good row, ``(line, None, error)``
    for a bad one. Pure: a row's check needs nothing but the row and the region."""
    checked: list[CheckedRow] = []
    for line, raw in batch:
        try:
            if EXTRA in raw:
                raise InvalidInput(
                    _("{count} fields, more than the header has").format(count=raw[EXTRA])
                )
            values = participant_fields(
                {k: v or None for k, v in raw.items() if k != RAW}, region=region
            )
            if not values.get("name"):
                raise InvalidInput(_("name is empty"))
        except ProgramsError as exc:
            checked.append((line, None, str(exc)))
        else:
            checked.append((line, values, None))
    return checked
