"""The site file is checked whole: every mistake is one line with file, line, key, in
Vietnamese and English; `qms check-site` says the same without serving."""
import subprocess
import sys

import pytest

from server.site_file import SiteFileProblem, load_site
from support import inprocess
from support.server_process import ROOT
from site_texts import cp1258, demo_text, edited


def problems(tmp_path, content, name="site.toml"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SiteFileProblem) as info:
        load_site(str(path))
    return path, info.value.lines


def line_of(text, needle, nth=1):
    """1-based line number of the nth line containing needle."""
    found = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[nth - 1]


def test_the_issue_mistakes_each_on_its_line(tmp_path):
    text = edited(
        ("[site]\nid", '[site]\nnmae = "Phường"\nid'),               # misspelt key in [site]
        ("[[counters]]\nnumber = 1", "[[counter]]\nnumber = 1"),     # counter 1 not dropped silently
        ("expected_service_minutes = 20", 'expected_service_minutes = 20\ndaily_cap_x = 1'),
        ("daily_cap = 80", 'daily_cap = "120"'),                     # a string, not a number
        ('name_vi = "Nhận thẻ Căn cước"\n', ""),                    # missing name_vi
        ("no_show = \"requeue_once\"", "no_show = \"requeue\""),
        append='\n[[priority_groups]]\nname_vi = "Người cao tuổi"\n'   # a group without code
               '\n[[priority_groups]]\ncode = "merit"\nname_vi = "A"\n'
               '\n[[priority_groups]]\ncode = "merit"\nname_vi = "B"\n'
               '\n[hours]\nopen = "07:30"\n')
    path, lines = problems(tmp_path, text)
    expected = {
        "[site] nmae": line_of(text, "nmae ="),
        "[policy] no_show": line_of(text, "no_show ="),
        "[[services]] #3 name_vi": line_of(text, "[[services]]", 3),
        "[[services]] #5 daily_cap_x": line_of(text, "daily_cap_x"),
        "[[services]] #5 daily_cap": line_of(text, 'daily_cap = "120"'),
        "[[counter]]": line_of(text, "[[counter]]"),
        "[[priority_groups]] #1 code": line_of(text, "[[priority_groups]]", 1),
        "[[priority_groups]] #3 code": line_of(text, 'code = "merit"', 2),
        "[hours]": line_of(text, "[hours]"),
    }
    assert len(lines) == len(expected), "\n".join(lines)
    for key, line in expected.items():
        matching = [entry for entry in lines if entry.startswith(f"{path}:{line}: {key}: ")]
        assert len(matching) == 1, (key, line, lines)
        # Vietnamese first, then English, on the same line.
        assert " — " in matching[0]
    said = "\n".join(lines)
    assert "có phải là 'name'?" in said and "did you mean 'name'?" in said
    assert "did you mean 'counters'?" in said
    assert "phải là số nguyên" in said and "got '120'" in said
    assert "thiếu khóa bắt buộc" in said and "required key missing" in said
    assert "bị trùng" in said and "repeats an earlier entry" in said


SIXTH_SERVICE = '[[services]]\ncode = "CCCD"\nletter = "F"\nname_vi = "X"\nname_en = "X"\n\n'


@pytest.mark.parametrize("old,new,key,vi,at", [
    ('letter = "C"', 'letter = "B"', "[[services]] #3 letter", "chữ cái 'B' bị trùng",
     ('letter = "B"', 2)),
    ("[[counters]]", SIXTH_SERVICE + "[[counters]]", "[[services]] #6 code",
     "mã dịch vụ 'CCCD' bị trùng", ('code = "CCCD"', 2)),
    ("number = 2", "number = 1", "[[counters]] #2 number", "số quầy 1 bị trùng",
     ("number = 1", 2)),
    ('services = ["VEHICLE"]', 'services = ["VEHICLES"]', "[[counters]] #5 services",
     "'VEHICLES' không có trong [[services]]", ("VEHICLES", 1)),
    ('letter = "A"', 'letter = "a1"', "[[services]] #1 letter", "1-2 chữ in hoa", ("a1", 1)),
    ("utc_offset_minutes = 420", 'utc_offset_minutes = "+7"', "[site] utc_offset_minutes",
     "phải là số nguyên", ("utc_offset", 1)),
    ("auto_open_day = true", 'auto_open_day = "yes"', "[policy] auto_open_day",
     "true hoặc false", ("auto_open_day", 1)),
    # A rule over two keys points at its table.
    ("number_end = 999", "number_end = 1", "[[services]] #1:", "number_start phải nhỏ hơn",
     ("[[services]]", 1)),
    ("[display]\nnotice", "[display]\nnotise", "[display] notise", "có phải là 'notice'?",
     ("notise", 1)),
])
def test_one_mistake_one_line(tmp_path, old, new, key, vi, at):
    text = edited((old, new))
    path, lines = problems(tmp_path, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{line_of(text, *at)}: {key}"), lines
    assert vi in lines[0]


def test_a_bom_is_accepted_and_a_cp1258_file_refused_clearly(tmp_path):
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + demo_text().encode("utf-8"))
    assert load_site(str(bom)).name == "Công an phường Bến Nghé — Điểm cấp Căn cước"

    path, lines = problems(tmp_path, cp1258(demo_text()), "cp1258.toml")
    first_accent = line_of(demo_text(), "Công an phường")
    assert lines == [f"{path}:{first_accent}: tệp không phải UTF-8 (có lẽ lưu theo Windows-1258 "
                     "hoặc TCVN3); hãy lưu lại theo UTF-8 — the file is not UTF-8 (perhaps "
                     "Windows-1258 or TCVN3); save it as UTF-8"]


def test_toml_syntax_and_a_missing_file(tmp_path):
    path, lines = problems(tmp_path, edited(('[site]\nid = "demo-ben-nghe"', '[site]\nid = demo')))
    assert len(lines) == 1 and lines[0].startswith(f"{path}:5: lỗi cú pháp TOML — TOML syntax")
    with pytest.raises(SiteFileProblem) as info:
        load_site(str(tmp_path / "nowhere.toml"))
    assert "không đọc được tệp — cannot read the file" in info.value.lines[0]


def qms(*args):
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_check_site_and_serve_say_the_same_without_a_traceback(tmp_path):
    good = inprocess.qms("check-site", str(ROOT) + "/server/sites/demo.toml")
    assert good.returncode == 0 and "OK" in good.stdout and "5 quầy / counters" in good.stdout

    path = tmp_path / "site.toml"
    path.write_text(edited(("[[counters]]\nnumber = 1", "[[counter]]\nnumber = 1"),
                           ("daily_cap = 80", 'daily_cap = "120"')), encoding="utf-8")
    checked = inprocess.qms("check-site", path)  # serve below: in its own process
    assert checked.returncode == 1
    lines = checked.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}:") for line in lines)

    served = qms("serve", "--site", str(path), "--instance", str(tmp_path / "instance"))
    assert served.returncode == 1
    assert served.stderr.strip().splitlines() == lines
    assert "Traceback" not in served.stderr + checked.stderr
