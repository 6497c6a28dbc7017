"""The links of a task that still work, and revoking one (the standing office): a link
forwarded to the wrong person, or sent to an address that is no longer the unit's,
stops working at once; the others go on. GET shows (on the task page, in the action
area of web/templates/_task_actions.html), POST acts; the revocation is on the timeline."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web.access import page
from web.pages import task_href
from web.queries import recipient_name

PURPOSES = {"confirm": "Xác nhận hoàn thành", "extend": "Duyệt gia hạn", "incident": "Báo cáo sự cố",
            "report": "Xem báo cáo"}


def task_links(database_url: str, config, task_id: str, now: datetime) -> list[dict]:
    """The task's live links in words, newest first."""
    from store.links import live_links

    return [dict(link, purpose_label=PURPOSES.get(link["purpose"], link["purpose"]),
                 recipient_name=recipient_name(config, link["recipient"]))
            for link in live_links(database_url, task_id, now)]


@page(act=True)
async def revoke_link(request: Request):
    """Revoke one link of the task; on its timeline with who did it (services/task_actions.py)."""
    from services.task_actions import revoke_link as revoke

    task_id = str(request.state.form.get("task_id", ""))
    done = await asyncio.to_thread(revoke, request.app.state.settings.database_url, request.path_params["link_id"],
                                   task_id, request.state.user.username, datetime.now(timezone.utc))
    back = task_href(task_id) + f"?revoked={'1' if done else '0'}#duong-dan"
    return RedirectResponse(back, status_code=303)


def routes(settings, config) -> list[Route]:
    return [Route("/dashboard/links/{link_id}/revoke", revoke_link, methods=["POST"])]
