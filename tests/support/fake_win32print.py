"""A stand-in for pywin32's win32print, for testing the winspool:// transport on Linux.

It keeps what Windows' spooler would be told: which printer was opened, each document's
(name, datafile, datatype) and the bytes written, in order. Printers are a dict
name -> {"Status": flags, "Attributes": flags}; `QMS_FAKE_SPOOL_DIR` (when set) also gets each
RAW document as a file, for a test that runs the agent in another process.
"""
import os
import sys
import types


class error(Exception):  # pywintypes.error: (winerror, funcname, strerror)
    pass


def install(printers=None, spool_dir=None):
    """Put a fresh fake `win32print` into sys.modules; returns it."""
    module = types.ModuleType("win32print")
    module.error = error
    module.printers = dict(printers or {"EPSON TM-T82 Receipt": {"Status": 0, "Attributes": 0}})
    module.calls = []
    module.documents = []  # (printer, (name, datafile, datatype), bytes)
    module.fail_write = False
    module.short_write = False
    spool_dir = spool_dir or os.environ.get("QMS_FAKE_SPOOL_DIR")
    handles = {}

    def OpenPrinter(name, defaults=None):
        module.calls.append(("OpenPrinter", name))
        if name not in module.printers:
            raise error(1801, "OpenPrinter", "The printer name is invalid.")
        handle = object()
        handles[id(handle)] = {"name": name, "doc": None, "data": b""}
        return handle

    def ClosePrinter(handle):
        module.calls.append(("ClosePrinter",))
        handles.pop(id(handle))

    def StartDocPrinter(handle, level, info):
        module.calls.append(("StartDocPrinter", level, info))
        handles[id(handle)]["doc"] = info
        return len(module.documents) + 1

    def StartPagePrinter(handle):
        module.calls.append(("StartPagePrinter",))

    def WritePrinter(handle, data):
        module.calls.append(("WritePrinter", len(data)))
        if not isinstance(data, bytes):
            raise TypeError("WritePrinter wants bytes")
        if module.fail_write:
            raise error(1722, "WritePrinter", "The RPC server is unavailable.")
        taken = data[: len(data) // 2] if module.short_write else data
        handles[id(handle)]["data"] += taken
        return len(taken)

    def EndPagePrinter(handle):
        module.calls.append(("EndPagePrinter",))

    def EndDocPrinter(handle):
        module.calls.append(("EndDocPrinter",))
        job = handles[id(handle)]
        module.documents.append((job["name"], job["doc"], job["data"]))
        if spool_dir:
            path = os.path.join(spool_dir, f"{len(module.documents):04d}.raw")
            with open(path + ".tmp", "wb") as fh:
                fh.write(job["data"])
            os.replace(path + ".tmp", path)

    def GetPrinter(handle, level=2):
        module.calls.append(("GetPrinter", level))
        return dict(module.printers[handles[id(handle)]["name"]], pPrinterName=handles[id(handle)]["name"])

    for fn in (OpenPrinter, ClosePrinter, StartDocPrinter, StartPagePrinter, WritePrinter,
               EndPagePrinter, EndDocPrinter, GetPrinter):
        setattr(module, fn.__name__, fn)
    sys.modules["win32print"] = module
    return module
