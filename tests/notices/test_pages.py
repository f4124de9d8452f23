"""The notice pages: /notices for the office's people (the candidates to draft, the drafts and
the published notices; forms only for a section head or an admin), a notice's page as draft and
as published, discarding a draft, the incident page's link, a unit officer's view (its own
approved notices only) and the pages in English."""

from __future__ import annotations

from tests.builders import at
from tests.dashboard.accounts import csrf_from
from tests.notices.builders import (
    LATE_TITLE,
    approve,
    candidate,
    draft,
    late_and_missed,
    listed,
)
from tests.records.builders import signed_in

LATE = f"关于千岛湖镇迟报“{LATE_TITLE}”的通报"


def test_the_list_for_the_office_and_who_gets_forms(database_url: str) -> None:
    c, late_incident, _ = late_and_missed(database_url)
    source = candidate(c, "late")["source"]
    signed_in(c, "duty")
    page = c.client.get("/notices")
    assert page.status_code == 200 and 'href="/notices" aria-current="page"' in page.text
    assert "待起草" in page.text and "1 小时" in page.text and LATE_TITLE in page.text
    assert "按报送时限自动认定" in page.text
    assert 'name="source"' not in page.text, "the duty room reads; the section head drafts"

    signed_in(c, "admin")
    page = c.client.get("/notices")
    assert f'name="source" value="{source}"' in page.text
    drafted = c.client.post(
        "/notices",
        data={"csrf_token": csrf_from(page.text), "source": source},
        follow_redirects=False,
    )
    assert drafted.status_code == 303 and drafted.headers["location"].endswith("?done=drafted")
    notice_url = drafted.headers["location"].split("?")[0]
    draft_page = c.client.get(drafted.headers["location"]).text
    assert "已起草，请核对事实和整改要求后审批" in draft_page and LATE in draft_page
    assert "千岛湖镇：" in draft_page and "草稿" in draft_page
    assert f'action="{notice_url}/approval"' in draft_page
    listing = c.client.get("/notices").text
    assert "没有待起草的事项" in listing and f'href="{notice_url}"' in listing

    incident = c.client.get(f"/incidents/{late_incident}").text
    assert f'href="{notice_url}"' in incident, "the incident page links its notices"

    signed_in(c, "leader")
    read = c.client.get(notice_url).text
    assert LATE in read and f'action="{notice_url}/approval"' not in read

    signed_in(c, "qdh")
    assert c.client.get(notice_url).status_code == 404, "a draft is not the unit's to read"
    mine = c.client.get("/notices").text
    assert "县值班室发给本单位的通报" in mine and LATE_TITLE not in mine
    assert f'href="{notice_url}"' not in c.client.get(f"/incidents/{late_incident}").text


def test_discarding_a_draft_puts_its_source_back(database_url: str) -> None:
    c, _, _ = late_and_missed(database_url)
    source = candidate(c, "late")["source"]
    notice = draft(c, source).json()["id"]
    signed_in(c, "head")
    token = csrf_from(c.client.get(f"/notices/{notice}").text)
    gone = c.client.post(
        f"/notices/{notice}/discard", data={"csrf_token": token}, follow_redirects=False
    )
    assert (gone.status_code, gone.headers["location"]) == (303, "/notices?done=discarded")
    page = c.client.get(gone.headers["location"]).text
    assert "草稿已撤销" in page and f'value="{source}"' in page
    assert c.client.get(f"/notices/{notice}").status_code == 404
    assert [s["source"] for s in listed(c)["candidates"]] == [source]


def test_a_published_notice_as_the_unit_reads_it_and_in_english(database_url: str) -> None:
    c, late_incident, _ = late_and_missed(database_url)
    notice = draft(c, candidate(c, "late")["source"]).json()["id"]
    c.clock.set(at(10, day=23))
    assert approve(c, notice).status_code == 200
    signed_in(c, "qdh")
    page = c.client.get(f"/notices/{notice}").text
    assert "〔2026〕第1号" in page and "已发布" in page and "县政府总值班室" in page
    assert "张值班" in page and "王书记" in page, "who was emailed"
    assert "实际于2026年11月21日11:00收到，迟报 1 小时" in page
    assert 'name="requirements"' not in page
    timeline = c.client.get(f"/incidents/{late_incident}").text
    assert "发布通报〔2026〕第1号：迟报（千岛湖镇，县政府总值班室）" in timeline

    c.client.get("/lang/en?next=/notices")
    english = c.client.get("/notices").text
    assert (
        "Notices" in english and "The notices the county office has sent to your unit." in english
    )
    one = c.client.get(f"/notices/{notice}").text
    assert "What it rests on" in one and "Late by" in one and "1 h" in one
