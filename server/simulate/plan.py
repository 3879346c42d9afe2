"""The staffing planner: "with these counters from 7:30, what waits will citizens see?" and
"12,000 citizens must renew before 30 June: when do we finish, and what must we add?".

A day plan runs N simulated days (the real engine, `day.py`) and gives, over the day, the queue
length and the waits (median and p90 of the citizens who took a number in each hour), and per
hour the counters needed to keep the p90 wait under the chief's target — from the Erlang C
formula of an M/M/c queue with that hour's arrivals and the mean service time (every counter
taken as able to serve every citizen: a lower bound when counters serve only some services).
A campaign plan measures what one counter serves in a full day (a simulated day with a queue
that never runs dry: no-shows, walks and spread of service times included) and walks the
calendar.
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..reports.fold import median, percentile
from .day import simulate_days
from .profile import CounterPlan, Profile, ServiceLoad, minutes_of


# -- M/M/c, closed form ------------------------------------------------------------------------
def erlang_c(c, offered):
    """Probability that a citizen has to wait, c counters, offered load a = lambda / mu."""
    if c <= offered:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= offered / k
        total += term
    last = term * offered / c * c / (c - offered)
    return last / (total + last)


def mmc_mean_wait(c, per_minute, mean_minutes):
    """Mean wait (minutes) in an M/M/c queue; inf when the counters cannot keep up."""
    offered = per_minute * mean_minutes
    if c <= offered:
        return math.inf
    return erlang_c(c, offered) * mean_minutes / (c - offered)


def mmc_wait_over(c, per_minute, mean_minutes, minutes):
    """P(wait > minutes) in an M/M/c queue."""
    offered = per_minute * mean_minutes
    if c <= offered:
        return 1.0
    return erlang_c(c, offered) * math.exp(-(c - offered) / mean_minutes * minutes)


def counters_needed(per_hour, mean_minutes, target_minutes, share=0.9, most=99):
    """The fewest counters that keep `share` of the waits under the target (p90 by default)."""
    if per_hour <= 0:
        return 0
    for c in range(1, most + 1):
        if mmc_wait_over(c, per_hour / 60.0, mean_minutes, target_minutes) <= 1 - share:
            return c
    return most


# -- one day, many times -------------------------------------------------------------------------
@dataclass
class HourRow:
    hour: int
    arrivals: float  # per day, on average
    queue_mean: float
    queue_max: int
    wait_median: float | None
    wait_p90: float | None
    counters_open: float  # counters working at the half hour, on average over the days
    counters_needed: int


@dataclass
class DayPlan:
    profile: Profile
    days: int
    target_p90: float
    hours: list
    queue: list  # (minute of day, mean waiting, max waiting) every 5 minutes
    wait_p90: float | None
    wait_median: float | None
    not_served: float  # per day
    issued: float  # per day
    summary: dict = field(default_factory=dict)


def _mean_minutes(site, profile, walk=True):
    """The service time of an average citizen of the profile, weighted by arrivals."""
    weights, total = 0.0, 0.0
    for code, load in profile.services.items():
        n = sum(load.per_hour.values())
        weights += n
        total += n * ((load.minutes or site.service(code).expected_service_minutes) +
                      (profile.walk_minutes if walk else 0.0))
    return total / weights if weights else 10.0


def _expected_arrivals(profile, hour):
    """Citizens an hour would bring at the rate of the minutes of it the site takes tickets."""
    first, last = minutes_of(profile.opens), minutes_of(profile.last_ticket or profile.closes)
    minutes = [m for m in range(hour * 60, hour * 60 + 60) if first <= m < last]
    if not minutes:
        return 0.0
    total = sum(profile.rate(code, m + 0.5) for code in profile.services for m in minutes)
    return total * 60.0 / len(minutes)


def _counters_at(site, profile, minute):
    plans = profile.counters or tuple(CounterPlan(number=c.number) for c in site.counters)
    working = 0.0
    for plan in plans:
        opens = minutes_of(plan.opens or profile.opens)
        closes = minutes_of(plan.closes or profile.closes)
        on_break = any(minutes_of(b.at) <= minute < minutes_of(b.at) + b.minutes
                       for b in plan.breaks)
        if opens <= minute < closes and not on_break:
            working += 1.0 - plan.absent
    return working


def plan_day(site, profile, days=20, seed=1, target_p90=30.0):
    profile.check_against(site)
    results = simulate_days(site, profile, days=days, seed=seed)
    mean_minutes = _mean_minutes(site, profile)
    first, last = minutes_of(profile.opens) // 60, (minutes_of(profile.closes) - 1) // 60
    # A citizen never called by closing time waited at least until then: counted so, or the
    # hours whose citizens mostly went home unserved would look like short waits.
    end = minutes_of(profile.closes) + profile.overtime_minutes

    def waited(t):
        return t.wait if t.wait is not None else (end - t.issued_at if t.status == "cancelled"
                                                  else None)

    hours = []
    for hour in range(first, last + 1):
        tickets = [t for r in results for t in r.tickets if int(t.issued_at // 60) == hour]
        waits = [w for w in map(waited, tickets) if w is not None]
        samples = [w for r in results for m, w in r.samples if int(m // 60) == hour]
        hours.append(HourRow(
            hour=hour, arrivals=len(tickets) / days,
            queue_mean=sum(samples) / len(samples) if samples else 0.0,
            queue_max=max(samples, default=0), wait_median=median(waits),
            wait_p90=percentile(waits, 0.9),
            counters_open=_counters_at(site, profile, hour * 60 + 30),
            counters_needed=counters_needed(_expected_arrivals(profile, hour), mean_minutes,
                                            target_p90)))
    by_minute = {}
    for r in results:
        for minute, waiting in r.samples:
            by_minute.setdefault(minute, []).append(waiting)
    queue = [(m, sum(v) / len(v), max(v)) for m, v in sorted(by_minute.items())]
    tickets = [t for r in results for t in r.tickets]
    waits = [w for w in map(waited, tickets) if w is not None]
    return DayPlan(profile=profile, days=days, target_p90=target_p90, hours=hours, queue=queue,
                   wait_p90=percentile(waits, 0.9), wait_median=median(waits),
                   not_served=sum(1 for t in tickets if t.status == "cancelled") / days,
                   issued=len(tickets) / days)


# -- a campaign ----------------------------------------------------------------------------------
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MOBILE_DAYS = ("tue", "thu", "wed", "mon", "fri")  # where mobile sessions go, in this order


def counter_day_capacity(site, service, opens="07:30", closes="17:00", days=5, seed=1,
                         minutes=None):
    """Citizens one counter serves in a day that never runs out of citizens, measured on
    simulated days (no-shows, the walk to the counter, spread of service times included)."""
    number = next(c.number for c in site.counters if service in c.services)
    mean = minutes or site.service(service).expected_service_minutes
    hours = range(minutes_of(opens) // 60, (minutes_of(closes) - 1) // 60 + 1)
    flood = Profile(opens=opens, closes=closes, overtime_minutes=0,
                    services={service: ServiceLoad(per_hour={h: 3 * 60 / mean for h in hours},
                                                   minutes=mean, priority_share=0.1)},
                    counters=(CounterPlan(number=number),))
    served = [sum(1 for t in r.tickets if t.status == "done")
              for r in simulate_days(site, flood, days=days, seed=seed)]
    return sum(served) / len(served)


@dataclass
class CampaignPlan:
    citizens: int
    start: str
    deadline: str
    counters: int
    mobile_per_week: int
    per_counter_day: float
    per_mobile_session: float
    finish: str | None  # the day the last citizen is served (None: not within two years)
    on_time: bool
    working_days: int
    extra_counters: int | None  # the fewest extra counters that finish on time
    extra_mobile_per_week: int | None  # or: the fewest extra mobile sessions a week
    with_saturdays: str | None  # or: the finish when Saturday mornings are worked too
    weekly: list = field(default_factory=list)  # (week start, served that week, total so far)


def _walk(citizens, start, counters, per_counter_day, mobile_per_week, per_mobile, saturdays):
    """The day the campaign ends, the working days it takes and the weekly tally."""
    day, done, worked, weekly = start, 0.0, 0, []
    mobile_days = set(MOBILE_DAYS[:min(mobile_per_week, 5)])
    double = max(0, mobile_per_week - 5)  # a sixth session and on: a second team that day
    week_start, week_done = day, 0.0
    for _ in range(730):
        name = WEEKDAYS[day.weekday()]
        today = 0.0
        if name in WEEKDAYS[:5]:
            today += counters * per_counter_day
            if name in mobile_days:
                today += per_mobile * (1 + (1 if MOBILE_DAYS.index(name) < double else 0))
        elif name == "sat" and saturdays:
            today += counters * per_counter_day / 2
        if today:
            worked += 1
        done += today
        week_done += today
        if done >= citizens:
            weekly.append((week_start.isoformat(), round(week_done), round(min(done, citizens))))
            return day, worked, weekly
        day += timedelta(days=1)
        if day.weekday() == 0:
            weekly.append((week_start.isoformat(), round(week_done), round(done)))
            week_start, week_done = day, 0.0
    return None, worked, weekly


def plan_campaign(site, citizens, start, deadline, counters, mobile_per_week=0,
                  service="CCCD", mobile_counters=2, mobile_hours=4.0, opens="07:30",
                  closes="17:00", minutes=None, seed=1):
    first, last = date.fromisoformat(start), date.fromisoformat(deadline)
    per_counter_day = counter_day_capacity(site, service, opens, closes, seed=seed,
                                           minutes=minutes)
    day_hours = (minutes_of(closes) - minutes_of(opens)) / 60.0
    per_mobile = per_counter_day / day_hours * mobile_hours * mobile_counters

    def finish(c, m, saturdays=False):
        return _walk(citizens, first, c, per_counter_day, m, per_mobile, saturdays)

    end, worked, weekly = finish(counters, mobile_per_week)
    on_time = end is not None and end <= last
    extra_counters = extra_mobile = saturdays = None
    if not on_time:
        extra_counters = next((k for k in range(1, 41)
                               if (f := finish(counters + k, mobile_per_week)[0]) and f <= last),
                              None)
        extra_mobile = next((k for k in range(1, 11)
                             if (f := finish(counters, mobile_per_week + k)[0]) and f <= last),
                            None)
        sat_end = finish(counters, mobile_per_week, saturdays=True)[0]
        saturdays = sat_end.isoformat() if sat_end else None
    return CampaignPlan(citizens=citizens, start=start, deadline=deadline, counters=counters,
                        mobile_per_week=mobile_per_week, per_counter_day=per_counter_day,
                        per_mobile_session=per_mobile,
                        finish=end.isoformat() if end else None, on_time=on_time,
                        working_days=worked, extra_counters=extra_counters,
                        extra_mobile_per_week=extra_mobile, with_saturdays=saturdays,
                        weekly=weekly)
