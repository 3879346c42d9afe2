"""How long a citizen will wait: the one estimator behind every screen and the printed ticket.

At a moment `now` (the time of the state's newest event unless given) it plays the rest of the
queue forward with the engine's own "who is next" rule (`queue.counter_lines`, each counter's
line in call order) on copies of the working counters' lines:
- each counter becomes free when it would: an idle open counter now, a busy one when its
  citizen's expected service time has run out (never sooner than a third of it: a long case
  tends to stay long), a paused one after the rest of a typical break; a closed counter
  takes no one (nobody knows when it will open);
- service times are learned from today's finished tickets per service, starting from the
  running average the site carries from earlier days, and scaled per counter by how fast
  that counter has been against the others;
- citizens still to come are expected at today's rate over the last hour, per service and
  class, so priority arrivals and a shared counter's preferred service push people back
  as they will;
- a "new ticket" of every service joins at the back taking no time, to say what a citizen
  who takes a number now would wait.

The result is a `Wait`: a point, a range that widens when few service times stand between a
citizen and the counter (the sum of many varies less), or no estimate at all when no counter
serving the service is open or paused. `wait_text` words it the one way every surface shows.
"""
import bisect
import heapq
import math
from dataclasses import dataclass
from types import SimpleNamespace

from .lifecycle import DONE, WAITING
from .queue import CounterLine, _rank, counter_lines

LONG_MINUTES = 60  # "trên 60 phút": beyond this, a figure would promise more than we know
HORIZON_MINUTES = 75  # the forecast stops here; who is not called by then waits "over 60"
SOON_MINUTES = 1.5
BREAK_MINUTES = 15.0  # a typical break, counted as two breaks with today's own
RATE_WINDOW_MINUTES = 60.0
PRIOR_WEIGHT = 3  # the carried-over average counts as this many of today's tickets
RECENT_TICKETS = 30  # service times: the newest this many finished tickets per service
DEFAULT_CV = 0.5  # spread of service times (sd / mean) until today's tickets tell
RESIDUAL = 0.85  # the citizen at the counter: about the median time, not the mean
RANGE_SCALE = 0.5  # how many standard deviations the shown range spans on each side


@dataclass(frozen=True)
class Wait:
    minutes: float | None  # None: no counter that serves it is open or paused
    low: float | None = None
    high: float | None = None

    @property
    def kind(self):
        if self.minutes is None:
            return "closed"
        if self.minutes > LONG_MINUTES:
            return "long"
        if self.minutes < SOON_MINUTES:
            return "soon"
        return "minutes"

    def as_dict(self):
        text = wait_text(self)
        return {"kind": self.kind,
                "minutes": None if self.minutes is None else round(self.minutes, 1),
                "low": None if self.low is None else round(self.low),
                "high": None if self.high is None else round(self.high),
                "text_vi": text["vi"], "text_en": text["en"]}


CLOSED = Wait(None)


def _shown(minutes):
    """Whole minutes up to 10, then steps of 5: "23 phút" claims more than anyone knows."""
    if minutes <= 10:
        return max(1, round(minutes))
    return int(5 * round(minutes / 5.0))


def wait_text(wait):
    """The wait in words, Vietnamese and English, exactly as every surface shows it."""
    kind = wait.kind
    if kind == "closed":
        return {"vi": "Chưa mở quầy", "en": "No counter open"}
    if kind == "soon":
        return {"vi": "Sắp tới lượt", "en": "Very soon"}
    if kind == "long":
        return {"vi": f"trên {LONG_MINUTES} phút", "en": f"over {LONG_MINUTES} min"}
    low, high = _shown(wait.low if wait.low is not None else wait.minutes), \
        _shown(wait.high if wait.high is not None else wait.minutes)
    if wait.high is not None and wait.high > LONG_MINUTES:
        return {"vi": f"trên {low} phút", "en": f"over {low} min"}
    if high - low >= 4:
        return {"vi": f"{low}–{high} phút", "en": f"{low}–{high} min"}
    point = _shown(wait.minutes)
    return {"vi": f"khoảng {point} phút", "en": f"about {point} min"}


# -- what the day has taught ----------------------------------------------------------------
class _Learned:
    """Service times per service and counter, and arrival rates, from today's tickets."""

    def __init__(self, state, now):
        prior = state.service_minutes
        # Breaks: how long today's finished ones lasted (a paused counter is expected back
        # after the rest of a typical one).
        taken = sum(c.breaks_taken for c in state.counters.values())
        lasted = sum(c.break_seconds for c in state.counters.values()) / 60.0
        self.break_minutes = (2 * BREAK_MINUTES + lasted) / (2 + taken)
        durations, by_counter = {}, {}
        done = sorted((t for t in state.tickets.values()
                       if t.status == DONE and t.called_at is not None and t.ended_at),
                      key=lambda t: t.ended_at)
        for t in done:
            # The counter is taken from the call to the end: walking up counts too.
            minutes = max(0.1, (t.ended_at - t.called_at) / 60.0)
            durations.setdefault(t.service, []).append(minutes)
            by_counter.setdefault(t.last_counter, []).append((t.service, minutes))
        self.mean, self.cv = {}, {}
        for code, prior_minutes in prior.items():
            recent = durations.get(code, [])[-RECENT_TICKETS:]
            n = len(recent)
            mean = (PRIOR_WEIGHT * prior_minutes + sum(recent)) / (PRIOR_WEIGHT + n)
            self.mean[code] = mean
            if n >= 5:
                m = sum(recent) / n
                var = sum((x - m) ** 2 for x in recent) / (n - 1)
                self.cv[code] = (PRIOR_WEIGHT * DEFAULT_CV + n * math.sqrt(var) / m) / (PRIOR_WEIGHT + n)
            else:
                self.cv[code] = DEFAULT_CV
        # A counter's pace: its time over what its tickets take on average, shrunk to 1.
        self.pace = {}
        for number, rows in by_counter.items():
            if number is None:
                continue
            actual = sum(m for _, m in rows[-RECENT_TICKETS:])
            expected = sum(self.mean[s] for s, _ in rows[-RECENT_TICKETS:])
            self.pace[number] = (actual + 20.0) / (expected + 20.0)
        # Arrivals per minute per (service, priority?) over the last hour. Always over a whole
        # hour: the crowd at the door when the site opens is not a rate that lasts.
        window = RATE_WINDOW_MINUTES
        self.rate = {}
        for t in state.tickets.values():
            if t.transferred_from is None and now - t.issued_at <= window * 60.0:
                key = (t.service, bool(t.priority))
                self.rate[key] = self.rate.get(key, 0.0) + 1.0 / window

    def minutes(self, service, counter):
        return self.mean[service] * self.pace.get(counter, 1.0)


# -- playing the queue forward --------------------------------------------------------------
def _free_at(state, counter, learned, now):
    """When this counter can call next, or None if it is closed."""
    if counter.state == "closed":
        return None
    at = now
    if counter.current is not None:
        ticket = state.tickets[counter.current]
        expected = learned.minutes(ticket.service, counter.number) * 60.0
        started = ticket.called_at or now
        at = now + max(RESIDUAL * expected - (now - started), expected / 3.0)
    if counter.state == "paused":
        since = counter.paused_at or now
        at = max(at, now + max(learned.break_minutes * 60.0 - (now - since), 180.0))
    return at


class _Lines:
    """Copies of the working counters' lines (`queue.CounterLine`, the engine's one call
    order), changed as the forecast goes: a called ticket leaves every line, a citizen to come
    joins every line that serves them, and a ticket that passes the escalation time moves up.
    Each change touches only the ticket concerned (bisect by its rank), so a forecast over a
    long queue stays a matter of milliseconds."""

    def __init__(self, state, now, numbers):
        self.state = state
        engine_lines = counter_lines(state, now)
        self.lines = {n: CounterLine(n, list(engine_lines[n].reserved),
                                     list(engine_lines[n].priority), list(engine_lines[n].normal),
                                     engine_lines[n].streak, engine_lines[n].limit,
                                     booked=list(engine_lines[n].booked),
                                     booked_streak=engine_lines[n].booked_streak,
                                     booked_limit=engine_lines[n].booked_limit)
                      for n in numbers}
        self.booked_streak_after = {}  # counter -> its booked streak once its head is called
        self.cfg = {n: state.site.counter(n) for n in numbers}
        self.escalate = state.site.policy.escalate_after_minutes * 60.0
        self.rank = {}  # (counter, ticket id) -> its rank in that counter's line now
        pending = []
        for n, line in self.lines.items():
            for rank, t in line.booked:  # booked: by slot, never escalated
                self.rank[n, t.id] = rank
            for rank, t in line.priority + line.normal:
                self.rank[n, t.id] = rank
                if rank[0] == 1:
                    pending.append((t.enqueued_at + self.escalate, t.order, t))
        self.pending = sorted(pending, key=lambda x: (x[0], x[1]))  # not yet escalated
        self.next_pending = 0

    def _cls(self, line, ticket):
        if getattr(ticket, "booked", False):
            return line.booked
        return line.priority if ticket.priority else line.normal

    def join_booked(self, ticket):
        """A booked ticket whose slot begins: into the booked class of its counters."""
        for n, line in self.lines.items():
            if ticket.service in self.cfg[n].services:
                rank = (ticket.slot_start, ticket.order)
                self.rank[n, ticket.id] = rank
                bisect.insort(line.booked, (rank, ticket), key=lambda p: p[0])

    def join(self, ticket, at):
        for n, line in self.lines.items():
            if ticket.service in self.cfg[n].services:
                rank = _rank(self.state, self.cfg[n], ticket, at)
                self.rank[n, ticket.id] = rank
                bisect.insort(self._cls(line, ticket), (rank, ticket), key=lambda p: p[0])
        bisect.insort(self.pending, (ticket.enqueued_at + self.escalate, ticket.order, ticket),
                      key=lambda x: (x[0], x[1]))

    def _remove(self, n, ticket):
        cls = self._cls(self.lines[n], ticket)
        rank = self.rank.pop((n, ticket.id), None)
        if rank is None:
            return
        # Ranks can tie (the "new ticket" of each service stands at the same place), so look
        # along the equal ranks for this very ticket: leaving it in made the forecast take
        # the same instant ticket forever and hung the server at the 21st ticket.
        i = bisect.bisect_left(cls, rank, key=lambda p: p[0])
        while i < len(cls) and cls[i][0] == rank:
            if cls[i][1] is ticket:
                del cls[i]
                return
            i += 1

    def head(self, number, at):
        while self.next_pending < len(self.pending) and self.pending[self.next_pending][0] <= at:
            ticket = self.pending[self.next_pending][2]
            self.next_pending += 1
            for n in self.lines:  # it has waited long enough: oldest first across services
                if (n, ticket.id) in self.rank:
                    self._remove(n, ticket)
                    rank = _rank(self.state, self.cfg[n], ticket, at)
                    self.rank[n, ticket.id] = rank
                    bisect.insort(self._cls(self.lines[n], ticket), (rank, ticket),
                                  key=lambda p: p[0])
        line = self.lines[number]
        head = line.head_with_booked()
        if head is None:
            return None, line.streak
        self.booked_streak_after[number] = head[2]
        return head[0], head[1]

    def take(self, ticket, number, streak):
        self.lines[number].streak = streak
        self.lines[number].booked_streak = self.booked_streak_after.get(
            number, self.lines[number].booked_streak)
        if ticket.reserved_counter is not None:
            self.lines[number].reserved.remove(ticket)
            return
        for n in self.lines:
            self._remove(n, ticket)


class Forecast:
    """The expected wait of every waiting ticket and of a new ticket of every service."""

    def __init__(self, state, now, horizon_minutes=HORIZON_MINUTES):
        self.now = now
        learned = _Learned(state, now)
        site = state.site
        heap = []
        for cfg in site.counters:
            at = _free_at(state, state.counters[cfg.number], learned, now)
            if at is not None:
                heap.append((at, cfg.number))
        heapq.heapify(heap)
        working = {n for _, n in heap}
        served = {code for n in working for code in site.counter(n).services}
        lines = _Lines(state, now, working)
        targets = {t.id for t in state.tickets.values() if t.status == WAITING}
        instant = set()  # the "new tickets": they show a place, they take no counter time
        back = state.seq + 0.5  # after everyone already in line, before anyone to come
        for svc in site.services:
            if svc.code in served:
                new = SimpleNamespace(id=("new", svc.code), reserved_counter=None,
                                      service=svc.code, priority=None, order=back,
                                      enqueued_at=now)
                lines.join(new, now)
                targets.add(new.id)
                instant.add(new.id)
        coming = self._coming(learned, now, served, state.seq + 1, horizon_minutes)
        # Booked citizens checked in early join the lines when their slot begins (queue.py).
        later = sorted((t for t in state.tickets.values()
                        if t.status == WAITING and t.booked and t.reserved_counter is None
                        and t.slot_start > now), key=lambda t: (t.slot_start, t.order))
        next_later = 0
        called, completions, next_arrival = {}, 0, 0
        horizon = now + horizon_minutes * 60.0
        while heap and targets:
            at, number = heapq.heappop(heap)
            if at > horizon:
                break
            while next_arrival < len(coming) and coming[next_arrival].enqueued_at <= at:
                lines.join(coming[next_arrival], coming[next_arrival].enqueued_at)
                next_arrival += 1
            while next_later < len(later) and later[next_later].slot_start <= at:
                lines.join_booked(later[next_later])
                next_later += 1
            ticket, streak = lines.head(number, at)
            if ticket is None:
                upcoming = [x for x in (coming[next_arrival].enqueued_at
                                        if next_arrival < len(coming) else None,
                                        later[next_later].slot_start
                                        if next_later < len(later) else None) if x is not None]
                if upcoming:  # idle until the next citizen comes or the next slot begins
                    heapq.heappush(heap, (max(at, min(upcoming)), number))
                continue
            lines.take(ticket, number, streak)
            if ticket.id in targets:
                targets.discard(ticket.id)
                called[ticket.id] = (at, completions)
            if ticket.id in instant:
                heapq.heappush(heap, (at, number))
            else:
                completions += 1
                heapq.heappush(heap, (at + learned.minutes(ticket.service, number) * 60.0, number))
        self.learned, self.open_counters, self.horizon = learned, len(working), horizon_minutes
        self._served, self._called, self._open = served, called, working

    @staticmethod
    def _coming(learned, now, served, first_order, horizon_minutes):
        """Citizens expected over the horizon, evenly spaced at today's rates."""
        coming = []
        for (code, priority), per_minute in sorted(learned.rate.items()):
            if code not in served or per_minute <= 0:
                continue
            gap = 60.0 / per_minute
            k = 1
            while k * gap <= horizon_minutes * 60.0:
                coming.append((now + k * gap, code, priority))
                k += 1
        coming.sort()
        return [SimpleNamespace(id=("coming", i), reserved_counter=None, service=code,
                                priority="expected" if priority else None,
                                order=first_order + i, enqueued_at=at)
                for i, (at, code, priority) in enumerate(coming)]

    def _wait(self, key, service):
        if service not in self._served:
            return CLOSED
        found = self._called.get(key)
        if found is None:
            return Wait(self.horizon, self.horizon, None)
        at, completions = found
        minutes = (at - self.now) / 60.0
        # The sum of k service times varies as sqrt(k): the fewer stand between a citizen
        # and the counter (per counter), the wider the range; never narrower than ±10 %.
        per_counter = completions / max(1, self.open_counters)
        spread = 0.1 + RANGE_SCALE * self.learned.cv.get(service, DEFAULT_CV) / math.sqrt(1.0 + per_counter)
        return Wait(minutes, max(0.0, minutes * (1 - spread) - 1.0), minutes * (1 + spread) + 1.0)

    def ticket(self, ticket):
        if ticket.status != WAITING:
            return None
        if ticket.reserved_counter is not None and ticket.reserved_counter not in self._open:
            return CLOSED
        return self._wait(ticket.id, ticket.service)

    def service(self, code):
        return self._wait(("new", code), code)


def forecast(state, now=None):
    """The forecast of this state at `now` (default: its newest event). Made once per change
    and moment: the views pushed after a change share one, and a tracking page read at the
    reader's clock has its own (a few kept per change, the oldest dropped)."""
    if now is None or now == state.last_at:
        now = state.last_at
    else:  # a reader's clock: to the quarter minute, so readers of one moment share a forecast
        now = 15.0 * round(now / 15.0)
    cached = getattr(state, "_forecasts", None)
    if cached is None or cached[0] != state.seq:
        cached = (state.seq, {})
        state._forecasts = cached
    found = cached[1].get(now)
    if found is None:
        if len(cached[1]) >= 4:
            cached[1].pop(next(iter(cached[1])))
        found = cached[1][now] = Forecast(state, now)
    return found


def ticket_wait(state, ticket, now=None):
    """A waiting ticket's expected wait (`Wait`), or None for a ticket no longer waiting."""
    return forecast(state, now).ticket(ticket)


def service_wait(state, code, now=None):
    """What a citizen taking a normal ticket of this service now would wait."""
    return forecast(state, now).service(code)
