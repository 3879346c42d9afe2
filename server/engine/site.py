"""What a site is: its services, counters, priority groups and policy.

Built from a plain dict (the parsed site file, see docs/site-file.md) and checked once, so the
engine can trust it. Frozen: a site's rules do not change in the middle of a decision.
"""
from dataclasses import dataclass, field
import re

LETTER = re.compile(r"^[A-Z]{1,2}$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# The default priority groups (DOMAIN.md): Vietnamese law on the elderly and people with
# disabilities, and the common practice at one-stop counters.
DEFAULT_PRIORITY_GROUPS = (
    ("elderly", "Người cao tuổi (từ 60 tuổi)", "Elderly (60 and over)"),
    ("disability", "Người khuyết tật", "Person with a disability"),
    ("pregnant", "Phụ nữ mang thai", "Pregnant woman"),
    ("young_child", "Người đi cùng trẻ dưới 6 tuổi", "With a child under 6"),
    ("merit", "Người có công với cách mạng", "Person with meritorious services to the revolution"),
)


@dataclass(frozen=True)
class Service:
    code: str
    letter: str
    name_vi: str
    name_en: str
    description_vi: str = ""
    description_en: str = ""
    number_start: int = 1
    number_end: int = 999
    wrap: bool = True
    daily_cap: int | None = None
    expected_service_minutes: float = 10.0

    def label(self, number):
        width = len(str(self.number_end))
        return f"{self.letter}{number:0{max(3, width)}d}"


@dataclass(frozen=True)
class Counter:
    number: int
    name: str
    services: tuple  # service codes, in order of preference


@dataclass(frozen=True)
class PriorityGroup:
    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class Policy:
    # At most this many priority calls in a row at one counter while normal tickets wait;
    # then one normal ticket. Priority tickets go first otherwise, so neither class waits
    # without bound.
    max_priority_streak: int = 2
    # "requeue_once": a first no-show goes back to the end of its class; a second is dropped.
    # "drop": a no-show ends the ticket.
    no_show: str = "requeue_once"
    # A ticket that has waited this long is called oldest-first across a counter's services,
    # whatever the counter's service preference, so no service starves at a shared counter.
    escalate_after_minutes: float = 45.0
    # The server opens the business day by itself on the first ticket of a new date.
    auto_open_day: bool = True
    # Weight of the newest service time in the running average used for estimates.
    service_time_weight: float = 0.2


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    name_en: str = ""
    services: tuple = ()
    counters: tuple = ()
    priority_groups: tuple = ()
    policy: Policy = field(default_factory=Policy)
    header_lines: tuple = ()
    footer_lines: tuple = ()
    utc_offset_minutes: int = 420  # Vietnam, UTC+7, no daylight saving
    # The wall displays: a scrolling notice, how calls are read out ("digits": A, không, hai,
    # năm; "words": A, hai mươi lăm), and the folder of the site's own recorded clips.
    display_notice: str = ""
    number_reading: str = "digits"
    announcement_clips_dir: str | None = None

    def service(self, code):
        for service in self.services:
            if service.code == code:
                return service
        return None

    def counter(self, number):
        for counter in self.counters:
            if counter.number == number:
                return counter
        return None

    def priority_group(self, code):
        for group in self.priority_groups:
            if group.code == code:
                return group
        return None

    def counters_serving(self, service_code):
        return [c for c in self.counters if service_code in c.services]


class SiteFileError(ValueError):
    pass


def _require(cond, message):
    if not cond:
        raise SiteFileError(message)


def site_from_dict(data):
    """Build and check a Site from a parsed site file; SiteFileError says what is wrong."""
    _require(isinstance(data, dict), "the site file must be a table")
    meta = data.get("site", {})
    _require(isinstance(meta.get("id"), str) and CODE.match(meta.get("id", "")),
             "[site] id: 1-32 letters, digits, '-' or '_'")
    _require(isinstance(meta.get("name"), str) and meta["name"], "[site] name is required")

    services = []
    for raw in data.get("services", []):
        known = {f for f in Service.__dataclass_fields__}
        unknown = set(raw) - known
        _require(not unknown, f"service {raw.get('code')}: unknown keys {sorted(unknown)}")
        service = Service(**raw)
        _require(CODE.match(service.code or ""), f"service code {service.code!r} is not valid")
        _require(LETTER.match(service.letter or ""), f"service {service.code}: letter must be A-Z")
        _require(0 <= service.number_start < service.number_end <= 9999,
                 f"service {service.code}: need 0 <= number_start < number_end <= 9999")
        _require(service.daily_cap is None or service.daily_cap > 0,
                 f"service {service.code}: daily_cap must be positive")
        _require(service.expected_service_minutes > 0,
                 f"service {service.code}: expected_service_minutes must be positive")
        services.append(service)
    _require(services, "a site needs at least one [[services]] entry")
    codes = [s.code for s in services]
    _require(len(set(codes)) == len(codes), "service codes must be unique")
    letters = [s.letter for s in services]
    _require(len(set(letters)) == len(letters), "service letters must be unique")

    counters = []
    for raw in data.get("counters", []):
        number = raw.get("number")
        _require(isinstance(number, int) and 1 <= number <= 999, "counter number must be 1..999")
        served = tuple(raw.get("services", ()))
        _require(served, f"counter {number} serves no service")
        for code in served:
            _require(code in codes, f"counter {number}: unknown service {code}")
        counters.append(Counter(number=number, name=raw.get("name") or f"Quầy {number}",
                                services=served))
    _require(counters, "a site needs at least one [[counters]] entry")
    numbers = [c.number for c in counters]
    _require(len(set(numbers)) == len(numbers), "counter numbers must be unique")

    raw_groups = data.get("priority_groups")
    if raw_groups is None:
        groups = tuple(PriorityGroup(*g) for g in DEFAULT_PRIORITY_GROUPS)
    else:
        groups = tuple(PriorityGroup(g["code"], g["name_vi"], g.get("name_en", "")) for g in raw_groups)

    raw_policy = data.get("policy", {})
    unknown = set(raw_policy) - set(Policy.__dataclass_fields__)
    _require(not unknown, f"[policy]: unknown keys {sorted(unknown)}")
    policy = Policy(**raw_policy)
    _require(policy.max_priority_streak >= 1, "[policy] max_priority_streak must be >= 1")
    _require(policy.no_show in ("requeue_once", "drop"), "[policy] no_show: requeue_once or drop")
    _require(0 < policy.service_time_weight <= 1, "[policy] service_time_weight in (0, 1]")

    display = data.get("display", {})
    unknown = set(display) - {"notice", "number_reading", "clips_dir"}
    _require(not unknown, f"[display]: unknown keys {sorted(unknown)}")
    _require(display.get("number_reading", "digits") in ("digits", "words"),
             "[display] number_reading: digits or words")

    return Site(
        id=meta["id"], name=meta["name"], name_en=meta.get("name_en", ""),
        services=tuple(services), counters=tuple(counters), priority_groups=groups,
        policy=policy, header_lines=tuple(meta.get("header_lines", ())),
        footer_lines=tuple(meta.get("footer_lines", ())),
        utc_offset_minutes=int(meta.get("utc_offset_minutes", 420)),
        display_notice=str(display.get("notice", "")),
        number_reading=display.get("number_reading", "digits"),
        announcement_clips_dir=display.get("clips_dir"),
    )
