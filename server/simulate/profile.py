"""What a simulated site-day looks like: who comes when, how long they take, which counters
work. A profile is a TOML file (docs/simulation.md) checked by pydantic, or learned from the
site's own past days (`learn.py`).

Times of day are "HH:MM" in the site's time zone; arrivals are expected citizens per hour of
the day per service (a Poisson process whose rate changes by the hour).
"""
import tomllib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def minutes_of(text):
    """ "07:30" -> 450."""
    hours, _, minutes = str(text).partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceLoad(_Section):
    # Citizens expected per hour of the day, e.g. {"7" = 10, "8" = 40, ...}; hours absent: none.
    per_hour: dict[int, float] = Field(default_factory=dict)
    priority_share: float = Field(0.1, ge=0, le=1)
    minutes: float | None = Field(None, gt=0)  # mean service time; default: the site file's
    cv: float = Field(0.5, ge=0)  # spread of service times (sd / mean), lognormal
    distribution: Literal["lognormal", "exponential"] = "lognormal"
    no_show: float = Field(0.03, ge=0, le=1)  # chance a citizen is not there when called

    @field_validator("per_hour")
    @classmethod
    def _hours(cls, value):
        for hour, rate in value.items():
            if not 0 <= hour <= 23 or rate < 0:
                raise ValueError("per_hour: hours 0-23, rates >= 0")
        return value


class Break(_Section):
    at: str
    minutes: float = Field(gt=0)

    @field_validator("at")
    @classmethod
    def _time(cls, value):
        minutes_of(value)
        return value


class CounterPlan(_Section):
    number: int
    opens: str | None = None  # default: the profile's opening time
    closes: str | None = None
    breaks: tuple[Break, ...] = ()
    absent: float = Field(0.0, ge=0, le=1)  # chance the counter stays closed all day
    pace: float = Field(1.0, gt=0)  # this officer's service time relative to the service's


class Peak(_Section):
    """A campaign peak: arrivals multiplied by `factor` between `start` and `end`."""
    start: str
    end: str
    factor: float = Field(gt=0)
    services: tuple[str, ...] = ()  # empty: every service


class Profile(_Section):
    name: str = ""
    opens: str = "07:30"
    closes: str = "17:00"
    last_ticket: str | None = None  # tickets until then (default: closing time)
    overtime_minutes: float = Field(60.0, ge=0)  # counters serve who holds a ticket this long
    services: dict[str, ServiceLoad]
    counters: tuple[CounterPlan, ...] = ()  # empty: every counter of the site, all day
    peaks: tuple[Peak, ...] = ()
    walk_minutes: float = Field(0.5, ge=0)  # from the call to the citizen at the counter
    recall_minutes: float = Field(2.0, ge=0)  # an officer waits this long before "no-show"
    returns: float = Field(0.6, ge=0, le=1)  # a requeued no-show is back for the next call

    @model_validator(mode="after")
    def _times(self):
        for text in (self.opens, self.closes, self.last_ticket) + tuple(
                t for p in self.peaks for t in (p.start, p.end)) + tuple(
                t for c in self.counters for t in (c.opens, c.closes) if t):
            minutes_of(text) if text else None
        if minutes_of(self.closes) <= minutes_of(self.opens):
            raise ValueError("closes must be after opens")
        return self

    def rate(self, code, minute):
        """Expected arrivals per minute of service `code` at `minute` of the day."""
        load = self.services[code]
        per_hour = load.per_hour.get(int(minute // 60), 0.0)
        for peak in self.peaks:
            if minutes_of(peak.start) <= minute < minutes_of(peak.end) and \
                    (not peak.services or code in peak.services):
                per_hour *= peak.factor
        return per_hour / 60.0

    def check_against(self, site):
        """The profile's services and counters must be the site's."""
        codes = {s.code for s in site.services}
        unknown = set(self.services) - codes
        if unknown:
            raise ValueError(f"profile: services not in the site file: {sorted(unknown)}")
        numbers = {c.number for c in site.counters}
        missing = {c.number for c in self.counters} - numbers
        if missing:
            raise ValueError(f"profile: counters not in the site file: {sorted(missing)}")
        return self


def load_profile(path):
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    # TOML keys are strings: per_hour = {"8" = 40} means hour 8.
    return Profile.model_validate(data)


def uniform_profile(site, per_hour, opens="07:30", closes="17:00", **extra):
    """A flat day: `per_hour` citizens every hour, shared by the services as given
    ({code: share}) or evenly."""
    first, last = minutes_of(opens) // 60, (minutes_of(closes) - 1) // 60
    shares = extra.pop("shares", None) or {s.code: 1 / len(site.services) for s in site.services}
    services = {code: ServiceLoad(per_hour={h: per_hour * share for h in range(first, last + 1)},
                                  **extra.pop("load", {}))
                for code, share in shares.items()}
    return Profile(opens=opens, closes=closes, services=services, **extra)
