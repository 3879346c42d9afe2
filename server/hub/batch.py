"""What a site may send the hub: a batch of its events, checked before anything is written.

pydantic checks the shape (every event has site_id, seq, type, at; a body is a flat-enough
JSON object); the rules between events (one site, consecutive seqs) are checked here too, so
the store only ever sees a well-formed run of one site's log.
"""
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, \
    ValidationError

MAX_EVENTS = 1000  # per batch; the agent sends 500 (docs/hub.md)

EventType = Annotated[StrictStr, Field(pattern=r"^[a-z_]{1,32}$")]
Day = Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class Event(BaseModel):
    model_config = ConfigDict(extra="allow")  # the body of each event type is the site's
    site_id: StrictStr
    seq: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
    type: EventType
    at: StrictFloat | StrictInt
    day: Day | None = None


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eligible_citizens: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = None
    deadline: Day | None = None


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sent_at: StrictFloat | StrictInt | None = None  # the site's clock when it sent the batch
    campaign: Campaign | None = None
    site: dict | None = None  # the site's settings (site_to_dict), checked by site_from_dict
    events: Annotated[list[Event], Field(max_length=MAX_EVENTS)]


class BadBatch(ValueError):
    def __init__(self, message_vi, message_en):
        super().__init__(message_en)
        self.message_vi, self.message_en = message_vi, message_en


def parse_batch(site_id, data):
    """(events as plain dicts, sent_at, campaign dict, settings dict) or BadBatch."""
    try:
        batch = Batch.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadBatch(f"Lô dữ liệu không hợp lệ ({where}).", f"{where}: {first['msg']}") from None
    events = [dict(e) for e in data["events"]]  # checked above; kept as the site wrote them
    for event in events:
        if event["site_id"] != site_id:
            raise BadBatch("Sự kiện của điểm cấp khác.",
                           f"event {event['seq']} belongs to site {event['site_id']!r}, "
                           f"not {site_id!r}")
    for before, after in zip(events, events[1:]):
        if after["seq"] != before["seq"] + 1:
            raise BadBatch("Các sự kiện phải liên tiếp.",
                           f"events must have consecutive seqs ({before['seq']} then "
                           f"{after['seq']})")
    campaign = batch.campaign.model_dump(exclude_none=True) if batch.campaign else None
    if batch.site is not None:
        from ..engine.site import SiteFileError, site_from_dict
        try:
            if site_from_dict(batch.site).id != site_id:
                raise BadBatch("Cấu hình của điểm cấp khác.", f"site: not {site_id!r}'s settings")
        except SiteFileError as exc:
            raise BadBatch("Cấu hình điểm cấp không hợp lệ.", f"site: {exc}") from None
    return events, batch.sent_at, campaign, batch.site
