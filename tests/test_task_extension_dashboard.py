"""A leader account decides a unit's extension request on the task page (issue 16, part 1:
"leader: approve extensions"), against the real task workflow (tests/test_task_actions.py's
stack: a dev server, the worker, the drill directory delivering to a local fake Zalo).

The unit asks through its own link (the reminder fake Zalo received); the task page shows
the request to everyone, with buttons for a leader only; an office user and a viewer are
refused (403) with their own session, and nothing changes; the leader approves: the
workflow's deadline moves, the timeline names who decided, the unit is told; a second
approval is refused (409) and changes nothing. A second request declined from the page
keeps the deadline and tells the unit.
"""
from __future__ import annotations

import re
from datetime import timedelta

from test_task_actions import LINK, csrf, page_path, quiet, said, stack, today, visible, vn, wait_for  # noqa: F401


async def ask_for_more_time(stack, task, new_due, reason: str) -> None:
    """The unit's request, through the link of the reminder it received."""
    import httpx

    link = LINK.search(said(stack.zalo, "unit-chat", task.title)[0]).group(0)
    path = "/" + link.split("/", 3)[3]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://dondoc.test",
                                 headers={"origin": "http://dondoc.test"}) as unit:
        token = csrf((await unit.get(path)).text)
        sent = await unit.post(path + "/extend", data={"csrf_token": token, "new_due": vn(new_due), "reason": reason})
    assert sent.status_code == 200 and "Đã gửi đề nghị gia hạn" in sent.text, sent.text[:2000]


def decision(page: str, choice: str, note: str = "") -> dict:
    form = page.split('action="/dashboard/tasks/', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'name="(request_id|cycle)" value="([^"]*)"', form))
    return {"csrf_token": csrf(form), "decision": choice, "note": note, **fields}


async def test_a_leader_approves_and_declines_from_the_task_page(stack):
    from worker import build_worker

    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start("Số hóa hồ sơ địa chính (gia hạn)")
        before = (await stack.status(task.id)).due
        asked = today() + timedelta(days=30)
        await ask_for_more_time(stack, task, asked, "Chờ bố trí kinh phí")
        leader, office, viewer = [await stack.client(n) for n in ("lanhdao", "vanphong", "chixem")]
        page = (await leader.get(page_path(task.id))).text
        shown = visible(page)
        assert "Đề nghị gia hạn" in shown and f"đề nghị gia hạn đến ngày {vn(asked)}" in shown
        assert "Chờ bố trí kinh phí" in shown and "Đồng ý gia hạn" in shown
        for reader in (office, viewer):
            other = (await reader.get(page_path(task.id))).text
            assert f"đề nghị gia hạn đến ngày {vn(asked)}" in visible(other) and "Đồng ý gia hạn" not in other
            forged = await reader.post(page_path(task.id) + "/extension",
                                       data={**decision(page, "approve"), "csrf_token": csrf(other)})
            assert forged.status_code == 403 and "Không có quyền" in forged.text
        assert (await stack.status(task.id)).due == before  # the forged POSTs changed nothing

        done = await leader.post(page_path(task.id) + "/extension", data=decision(page, "approve", "Đồng ý"))
        assert done.status_code == 303 and done.headers["location"].endswith("?extension=approved#gia-han")
        assert (await stack.status(task.id)).due == asked.isoformat()
        after = visible((await leader.get(done.headers["location"])).text)
        assert "Đã đồng ý gia hạn" in after and "người đồng ý: lanhdao (Lãnh đạo)" in after
        assert "Lãnh đạo đồng ý gia hạn" in after and "Đồng ý gia hạn" not in after.split("Diễn biến")[0]
        await wait_for(lambda: said(stack.zalo, "unit-chat", task.title, vn(asked)), 20, "the unit told")
        again = await leader.post(page_path(task.id) + "/extension", data=decision(page, "approve"))
        assert again.status_code == 409 and "đã được đồng ý hoặc từ chối" in again.text
        assert len(stack.events(task.id, "extension_approved")) == 1
        assert stack.events(task.id, "extension_approved")[0]["decided_by"] == "lanhdao (Lãnh đạo)"

        later = asked + timedelta(days=20)
        await ask_for_more_time(stack, task, later, "Chờ thẩm định lần hai")
        page = (await leader.get(page_path(task.id))).text
        told = len(said(stack.zalo, "unit-chat", task.title))
        no = await leader.post(page_path(task.id) + "/extension", data=decision(page, "decline", "Chưa đủ căn cứ"))
        assert no.status_code == 303 and no.headers["location"].endswith("?extension=declined#gia-han")
        assert (await stack.status(task.id)).due == asked.isoformat()  # unchanged
        await wait_for(lambda: len(said(stack.zalo, "unit-chat", task.title)) > told, 20, "the decline told")
        assert "Chưa đủ căn cứ" in said(stack.zalo, "unit-chat", task.title)[-1]
        await quiet(1)
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")
