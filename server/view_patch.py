"""A display's push as what changed since the one before (issue 15).

A wall display's view is ~4 kB, most of it the same from call to call: the site's name, every
service's names and descriptions, counters nobody touched. Cheap TV sticks spend most of a
push decoding it. A display that joins with `"deltas": true` gets the whole view once (at
join, and whenever it asks with `snapshot`), then for each change only a patch:

    {"seq": 41, "base": 40, "patch": {
        "set":   {"day_open": true},                        # top-level keys replaced whole
        "grow":  {"recent_calls": {"add": [{...}], "len": 10}},  # new items in front, cut to len
        "items": {"counters": {"0": {"serving": "A005"}}}}} # fields of list items by index

`base` is the `seq` of the push it applies to: a page holding another seq (it missed a push,
or it just joined) asks for a snapshot instead of applying it. Static parts cost nothing
once sent: a field that did not change is simply not in the patch. The page's side is
QMS.applyPatch (server/static/core/qms.js); the two must agree on these three parts.
"""


def _grown(old, new):
    """How many items `new` has in front of `old`'s first ones (a new call pushes the list
    down), or None when `new` is not `old` with items added in front and the tail cut."""
    for k in range(1, len(new)):  # at least one old item stays, or it is a new list
        if new[k:] == old[:len(new) - k]:
            return k
    return None


def _item_changes(old, new):
    """Per index, the changed fields of list items that keep their shape; None when the list
    changed shape (length, or an item that is not a record with the same fields)."""
    if len(old) != len(new):
        return None
    changes = {}
    for i, (a, b) in enumerate(zip(old, new)):
        if a == b:
            continue
        if not (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()):
            return None
        changes[str(i)] = {k: v for k, v in b.items() if a[k] != v}
    return changes


def view_patch(old, new):
    """The patch that turns view `old` into view `new` (both plain JSON objects); `seq` is the
    push's own, not part of the patch."""
    patch = {}
    for key, value in new.items():
        if key == "seq" or old.get(key, _MISSING) == value:
            continue
        before = old.get(key)
        if isinstance(value, list) and isinstance(before, list):
            grown = _grown(before, value)
            if grown is not None:
                patch.setdefault("grow", {})[key] = {"add": value[:grown], "len": len(value)}
                continue
            changes = _item_changes(before, value)
            if changes is not None:
                patch.setdefault("items", {})[key] = changes
                continue
        patch.setdefault("set", {})[key] = value
    # A key the new view no longer has is sent as null: views keep one shape, so this is
    # only a safety net for a page that reads it.
    for key in old.keys() - new.keys():
        patch.setdefault("set", {})[key] = None
    return patch


_MISSING = object()
