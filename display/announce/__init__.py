"""Announcements for the wall display: "Mời công dân có số thứ tự A025 đến quầy số 3".

The server calls::

    from display.announce import Announcer
    announcer = Announcer(clips_dir=..., cache_dir=..., number_reading="digits")
    result = announcer.audio_for_call("A025", 3)   # ValueError on bad input
    # send result.path (audio/wav); result.source is "clips", "espeak" or "chime"

Modules: ``numbers`` (Vietnamese number words), ``phrase`` (the call phrase and its clip
names), ``chime`` (the generated ding-dong), ``pcm`` (WAV reading/joining with the stdlib),
``announcer`` (the sources in order, and the cache). See ``docs/announcements.md``.
"""
from .announcer import AudioResult, Announcer
from .chime import make_chime
from .numbers import number_tokens, number_words
from .pcm import ClipFormatError
from .phrase import CallPhrase, build_call_phrase, site_clip_names

__all__ = ["Announcer", "AudioResult", "CallPhrase", "ClipFormatError", "build_call_phrase",
           "make_chime", "number_tokens", "number_words", "site_clip_names"]
