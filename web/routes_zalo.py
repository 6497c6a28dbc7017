"""POST /zalo/webhook: what people send to the Zalo bot, when dondoc has a public https
address (otherwise `dondoc zalo poll` reads the same messages by long polling).

Zalo sends the secret registered with setWebhook in ``X-Bot-Api-Secret-Token``; it is
checked first, in constant time, and a wrong one gets 403 and changes nothing. The
answer goes back at once (Zalo waits only a few seconds); the bot's reply to the
person is sent after the response, by a background task.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
from datetime import datetime, timezone

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET_HEADER = "x-bot-api-secret-token"
MAX_BODY = 64 * 1024
WEBHOOK_PATH = "/zalo/webhook"


def webhook_secret(secret_key: str) -> str:
    """The webhook's secret, derived from the deployment's key (nothing else to keep)."""
    return hmac.new(secret_key.encode(), b"dondoc.zalo.webhook.v1", hashlib.sha256).hexdigest()[:48]


async def zalo_webhook(request: Request) -> JSONResponse:
    settings, config = request.app.state.settings, request.app.state.config
    if not config.zalo.enabled:
        return JSONResponse({"ok": False, "description": "Bot Zalo chưa được cấu hình."}, status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), webhook_secret(settings.secret_key).encode()):
        return JSONResponse({"ok": False, "description": "Sai mã bí mật."}, status_code=403)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"ok": False, "description": "Nội dung quá lớn."}, status_code=413)
    try:
        update = json.loads(body)
    except ValueError:
        return JSONResponse({"ok": False, "description": "Nội dung không phải JSON."}, status_code=400)
    replies: list[tuple[str, str]] = []
    await asyncio.to_thread(_handle, settings.database_url, config, update, replies)
    return JSONResponse({"ok": True}, background=BackgroundTask(_send_replies, config, replies))


def _handle(url: str, config, update, replies: list) -> None:
    from services.zalo_bot import handle_update

    if isinstance(update, dict):
        handle_update(url, update, datetime.now(timezone.utc), lambda chat, text: replies.append((chat, text)),
                      directory=config.directory)


def _send_replies(config, replies: list[tuple[str, str]]) -> None:
    from notifiers.transport import zalo_api_url
    from notifiers.zalo import send_message

    for chat_id, text in replies:
        send_message(zalo_api_url(os.environ), config.zalo.bot_token, chat_id, text)


def register_webhook(settings, config) -> str | None:
    """Tell Zalo where to send messages (a public https address only). Returns the
    problem in Vietnamese, or None when registered or not needed."""
    from notifiers.transport import zalo_api_url
    from notifiers.zalo import set_webhook

    if not config.zalo.enabled or not settings.public_url.startswith("https://"):
        return None
    answer = set_webhook(zalo_api_url(os.environ), config.zalo.bot_token,
                         settings.public_url.rstrip("/") + WEBHOOK_PATH, webhook_secret(settings.secret_key))
    return None if answer.ok else f"Không đăng ký được webhook Zalo: {answer.error}"


def routes(settings, config) -> list[Route]:
    return [Route(WEBHOOK_PATH, zalo_webhook, methods=["POST"])]
