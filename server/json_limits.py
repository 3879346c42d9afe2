"""JSON from clients, parsed without letting its shape hurt the server.

Python's parser recurses once per nesting level: 5,000 nested brackets raised RecursionError,
which Flask answered as a 500 and python-socketio dropped without a word. Every body the
server accepts is a flat object, so anything nested deeper than MAX_DEPTH is refused with a
reason (HTTP 400 `too_deep`; over Socket.IO the event's acknowledgement says so).
"""
from engineio import json as _engineio_json
from json import JSONDecodeError, dumps  # noqa: F401 - this module stands in for `json`
import re

MAX_DEPTH = 32


class TooDeep:
    """Stands for an event's payload that was nested too deeply to be read."""


def depth(value):
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in
                         (item.values() if isinstance(item, dict) else item))
    return deepest


def too_deep(text_loader, text):
    """Parse with `text_loader`; returns (value, False) or (None, True) when too deep."""
    try:
        value = text_loader(text)
    except RecursionError:
        return None, True
    return (None, True) if depth(value) > MAX_DEPTH else (value, False)


_EVENT_NAME = re.compile(r'^\s*\[\s*"([^"\\]{1,64})"')


def loads(text, *args, **kwargs):
    """python-socketio's and engine.io's `json.loads`: a too-deep packet keeps its event name
    and carries a TooDeep payload, so the handler refuses it in its acknowledgement."""
    value, deep = too_deep(lambda t: _engineio_json.loads(t, *args, **kwargs), text)
    if not deep:
        return value
    name = _EVENT_NAME.match(text) if isinstance(text, str) else None
    if name is None:
        raise ValueError("JSON nested too deeply")
    return [name.group(1), TooDeep()]
