"""Checking what clients send: a JSON object with typed fields, or a clear refusal.

Refusals use the engine's `Refused` so the HTTP API and the Socket.IO handlers answer bad
input and broken rules in one shape: {"code", "message" (Vietnamese), "message_en"}.
"""
from .engine import Refused


def bad_input(message_vi, message_en, code="bad_input", status=400):
    return Refused(code, message_vi, message_en, status)


class Payload:
    def __init__(self, data):
        if data is None:
            data = {}
        from .json_limits import MAX_DEPTH, TooDeep
        if isinstance(data, TooDeep):
            raise bad_input(f"Dữ liệu lồng quá sâu (tối đa {MAX_DEPTH} tầng).",
                            f"Payload nested too deeply (at most {MAX_DEPTH} levels).", "too_deep")
        if not isinstance(data, dict):
            raise bad_input("Dữ liệu gửi lên phải là một đối tượng JSON.",
                            "The body must be a JSON object.")
        self.data = data

    def _get(self, name, required):
        if name not in self.data or self.data[name] is None:
            if required:
                raise bad_input(f"Thiếu trường «{name}».", f"Field {name!r} is required.",
                                code="missing_field")
            return None
        return self.data[name]

    def int(self, name, required=True, low=0, high=10**9):
        value = self._get(name, required)
        if value is None:
            return None
        # bool is an int in Python; a JSON true is not a counter number.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad_input(f"Trường «{name}» phải là số nguyên từ {low} đến {high}.",
                            f"Field {name!r} must be an integer in {low}..{high}.",
                            code="bad_field")
        return value

    def str(self, name, required=True, max_length=200):
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise bad_input(f"Trường «{name}» phải là chuỗi tối đa {max_length} ký tự.",
                            f"Field {name!r} must be a string of at most {max_length} characters.",
                            code="bad_field")
        return value

    def bool(self, name, required=True):
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise bad_input(f"Trường «{name}» phải là true/false.",
                            f"Field {name!r} must be a boolean.", code="bad_field")
        return value
