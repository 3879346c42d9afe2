"""The site's calendar (engine/hours.py) and the [opening_hours] table of the site file."""
import tomllib
from datetime import datetime, timedelta, timezone

import pytest

from server.engine import SiteFileError, site_from_dict
from server.engine import hours

from engine_support import DEMO_TOML

VN = timezone(timedelta(hours=7))


def site_with(opening_hours):
    with open(DEMO_TOML, "rb") as f:
        data = tomllib.load(f)
    data["opening_hours"] = opening_hours
    return site_from_dict(data)


def at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=VN).timestamp()


SIMPLE = {"open": "07:30", "close": "17:00", "lunch": "11:30-13:00", "sat": ["07:30-11:30"]}


def test_open_close_lunch_and_a_weekday_of_its_own():
    site = site_with(SIMPLE)  # 2026-12-07 is a Monday
    assert not hours.is_open(site, at(7, 7, 29)) and hours.is_open(site, at(7, 7, 30))
    assert not hours.is_open(site, at(7, 12)) and hours.is_open(site, at(7, 13))
    assert not hours.is_open(site, at(7, 17)) and hours.is_open(site, at(5, 11))  # Saturday
    assert not hours.is_open(site, at(6, 9))  # Sunday: not in days, no spans of its own
    assert hours.next_opening(site, at(7, 12)) == at(7, 13)
    assert hours.next_opening(site, at(5, 12)) == at(7, 7, 30)  # Saturday noon -> Monday
    assert hours.closes_at(site, at(7, 9)) == at(7, 11, 30)
    assert hours.when_text(site, at(7, 13), at(7, 12)) == ("13:00 hôm nay", "13:00 today")
    assert hours.when_text(site, at(7, 7, 30), at(5, 12))[0] == "07:30 thứ Hai 07/12"


def test_a_working_day_skipped_is_a_weekday_the_site_opens():
    site = site_with(SIMPLE)
    assert hours.next_working_day(site, "2026-12-04") == "2026-12-07"  # Friday -> Monday
    assert hours.next_working_day(site, "2026-12-05") == "2026-12-07"  # a quiet Saturday
    every_day = site_with({"open": "00:00", "close": "23:59",
                           "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]})
    assert hours.next_working_day(every_day, "2026-12-01") == "2026-12-02"
    assert hours.next_working_day(every_day, "2026-12-04") == "2026-12-07"  # weekends never count


@pytest.mark.parametrize("bad, words", [
    ({"open": "07:30"}, "open and close go together"),
    ({"open": "17:00", "close": "07:30"}, "open must be before close"),
    ({"open": "07:30", "close": "17:00", "lunch": "12:00-18:00"}, "lunch break"),
    ({"open": "7:30", "close": "17:00"}, "pattern"),
    ({"mon": ["09:00-08:00"]}, "spans must run forward"),
    ({"days": ["monday"], "open": "07:30", "close": "17:00"}, "mon"),
])
def test_opening_hours_mistakes_are_said(bad, words):
    with pytest.raises(SiteFileError) as info:
        site_with(bad)
    assert words in str(info.value)
