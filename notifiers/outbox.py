"""``outbox://RECIPIENT``: an Apprise channel that stores the message in the
``outbox`` table instead of sending it, so a newcomer with no Zalo bot or SMTP
server sees every message the engine would send (dashboard: Outbox).

The database is ``DONDOC_DATABASE_URL`` (else the settings' default, SQLite in the
data folder), read at send time; notifiers/transport.py sets ``database_url`` on
the instance from the environment it was given. The tables must exist (``./dondoc
up`` migrates); a failure to store is a failed send with its reason logged.
"""
from __future__ import annotations

import os
from typing import Any

from apprise.common import NotifyFormat, NotifyType
from apprise.manager_plugins import NotificationManager
from apprise.plugins.base import NotifyBase

SCHEMA = "outbox"


def database_url_from(environ) -> str:
    from config.settings import load_settings

    return environ.get("DONDOC_DATABASE_URL") or load_settings(dict(environ)).database_url


class NotifyOutbox(NotifyBase):
    service_name = "dondoc outbox"
    service_url = "https://github.com/"  # required by Apprise's plugin checks; not contacted
    protocol = SCHEMA
    secure_protocol = SCHEMA
    notify_format = (NotifyFormat.TEXT, NotifyFormat.HTML, NotifyFormat.MARKDOWN)
    title_maxlen = 1000
    body_maxlen = 1_000_000
    templates = ("{schema}://{recipient}",)
    template_tokens = dict(NotifyBase.template_tokens, recipient={"name": "Recipient", "type": "string"})

    def __init__(self, recipient: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recipient = recipient
        self.database_url: str | None = None  # None: read the environment at send time
        self.delivery_key: str | None = None  # the delivery this text is for (set by notifiers/transport.py)

    def send(self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO,
             **kwargs: Any) -> bool:
        from store.db import session_scope
        from store.models import OutboxMessage

        url = self.database_url or database_url_from(os.environ)
        try:
            with session_scope(url) as session:
                session.add(OutboxMessage(recipient=self.recipient, title=title or "", body=body or "",
                                          delivery_key=self.delivery_key))
        except Exception as exc:  # the reason becomes the delivery's error text
            self.logger.warning("Could not store the message in the outbox: %s: %s",
                                type(exc).__name__, str(exc).splitlines()[0][:300])
            return False
        self.logger.info("Stored a message for %s in the outbox.", self.recipient)
        return True

    @property
    def url_identifier(self):
        return (SCHEMA, self.recipient)

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        params = self.url_parameters(privacy=privacy, *args, **kwargs)
        return "{}://{}?{}".format(SCHEMA, self.quote(self.recipient, safe=""), self.urlencode(params))

    def __len__(self) -> int:
        return 1

    @staticmethod
    def parse_url(url: str):
        results = NotifyBase.parse_url(url, verify_host=False)
        if not results:
            return results
        parts = [NotifyBase.unquote(results.get("host") or "")]
        parts += NotifyBase.split_path(results.get("fullpath") or "")
        results["recipient"] = "/".join(p for p in parts if p)
        return results


def register() -> None:
    """Make ``outbox://`` known to Apprise (idempotent; no I/O)."""
    manager = NotificationManager()  # a singleton: Apprise's own plugin table
    if SCHEMA not in manager:
        manager.add(NotifyOutbox, schemas=SCHEMA)
