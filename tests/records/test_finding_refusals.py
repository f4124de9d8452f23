"""Bad decisions are refused with a clear 4xx and write nothing: files too large, too many, of a
type not read here or not what their name says (the bytes are checked, not the name), empty; an
empty or missing reason; a decision the finding's state does not allow; a finding that does not
exist; a body that is not a form or JSON. On the API and on the dashboard alike."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest

from tests.builders import County, initial, row_counts
from tests.builders import at as moment
from tests.records.builders import (
    csrf,
    findings,
    office,
    registered_never_filed,
    signed_in,
)

MB = 1024 * 1024
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\0" * 32
EXE = b"MZ\x90\x00" + b"\0" * 60
FULL = PDF + b"0" * (10 * MB - len(PDF))  # as large as one file may be


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["时间", "来源"])  # type: ignore[union-attr]
    book.save(buffer)
    return buffer.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
FORM = {"decision": "confirm", "reason": "核实属实"}
Files = list[tuple[str, tuple[str, bytes, str]]]


def _files(*named: tuple[str, bytes]) -> Files:
    return [("file", (name, data, "application/octet-stream")) for name, data in named]


def _post(
    c: County, finding_id: int, *, data: Any = None, files: Files | None = None, **kw: Any
) -> Any:
    return c.client.post(
        f"/api/v1/findings/{finding_id}/decision",
        data=data,
        files=files,
        headers={**office(c), **kw.pop("headers", {})},
        **kw,
    )


BAD_DECISIONS = [  # (data, files, status, code, field), by id
    pytest.param(
        FORM,
        _files(("大.pdf", PDF + b"0" * (10 * MB))),
        413,
        "evidence_file_too_large",
        "file",
        id="file-over-10MB",
    ),
    pytest.param(
        FORM,
        _files(("1.pdf", FULL), ("2.pdf", FULL), ("3.pdf", PDF + b"0" * 99_999)),
        413,
        "evidence_too_large",
        None,
        id="files-over-20MB-together",
    ),
    pytest.param(
        FORM,
        _files(*[(f"{n}.png", PNG) for n in range(6)]),
        413,
        "too_many_files",
        "file",
        id="six-files",
    ),
    pytest.param(
        FORM, _files(("报告.pdf", EXE)), 415, "evidence_type", "file", id="program-named-pdf"
    ),
    pytest.param(FORM, _files(("照片.pdf", PNG)), 415, "evidence_type", "file", id="png-named-pdf"),
    pytest.param(
        FORM,
        _files(("a.docx", _zip("a.txt"))),
        415,
        "evidence_type",
        "file",
        id="zip-named-docx",
    ),
    pytest.param(
        FORM, _files(("a.xlsx", DOCX)), 415, "evidence_type", "file", id="docx-named-xlsx"
    ),
    pytest.param(
        FORM,
        _files(("a.exe", b"plain words")),
        415,
        "evidence_type",
        "file",
        id="extension-not-read",
    ),
    pytest.param(
        FORM,
        _files(("noname", b"plain words")),
        415,
        "evidence_type",
        "file",
        id="no-extension",
    ),
    pytest.param(
        FORM,
        _files(("a.txt", b"\x00\x01binary")),
        415,
        "evidence_type",
        "file",
        id="binary-named-txt",
    ),
    pytest.param(FORM, _files(("空.pdf", b"")), 422, "invalid", "file", id="empty-file"),
    pytest.param(
        {"decision": "confirm", "reason": "  "},
        None,
        422,
        "invalid",
        "reason",
        id="blank-reason",
    ),
    pytest.param({"decision": "confirm"}, None, 422, "invalid", "reason", id="no-reason"),
    pytest.param(
        {"decision": "confirm", "reason": "长" * 2001},
        None,
        422,
        "invalid",
        "reason",
        id="reason-too-long",
    ),
    pytest.param(
        {"decision": "approve", "reason": "x"},
        None,
        422,
        "invalid",
        "decision",
        id="unknown-decision",
    ),
    pytest.param(
        {"decision": "reopen", "reason": "x"},
        None,
        409,
        "finding_move_not_allowed",
        None,
        id="reopen-a-candidate",
    ),
]


def test_bad_decisions_on_the_api_are_refused_and_write_nothing(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)  # one county for every case: faster
    [finding] = findings(c, incident_id)
    before = row_counts(database_url)
    for case in BAD_DECISIONS:
        data, files, status, code, field = case.values
        answer = _post(c, finding["id"], data=data, files=files)
        assert answer.status_code == status, (case.id, answer.text)
        error = answer.json()["error"]
        assert error["code"] == code, (case.id, error)
        assert error["message"] and not error["message"].startswith("error."), (case.id, error)
        if field:
            assert field in [f["field"] for f in error["fields"]], (case.id, error)
            assert all(not f["problem"].startswith("problem.") for f in error["fields"]), error
        assert row_counts(database_url) == before, case.id


NOT_DECISIONS = [  # (body, content type, status)
    (b"decision=confirm", "text/plain", 415),
    (b"", "", 415),
    (b"--x\r\nnonsense", "multipart/form-data; boundary=x", 422),
    (b"--x\r\n", "multipart/form-data", 422),  # no boundary
    (b"{", "application/json", 422),
    (b"[]", "application/json", 422),
    (b'{"decision": "confirm", "reason": "x", "extra": 1}', "application/json", 422),
    (b'{"decision": 1, "reason": "x"}', "application/json", 422),
    (b"reason=%ZZ%FF&decision=confirm", "application/x-www-form-urlencoded", 422),
]


def test_bodies_that_are_not_decisions_are_4xx(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    before = row_counts(database_url)
    for body, content_type, status in NOT_DECISIONS:
        headers = {"Content-Type": content_type} if content_type else {}
        answer = _post(c, finding["id"], content=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert row_counts(database_url) == before, body


def test_a_body_declaring_more_than_the_limit_is_413_before_it_is_read(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    answer = _post(
        c,
        finding["id"],
        content=b"x",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(64 * MB)},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "too_large")


def test_an_unknown_finding_is_404_and_a_malformed_id_422(database_url: str) -> None:
    c, _ = registered_never_filed(database_url)
    before = row_counts(database_url)
    for finding_id, status in (("999", 404), ("0", 404), ("9223372036854775808", 404), ("x", 422)):
        path = f"/api/v1/findings/{finding_id}"
        answer = c.client.post(path + "/decision", json=FORM, headers=office(c))
        assert answer.status_code == status, (finding_id, answer.text)
        assert c.client.get(path, headers=office(c)).status_code == status
        assert c.client.get(path + "/evidence/1", headers=office(c)).status_code == status
    assert row_counts(database_url) == before
    assert c.client.get("/api/v1/incidents/999/findings", headers=office(c)).status_code == 404


def test_the_accepted_types_are_read_by_their_bytes(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    files = _files(
        ("通报.pdf", PDF),
        ("现场.JPG", JPG),
        ("截图.png", PNG),
        ("说明.docx", DOCX),
        ("台账.xlsx", _xlsx()),
    )
    answer = _post(c, finding["id"], data=FORM, files=files)
    assert answer.status_code == 201, answer.text
    types = [(f["filename"], f["media_type"]) for f in answer.json()["decisions"][0]["files"]]
    assert types == [
        ("通报.pdf", "application/pdf"),
        ("现场.JPG", "image/jpeg"),
        ("截图.png", "image/png"),
        ("说明.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]
    text = _files(
        ("记录.txt", "电话记录：11:40 已知情".encode()), ("旧.txt", "国标".encode("gb18030"))
    )
    answer = _post(c, finding["id"], data={"decision": "dismiss", "reason": "x"}, files=text)
    assert [f["media_type"] for f in answer.json()["decisions"][1]["files"]] == [
        "text/plain; charset=utf-8",
        "text/plain; charset=gb18030",
    ]
    # a path in the name is dropped: only its last part is kept
    answer = _post(
        c,
        finding["id"],
        data={"decision": "reopen", "reason": "x"},
        files=_files(("../../etc/说明.txt", b"ok")),
    )
    assert answer.json()["decisions"][2]["files"][0]["filename"] == "说明.txt"


def test_deciding_twice_the_same_way_is_a_conflict(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    assert _post(c, finding["id"], json=FORM).status_code == 201
    before = row_counts(database_url)
    again = _post(c, finding["id"], json=FORM)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "finding_move_not_allowed")
    assert (
        "已认定" in again.json()["error"]["message"]
        or "confirmed" in again.json()["error"]["message"]
    )
    assert row_counts(database_url) == before


def test_confirming_a_concealment_needs_evidence(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url, tick_at=None)
    c.clock.set(moment(15, 40))
    late = initial(
        incident_id=incident_id,
        occurred_at=moment(11, 30).isoformat(),
        learned_at=moment(11, 40).isoformat(),
    )
    assert c.post(late).status_code == 201
    [suspected] = [f for f in findings(c, incident_id) if f["kind"] == "concealment_suspected"]
    assert suspected["params"] == {"minutes": 240}
    before = row_counts(database_url)
    answer = _post(c, suspected["id"], json=FORM)
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["evidence"]
    assert row_counts(database_url) == before
    answer = _post(
        c, suspected["id"], json={**FORM, "evidence": "县公安局接警记录：11:35 已通知该镇"}
    )
    assert answer.status_code == 201 and answer.json()["state"] == "confirmed"
    # dismissing needs no evidence
    answer = _post(c, suspected["id"], json={"decision": "dismiss", "reason": "复核不成立"})
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("files", "data", "status", "shown"),
    [
        (_files(("大.pdf", PDF + b"0" * (10 * MB))), FORM, 413, "佐证文件过大：大.pdf"),
        (_files(("报告.pdf", EXE)), FORM, 415, "报告.pdf 不是可接受的文件"),
        (None, {"decision": "confirm", "reason": ""}, 422, "必填"),
        (None, {"decision": "", "reason": "x"}, 422, "须为以下之一"),
    ],
)
def test_bad_decisions_on_the_dashboard_come_back_with_the_problem_and_write_nothing(
    database_url: str, files: Files | None, data: dict[str, str], status: int, shown: str
) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    signed_in(c, "head")
    token = csrf(c, incident_id)
    before = row_counts(database_url)
    answer = c.client.post(
        f"/incidents/{incident_id}/findings/{finding['id']}",
        data={"csrf_token": token, **data},
        files=files,
    )
    assert answer.status_code == status
    assert shown in answer.text and f'id="finding-{finding["id"]}-action" open' in answer.text
    assert row_counts(database_url) == before


def test_an_unknown_finding_on_the_dashboard_is_404(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    signed_in(c, "head")
    token = csrf(c, incident_id)
    for path in (f"/incidents/{incident_id}/findings/999", "/incidents/999/findings/1"):
        answer = c.client.post(path, data={"csrf_token": token, **FORM})
        assert answer.status_code == 404
    assert c.client.get(f"/incidents/{incident_id}/findings/1/evidence/1").status_code == 404
