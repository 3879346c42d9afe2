"""Reading a site file from disk, and telling its author what is wrong, line by line.

The engine (`server.engine.site`) checks the parsed data; here the bytes become text (UTF-8,
with or without the BOM Windows editors add), the text becomes TOML, and every mistake found
gets the file's name, the line of the key in the TOML text and a Vietnamese and English
explanation, one line each — never a traceback.
"""
import dataclasses
import difflib
import os
import re
import tomllib
import typing

from .engine.site import Mistake, SiteFile, SiteFileError, site_from_dict

DEMO_SITE = os.path.join(os.path.dirname(__file__), "sites", "demo.toml")


class SiteFileProblem(Exception):
    """A site file that cannot be used; `lines` are ready to print, one per mistake."""

    def __init__(self, lines):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def load_site(path):
    """The Site of a site file, or SiteFileProblem listing every mistake found."""
    return load_site_file(path)[0]


def load_site_file(path):
    """(Site, its [server] table) of a site file; folders in it made relative to the file."""
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{path}:{found.group(1)}" if found else str(path)
        raise SiteFileProblem([f"{where}: lỗi cú pháp TOML — TOML syntax error: {exc}"]) from None
    try:
        site = site_from_dict(data)
        server = SiteFile.model_validate(data).server
    except SiteFileError as exc:
        locate = KeyLines(text)
        in_file_order = sorted(exc.mistakes, key=lambda m: locate.line_of(m.loc) or 0)
        raise SiteFileProblem(describe(path, locate, data, m) for m in in_file_order) from None
    # Folders named in the site file are next to it, whatever the current folder.
    here = os.path.dirname(os.path.abspath(path))
    if site.display.clips_dir:
        site = dataclasses.replace(site, display=dataclasses.replace(
            site.display, clips_dir=os.path.join(here, site.display.clips_dir)))
    if server.instance:
        server = dataclasses.replace(server, instance=os.path.join(here, server.instance))
    return site, server


def load_hub_link(path):
    """The `[hub]` table of a site file (None without one); the file is checked as a whole
    first, so a mistake anywhere in it is reported as `load_site` reports it."""
    load_site_file(path)
    return SiteFile.model_validate(tomllib.loads(_read_text(path))).hub


def _read_text(path):
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise SiteFileProblem([f"{path}: không đọc được tệp — cannot read the file: "
                               f"{exc.strerror}"]) from None
    try:
        return raw.decode("utf-8-sig")  # a BOM from Notepad is fine
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise SiteFileProblem([
            f"{path}:{line}: tệp không phải UTF-8 (có lẽ lưu theo Windows-1258 hoặc TCVN3); "
            "hãy lưu lại theo UTF-8 — the file is not UTF-8 (perhaps Windows-1258 or TCVN3); "
            "save it as UTF-8"]) from None


def describe(path, locate, data, mistake):
    """One printable line: FILE:LINE: KEY: Vietnamese — English."""
    line = locate.line_of(mistake.loc)
    where = f"{path}:{line}" if line else str(path)
    vi, en = mistake.vi, mistake.en
    if mistake.en.startswith(("Extra inputs", "Unexpected keyword")):
        hint = _closest_key(mistake.loc)
        if hint:
            vi, en = f"{vi}; có phải là {hint!r}?", f"unknown key; did you mean {hint!r}?"
        else:
            en = "unknown key"
    return f"{where}: {key_name(data, mistake.loc)}: {vi} — {en}"


def key_name(data, loc):
    """How a TOML author names the place: [site] name, [[services]] #2 letter, [[counter]]."""
    if not loc:
        return "(tệp / file)"
    head, rest = loc[0], list(loc[1:])
    value = data.get(head) if isinstance(data, dict) else None
    if rest and isinstance(rest[0], int):
        table = f"[[{head}]] #{rest.pop(0) + 1}"
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        table = f"[[{head}]]"
    elif isinstance(value, dict) or (value is None and head in SiteFile.model_fields and rest):
        table = f"[{head}]"
    else:
        table = head
    return " ".join([table, ".".join(str(part) for part in rest)]) if rest else table


def _closest_key(loc):
    """The known key nearest to a misspelt one, from the schema of its section."""
    known = _known_keys(loc[:-1])
    if not known or not isinstance(loc[-1], str):
        return None
    close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    return close[0] if close else None


def _known_keys(section_loc):
    """The keys of the section at `section_loc` (the top level when empty)."""
    if not section_loc:
        return list(SiteFile.model_fields)
    field = SiteFile.model_fields.get(section_loc[0])
    section = _section_class(field.annotation) if field else None
    return [f.name for f in dataclasses.fields(section)] if section else []


def _section_class(annotation):
    """The dataclass inside an annotation such as `list[Service] | None`."""
    if dataclasses.is_dataclass(annotation):
        return annotation
    for arg in typing.get_args(annotation):
        found = _section_class(arg)
        if found:
            return found
    return None


class KeyLines:
    """Where each table and key of a TOML text is, so a mistake can name its line.

    A plain scan of headers (`[site]`, `[[services]]`, counted) and `key =` lines is enough
    for site files; a place it cannot find falls back to its nearest enclosing table.
    """
    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
    KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")

    def __init__(self, text):
        self.lines = {}
        counts = {}
        table = ()
        in_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                in_string = line.count('"""') % 2 == 0
                continue
            header = self.HEADER.match(line)
            if header:
                name = header.group(2)
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (name, index)
                    self.lines.setdefault((name,), number)
                else:
                    table = (name,)
                self.lines.setdefault(table, number)
                continue
            key = self.KEY.match(line)
            if key:
                self.lines.setdefault(table + (key.group(1).strip('"'),), number)
            in_string = line.count('"""') % 2 == 1

    def line_of(self, loc):
        loc = tuple(loc)
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


__all__ = ["DEMO_SITE", "KeyLines", "Mistake", "SiteFileProblem", "load_site"]
