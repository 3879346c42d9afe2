"""virtual://: a printer that keeps the bytes and draws them, for previews, demos and tests.

virtual://?paper=58mm&profile=epson-tm-t82-tcvn3&status=paper_low
The status parameter lets a demo or a test show how the kiosk reacts to a printer fault.
"""

from __future__ import annotations

from ..escpos_preview import preview_image, preview_png
from ..printer_status import MESSAGES, make_status
from ..profiles import DEFAULT_PROFILE, get_profile
from .base import Printer


class VirtualPrinter(Printer):
    bidirectional = False

    def __init__(self, url, *, paper="80mm", profile=DEFAULT_PROFILE, status="ok", **kwargs):
        super().__init__(url, **kwargs)
        self.profile = get_profile(profile) if isinstance(profile, str) else profile
        self.paper = paper
        self.width_dots = self.profile.paper_dots(paper)
        if status not in MESSAGES:
            raise ValueError(f"status must be one of {sorted(MESSAGES)}")
        self._status = status
        self.jobs: list[bytes] = []

    @classmethod
    def from_url(cls, url, parts, **params):
        return cls(url, **params)

    def send(self, data: bytes) -> None:
        self.jobs.append(bytes(data))

    def status(self):
        return make_status(self._status)

    @property
    def data(self) -> bytes:
        return b"".join(self.jobs)

    def image(self, job: int | None = None):
        """The paper as a Pillow image: one job by index, or everything sent so far."""
        return preview_image(self.data if job is None else self.jobs[job],
                             self.width_dots, self.profile)

    def png(self, job: int | None = None) -> bytes:
        return preview_png(self.data if job is None else self.jobs[job],
                           self.width_dots, self.profile)

    def save_png(self, path, job: int | None = None) -> None:
        with open(path, "wb") as out:
            out.write(self.png(job))
