"""Incidents: the activities the incident workflow calls.

Activities (class ``IncidentActivities``, holding its dependencies):
  - ``incident_recipients``: the unit, its lead official and the supervisors from the
    directory, resolved once when the incident opens (the chain is copied into the
    incident, as Grafana OnCall copies it into an alert);
  - ``record_incident``: the store projection -- the ``incidents`` row and one
    timeline event, idempotent by the event's key so a retried activity logs once.

Opening, reading and reporting an incident from the web or the command line live in
services/incidents.py and services/incident_views.py.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from temporalio import activity

from config.loader import Config
from contracts.incidents import IncidentProjection, RecipientsRequest, RecipientsResult
from domain.directory import Directory
from domain.recipients import keys_only, resolve
from store.people_channels import people_directory


# -- recipients ---------------------------------------------------------------------

def resolve_recipients(directory: Directory, unit_key: str, levels: list[str]) -> RecipientsResult:
    """The unit, its lead official and the supervisors, as delivery recipients. An
    unknown unit is reported missing: an incident's unit was checked when it opened."""
    found = resolve(directory, [unit_key], list(levels), unknown_unit="missing")
    # Keys only: the incident carries its recipients in history (see activities/tasks.py).
    return RecipientsResult(recipients=[keys_only(r) for r in found.recipients], missing=found.missing,
                            standing_office=keys_only(found.standing_office))


# -- the store projection --------------------------------------------------------------

def write_projection(database_url: str, p: IncidentProjection, now: datetime | None = None) -> bool:
    """Upsert the incident row and add the event; False when the event was there already."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Event, Incident

    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        row = session.get(Incident, p.incident_id)
        if row is None:
            row = Incident(id=p.incident_id)
            session.add(row)
        row.unit, row.title, row.severity = p.unit, p.title, p.severity
        row.detected_at, row.due_at = p.detected_at, p.due_at
        # Never reopen in the store what the workflow has closed (an older retried
        # write arriving late must not undo the report).
        if row.status != "reported" or p.status == "reported":
            row.status, row.result = p.status, p.result
            row.reported_at, row.report = p.reported_at, p.report
        if not p.event_key:
            return True
        exists = session.scalar(select(Event.id).where(Event.key == p.event_key))
        if exists is not None:
            return False
        session.add(Event(at=now, subject_id=p.incident_id, kind=p.event_kind, key=p.event_key,
                          data=p.event_data))
        return True


class IncidentActivities:
    """The incident workflow's activities, holding the store URL and the configuration."""

    def __init__(self, database_url: str, config: Config) -> None:
        self.database_url = database_url
        self.config = config

    @activity.defn(name="incident_recipients")
    async def recipients(self, request: RecipientsRequest) -> RecipientsResult:
        directory = await asyncio.to_thread(people_directory, self.database_url, self.config)
        return resolve_recipients(directory, request.unit_key, list(request.levels))

    @activity.defn(name="record_incident")
    async def record(self, projection: IncidentProjection) -> bool:
        return await asyncio.to_thread(write_projection, self.database_url, projection)
