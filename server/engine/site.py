"""What a site is: its services, counters, priority groups and policy.

The classes below are both the engine's model and the site file's schema (docs/site-file.md):
pydantic validates a parsed site file against them once, so the engine can trust a Site.
Every section rejects unknown keys (a misspelt key is a mistake, never silently ignored) and
takes values as TOML typed them (`daily_cap = "120"` is a string, not a number).

To add a site-file key: add a field to the class of its section (`SiteInfo` is `[site]`,
`Policy` is `[policy]`, `Display` is `[display]`, `Service` is `[[services]]`, `Server` is
`[server]` ...), with its
type, bounds and default, and document it in docs/site-file.md. A new section is a new class
here plus one field in `SiteFile` and one in `Site`.

Frozen: a site's rules do not change in the middle of a decision.
"""
import dataclasses
from typing import Annotated, Literal

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr,
                      ValidationError, model_validator)
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

# Unknown keys are refused; values are not converted (a TOML string is never a number).
SECTION = ConfigDict(extra="forbid")

Code = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Letter = Annotated[StrictStr, Field(pattern=r"^[A-Z]{1,2}$")]
Text = Annotated[StrictStr, Field(min_length=1)]
# Strict float still takes a TOML integer (`expected_service_minutes = 15`).
Minutes = Annotated[float, Field(strict=True, gt=0)]
Lines = tuple[StrictStr, ...]

# The default priority groups (DOMAIN.md): Vietnamese law on the elderly and people with
# disabilities, and the common practice at one-stop counters.
DEFAULT_PRIORITY_GROUPS = (
    ("elderly", "Người cao tuổi (từ 60 tuổi)", "Elderly (60 and over)"),
    ("disability", "Người khuyết tật", "Person with a disability"),
    ("pregnant", "Phụ nữ mang thai", "Pregnant woman"),
    ("young_child", "Người đi cùng trẻ dưới 6 tuổi", "With a child under 6"),
    ("merit", "Người có công với cách mạng", "Person with meritorious services to the revolution"),
)


def rule_broken(vi, en):
    """A validator's refusal that carries its Vietnamese text along with the English."""
    return PydanticCustomError("site_rule", en, {"vi": vi, "en": en})


@dataclass(frozen=True, config=SECTION)
class Service:
    code: Code
    letter: Letter
    name_vi: Text
    name_en: Text
    description_vi: StrictStr = ""
    description_en: StrictStr = ""
    number_start: Annotated[StrictInt, Field(ge=0, le=9999)] = 1
    number_end: Annotated[StrictInt, Field(ge=1, le=9999)] = 999
    wrap: StrictBool = True
    daily_cap: Annotated[StrictInt, Field(gt=0)] | None = None
    expected_service_minutes: Minutes = 10.0

    @model_validator(mode="after")
    def _numbers_in_order(self):
        if self.number_start >= self.number_end:
            raise rule_broken("number_start phải nhỏ hơn number_end",
                              "number_start must be below number_end")
        return self

    def label(self, number):
        width = len(str(self.number_end))
        return f"{self.letter}{number:0{max(3, width)}d}"


@dataclass(frozen=True, config=SECTION)
class Counter:
    number: Annotated[StrictInt, Field(ge=1, le=999)]
    services: Annotated[tuple[Code, ...], Field(min_length=1)]  # in order of preference
    name: StrictStr = ""

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", f"Quầy {self.number}")


@dataclass(frozen=True, config=SECTION)
class PriorityGroup:
    code: Code
    name_vi: Text
    name_en: StrictStr = ""


@dataclass(frozen=True, config=SECTION)
class Policy:
    # At most this many priority calls in a row at one counter while normal tickets wait;
    # then one normal ticket. Priority tickets go first otherwise, so neither class waits
    # without bound.
    max_priority_streak: Annotated[StrictInt, Field(ge=1)] = 2
    # "requeue_once": a first no-show goes back to the end of its class; a second is dropped.
    # "drop": a no-show ends the ticket.
    no_show: Literal["requeue_once", "drop"] = "requeue_once"
    # A ticket that has waited this long is called oldest-first across a counter's services,
    # whatever the counter's service preference, so no service starves at a shared counter.
    escalate_after_minutes: Minutes = 45.0
    # The server opens the business day by itself on the first ticket of a new date.
    auto_open_day: StrictBool = True
    # Weight of the newest service time in the running average used for estimates.
    service_time_weight: Annotated[float, Field(strict=True, gt=0, le=1)] = 0.2
    # Tickets an unknown client (a citizen's phone, not a paired kiosk) may take per service
    # per hour; 0 turns such issuance off. Never more than half of a service's numbers for the
    # day go this way, so the kiosks always keep theirs (docs/security.md).
    public_tickets_per_hour: Annotated[StrictInt, Field(ge=0, le=1000)] = 0


@dataclass(frozen=True, config=SECTION)
class Privacy:
    # Free text officers type (completion notes, cancel reasons) may name a citizen: it is
    # erased from the store this many days after the ticket's day (Decree 13/2023 on personal
    # data; docs/security.md).
    note_retention_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 90


@dataclass(frozen=True, config=SECTION)
class Display:
    # The wall displays: a scrolling notice, how calls are read out ("digits": A, không, hai,
    # năm; "words": A, hai mươi lăm), and the folder of the site's own recorded clips
    # (relative to the site file; made absolute when the file is loaded).
    notice: StrictStr = ""
    number_reading: Literal["digits", "words"] = "digits"
    clips_dir: StrictStr | None = None


@dataclass(frozen=True, config=SECTION)
class Booking:
    """`[booking]`: appointments booked on the provincial hub (docs/appointments.md).

    The site sends these settings to the hub with the rest of its file; the hub cuts the day's
    opening hours into slots from them."""
    enabled: StrictBool = False
    # Booked citizens get numbers of their own series (H001 …), across services, so the wall
    # display and the officer see at a glance who has an appointment.
    letter: Letter = "H"
    slot_minutes: Annotated[StrictInt, Field(ge=5, le=240)] = 30
    # The share of each slot's capacity (counters serving the service × slot length ÷ the
    # service's expected minutes) kept for walk-ins: never booked.
    walk_in_share: Annotated[float, Field(strict=True, ge=0, lt=1)] = 0.5
    # At most this many booked calls in a row at one counter while a walk-in waits there;
    # then one walk-in. So no walk-in waits without bound behind bookings.
    max_booked_streak: Annotated[StrictInt, Field(ge=1, le=20)] = 2
    # Check-in opens this many minutes before the slot (an early citizen then waits until the
    # slot starts) and closes `grace_minutes` after the slot ends.
    early_minutes: Annotated[StrictInt, Field(ge=0, le=720)] = 120
    grace_minutes: Annotated[StrictInt, Field(ge=0, le=240)] = 15
    # A citizen later than the grace: "walk_in" (a walk-in ticket of the service) or
    # "refuse" (no ticket from the booking; they take a walk-in number themselves).
    late: Literal["walk_in", "refuse"] = "walk_in"
    # Days ahead the hub offers (today counts as day 0).
    days_ahead: Annotated[StrictInt, Field(ge=0, le=60)] = 14


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[StrictStr, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Span = Annotated[StrictStr, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]


def _minutes(hhmm):
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _span(text):
    start, end = text.split("-")
    return _minutes(start), _minutes(end)


@dataclass(frozen=True, config=SECTION)
class OpeningHours:
    """`[opening_hours]`: when citizens may take tickets, in the site's local time.

    Simple form: `open`/`close` on every day of `days`, with an optional `lunch` break
    ("11:30-13:00"). A weekday key (`sat = ["07:30-11:30"]`) gives that day's own spans and
    replaces the simple form for it; `sun = []` closes it."""
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    open: ClockTime | None = None
    close: ClockTime | None = None
    lunch: Span | None = None
    mon: tuple[Span, ...] | None = None
    tue: tuple[Span, ...] | None = None
    wed: tuple[Span, ...] | None = None
    thu: tuple[Span, ...] | None = None
    fri: tuple[Span, ...] | None = None
    sat: tuple[Span, ...] | None = None
    sun: tuple[Span, ...] | None = None

    @model_validator(mode="after")
    def _spans_in_order(self):
        if (self.open is None) != (self.close is None):
            raise rule_broken("cần cả open và close", "open and close go together")
        if self.open is not None and _minutes(self.open) >= _minutes(self.close):
            raise rule_broken("open phải trước close", "open must be before close")
        if self.lunch is not None:
            if self.open is None:
                raise rule_broken("lunch cần open và close", "lunch needs open and close")
            start, end = _span(self.lunch)
            if not _minutes(self.open) < start < end < _minutes(self.close):
                raise rule_broken("giờ nghỉ trưa phải nằm trong giờ mở cửa",
                                  "the lunch break must lie inside the opening hours")
        for day in WEEKDAYS:
            spans = [_span(s) for s in getattr(self, day) or ()]
            if any(start >= end for start, end in spans) or any(
                    a[1] > b[0] for a, b in zip(sorted(spans), sorted(spans)[1:])):
                raise rule_broken(f"{day}: các khoảng giờ phải tăng dần, không chồng nhau",
                                  f"{day}: spans must run forward and not overlap")
        return self

    def spans(self, weekday):
        """[(start, end)] minutes after midnight that the site is open on weekday 0-6 (Mon=0)."""
        own = getattr(self, WEEKDAYS[weekday])
        if own is not None:
            return sorted(_span(s) for s in own)
        if WEEKDAYS[weekday] not in self.days or self.open is None:
            return []
        if self.lunch is None:
            return [(_minutes(self.open), _minutes(self.close))]
        start, end = _span(self.lunch)
        return [(_minutes(self.open), start), (end, _minutes(self.close))]


@dataclass(frozen=True, config=SECTION)
class Choice:
    """A rating level or a reason a citizen can tap: a code kept in the store, its words."""
    code: Code
    vi: Text
    en: StrictStr = ""


DEFAULT_RATING_LEVELS = (
    Choice("very_satisfied", "Rất hài lòng", "Very satisfied"),
    Choice("satisfied", "Hài lòng", "Satisfied"),
    Choice("neutral", "Bình thường", "Neutral"),
    Choice("unsatisfied", "Không hài lòng", "Not satisfied"),
)
DEFAULT_RATING_REASONS = (
    Choice("long_wait", "Chờ lâu", "Long wait"),
    Choice("manner", "Thái độ cán bộ", "Officer's manner"),
    Choice("unclear", "Hướng dẫn chưa rõ", "Unclear guidance"),
    Choice("paperwork", "Thủ tục phức tạp", "Complicated paperwork"),
    Choice("facilities", "Cơ sở vật chất", "Facilities"),
)


@dataclass(frozen=True, config=SECTION)
class Ratings:
    """The `[ratings]` table: what the citizen's rating tablet at each counter asks."""
    levels: Annotated[tuple[Choice, ...], Field(min_length=2, max_length=6)] = DEFAULT_RATING_LEVELS
    reasons: Annotated[tuple[Choice, ...], Field(max_length=8)] = DEFAULT_RATING_REASONS
    # Back to the idle screen after this long without a tap (the next citizen must not rate
    # the previous one's ticket).
    idle_seconds: Annotated[StrictInt, Field(ge=5, le=300)] = 30

    def level(self, code):
        return next((x for x in self.levels if x.code == code), None)

    def reason(self, code):
        return next((x for x in self.reasons if x.code == code), None)


@dataclass(frozen=True, config=SECTION)
class ReportHeading:
    """The `[report]` table: how reports sent upward are headed (docs/reports.md)."""
    # The unit's lines top left of a Vietnamese administrative document
    # ("CÔNG AN THÀNH PHỐ …", "CÔNG AN PHƯỜNG …"), and the place written before the date.
    unit_lines: Lines = ()
    place: StrictStr = ""


@dataclass(frozen=True, config=SECTION)
class SiteInfo:
    """The `[site]` table."""
    id: Code
    name: Text
    name_en: StrictStr = ""
    header_lines: Lines = ()   # printed at the top of each ticket
    footer_lines: Lines = ()
    # Vietnam is UTC+7 all year (no daylight saving); business days and printed times use it.
    utc_offset_minutes: Annotated[StrictInt, Field(ge=-720, le=840)] = 420


@dataclass(frozen=True, config=SECTION)
class Server:
    """The `[server]` table: where this site's server keeps its data and how it is reached.
    Not the engine's (a Site does not carry it); `qms` reads it (docs/operations.md)."""
    store: StrictStr | None = None             # default: SQLite in the instance folder
    instance: StrictStr | None = None          # relative to the site file; required to serve
    public_base_url: StrictStr | None = None   # the QR links on tickets
    message_queue: StrictStr | None = None     # redis://… when several processes serve a site
    # Reverse proxies (addresses or networks) whose X-Forwarded-* headers are believed:
    # ["127.0.0.1"] for nginx on the same machine (docs/operations.md).
    trusted_proxies: tuple[StrictStr, ...] = ()


@dataclass(frozen=True, config=SECTION)
class HubLink:
    """The `[hub]` table: where `qms sync` sends this site's events (docs/hub.md). Not the
    engine's either; `qms sync` reads it."""
    url: Annotated[StrictStr, Field(pattern=r"^https?://")]
    key: StrictStr = ""        # from `qms hub add-site`; or env QMS_HUB_KEY (kept out of the file)
    # The campaign this site works towards, shown against its progress on the hub.
    eligible_citizens: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = None
    deadline: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


def _default_groups():
    return tuple(PriorityGroup(*group) for group in DEFAULT_PRIORITY_GROUPS)


@dataclass(frozen=True, config=SECTION)
class Site(SiteInfo):
    """The engine's whole site: the `[site]` keys plus every other section."""
    services: tuple[Service, ...] = ()
    counters: tuple[Counter, ...] = ()
    priority_groups: tuple[PriorityGroup, ...] = dataclasses.field(default_factory=_default_groups)
    policy: Policy = dataclasses.field(default_factory=Policy)
    display: Display = dataclasses.field(default_factory=Display)
    privacy: Privacy = dataclasses.field(default_factory=Privacy)
    report: ReportHeading = dataclasses.field(default_factory=ReportHeading)
    ratings: Ratings = dataclasses.field(default_factory=Ratings)
    booking: Booking = dataclasses.field(default_factory=Booking)
    # None: tickets at any hour (the day still opens and closes).
    opening_hours: OpeningHours | None = None

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


class SiteFile(BaseModel):
    """The site file as written: one field per top-level table."""
    model_config = SECTION
    site: SiteInfo
    policy: Policy = Policy()
    services: Annotated[list[Service], Field(min_length=1)]
    counters: Annotated[list[Counter], Field(min_length=1)]
    priority_groups: list[PriorityGroup] | None = None
    display: Display = Display()
    privacy: Privacy = Privacy()
    report: ReportHeading = ReportHeading()
    ratings: Ratings = Ratings()
    booking: Booking = Booking()
    opening_hours: OpeningHours | None = None
    server: Server = Server()
    hub: HubLink | None = None

    def to_site(self):
        info = {f.name: getattr(self.site, f.name) for f in dataclasses.fields(SiteInfo)}
        groups = {} if self.priority_groups is None else \
            {"priority_groups": tuple(self.priority_groups)}
        return Site(**info, services=tuple(self.services), counters=tuple(self.counters),
                    policy=self.policy, display=self.display, privacy=self.privacy,
                    report=self.report, ratings=self.ratings, booking=self.booking,
                    opening_hours=self.opening_hours, **groups)


def site_to_dict(site):
    """A Site back as the site file's tables (the inverse of `site_from_dict`): what the admin
    pages edit and what a `site_changed` event carries."""
    from pydantic import TypeAdapter
    plain = TypeAdapter(Site).dump_python(site, mode="json")
    info = {f.name for f in dataclasses.fields(SiteInfo)}
    data = {"site": {k: plain.pop(k) for k in list(plain) if k in info}}
    if data["site"].get("utc_offset_minutes") == 420:
        del data["site"]["utc_offset_minutes"]
    if plain.get("opening_hours") is None:
        plain.pop("opening_hours", None)
    else:
        plain["opening_hours"] = {k: v for k, v in plain["opening_hours"].items() if v is not None}
    if plain["display"].get("clips_dir") is None:
        plain["display"].pop("clips_dir", None)
    for service in plain["services"]:
        if service.get("daily_cap") is None:
            del service["daily_cap"]
    data.update(plain)
    return data


@dataclasses.dataclass(frozen=True)
class Mistake:
    """One mistake in a site file: where (a path of keys and list indexes) and what."""
    loc: tuple
    vi: str
    en: str


class SiteFileError(ValueError):
    def __init__(self, mistakes):
        self.mistakes = list(mistakes)
        super().__init__("; ".join(f"{'.'.join(map(str, m.loc))}: {m.vi} — {m.en}"
                                   for m in self.mistakes))


def site_from_dict(data):
    """Build and check a Site from a parsed site file; SiteFileError lists every mistake."""
    mistakes = _cross_checks(data) if isinstance(data, dict) else []
    try:
        parsed = SiteFile.model_validate(data)
    except ValidationError as exc:
        mistakes = [_mistake(error) for error in exc.errors()] + mistakes
    if mistakes:
        raise SiteFileError(mistakes)
    return parsed.to_site()


def _entries(data, table):
    """The entries of an array of tables as written, skipping what is not a table (the
    schema reports those)."""
    entries = data.get(table)
    return [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)] \
        if isinstance(entries, list) else []


def _cross_checks(data):
    """What one entry cannot know alone: repeated codes, counters naming unknown services.
    Run on the data as written, so these come out together with the schema's mistakes."""
    mistakes = []

    def unique(table, key, vi_what, en_what):
        seen = set()
        for index, entry in _entries(data, table):
            value = entry.get(key)
            if value is None or not isinstance(value, (str, int)):
                continue
            if value in seen:
                mistakes.append(Mistake((table, index, key),
                                        f"{vi_what} {value!r} bị trùng với một mục trước",
                                        f"{en_what} {value!r} repeats an earlier entry"))
            seen.add(value)

    unique("services", "code", "mã dịch vụ", "service code")
    unique("services", "letter", "chữ cái", "ticket letter")
    unique("counters", "number", "số quầy", "counter number")
    unique("priority_groups", "code", "mã nhóm ưu tiên", "priority group code")
    booking = data.get("booking")
    booked_letter = booking.get("letter", "H") if isinstance(booking, dict) else None
    enabled = isinstance(booking, dict) and booking.get("enabled") is True
    for index, entry in _entries(data, "services") if enabled else ():
        if entry.get("letter") == booked_letter:
            mistakes.append(Mistake(("services", index, "letter"),
                                    f"chữ cái {booked_letter!r} là dãy số của khách đặt lịch "
                                    "([booking] letter)",
                                    f"letter {booked_letter!r} is the booked series "
                                    "([booking] letter)"))
    codes = {entry.get("code") for _, entry in _entries(data, "services")}
    for index, counter in _entries(data, "counters"):
        served = counter.get("services")
        for code in served if isinstance(served, list) else ():
            if isinstance(code, str) and code not in codes:
                mistakes.append(Mistake(("counters", index, "services"),
                                        f"dịch vụ {code!r} không có trong [[services]]",
                                        f"service {code!r} is not in [[services]]"))
    return mistakes


# Vietnamese for pydantic's error types; the English comes from pydantic itself.
_VI = {
    "missing": "thiếu khóa bắt buộc",
    "extra_forbidden": "khóa không hợp lệ (viết sai?)",
    "unexpected_keyword_argument": "khóa không hợp lệ (viết sai?)",
    "string_type": "phải là chuỗi trong ngoặc kép",
    "int_type": "phải là số nguyên (không có ngoặc kép)",
    "float_type": "phải là số (không có ngoặc kép)",
    "bool_type": "phải là true hoặc false",
    "list_type": "phải là danh sách [...] hoặc [[bảng]]",
    "tuple_type": "phải là danh sách [...]",
    "dataclass_type": "phải là một bảng [...]",
    "model_type": "phải là một bảng [...]",
    "dict_type": "phải là một bảng [...]",
    "string_pattern_mismatch": "không đúng dạng",
    "string_too_short": "không được để trống",
    "too_short": "cần ít nhất {min_length} mục",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải từ {le} trở xuống",
    "literal_error": "phải là một trong: {expected}",
}

_EN_PATTERN = {  # pydantic prints the regular expression; say what it means instead
    r"^[A-Za-z0-9_-]{1,32}$": ("1-32 chữ cái không dấu, chữ số, '-' hoặc '_'",
                               "1-32 letters, digits, '-' or '_'"),
    r"^[A-Z]{1,2}$": ("1-2 chữ in hoa A-Z", "1-2 capital letters A-Z"),
}


def _mistake(error):
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "site_rule":
        return Mistake(error["loc"], ctx["vi"], ctx["en"])
    en = "required key missing" if kind == "missing" else error["msg"]
    vi = _VI.get(kind, "giá trị không hợp lệ").format(**ctx).replace("' or '", "' hoặc '")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _EN_PATTERN:
        vi_rule, en_rule = _EN_PATTERN[ctx["pattern"]]
        vi, en = f"{vi}: {vi_rule}", f"must be {en_rule}"
    if kind not in ("missing", "extra_forbidden", "unexpected_keyword_argument") and \
            not isinstance(error["input"], (dict, list)):
        en += f", got {error['input']!r}"
    return Mistake(tuple(error["loc"]), vi, en)
