"""Which way round a person writes numeric dates: day first (3/12 = 3 December) or month first
(12/3 = 3 December).

The rule, in order:
1. The person's own choice (`settings dates dmy|mdy`) always wins.
2. Otherwise the locale their platform reports and their timezone are both consulted. Month
   first when the locale is a month-first one (`en-US`, `es-US`, `en-PH`, `fil-PH`) and the
   timezone is not a day-first place, or when the timezone is a month-first place and the
   locale says nothing else. Day first when both say day first or neither says anything.
3. When the two disagree (an `en-US` locale, which is most platforms' default, for someone
   whose clock is set to Europe/Berlin), the order is unknown: a numeric date that reads
   differently each way round (12/3) is asked about instead of guessed.

A month-first timezone is one in the United States and its territories, Canada, or the
Philippines, as the tz database's own country table (`zone.tab`, shipped by the `tzdata`
package) places it — so America/New_York and Pacific/Honolulu are month first, while
America/Mexico_City, America/Sao_Paulo and the Caribbean islands that write day first are not.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from bot.domain import DateOrder

_MONTH_FIRST_COUNTRIES = frozenset(
    {"US", "CA", "PR", "VI", "GU", "AS", "MP", "UM", "FM", "MH", "PW", "PH"}
)
_MONTH_FIRST_LOCALES = frozenset({"en-us", "es-us", "en-ph", "fil-ph", "fil"})
# Old names the tz database keeps as links; zone.tab lists only the canonical ones.
_MONTH_FIRST_PREFIXES = ("US/", "Canada/")


@cache
def _zone_countries() -> dict[str, str]:
    try:
        table = (
            resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
        )
    except (OSError, ModuleNotFoundError):
        return {}
    countries = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                countries[fields[2]] = fields[0]
    return countries


def timezone_order(timezone: str) -> DateOrder | None:
    """Month first for month-first places, day first for other real places, None for UTC."""
    if timezone.startswith(_MONTH_FIRST_PREFIXES):
        return DateOrder.MDY
    country = _zone_countries().get(timezone)
    if country is None:
        return None
    return DateOrder.MDY if country in _MONTH_FIRST_COUNTRIES else DateOrder.DMY


def locale_order(locale: str | None) -> DateOrder | None:
    """Month first for month-first locales, day first for other ones ("en-GB", "de-DE",
    "fr"), None when there is no locale or it is English with no region."""
    if not locale:
        return None
    cleaned = locale.strip().replace("_", "-").lower()
    if not cleaned or cleaned == "en":
        return None
    return DateOrder.MDY if cleaned in _MONTH_FIRST_LOCALES else DateOrder.DMY


def effective_order(
    chosen: DateOrder | None, locale: str | None, timezone: str
) -> DateOrder | None:
    """The order to read numeric dates in; None when the signals disagree (ask instead)."""
    if chosen is not None:
        return chosen
    by_locale, by_zone = locale_order(locale), timezone_order(timezone)
    if by_locale is None:
        return by_zone or DateOrder.DMY
    if by_zone is None or by_zone is by_locale:
        return by_locale
    return None
