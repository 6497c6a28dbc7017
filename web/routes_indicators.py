"""The dashboard's indicator page (behind a login): per plan and per responsible unit,
each indicator's target, latest value and judgement, met first or missing first, and
the values a person must judge (``unclear``) with the reason. Read-only: the store
through services/indicator_views.py."""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.routing import Route

from domain.indicator_values import status_words
from web.access import page
from web.indicator_board import as_of_day, board, plan_choices, unit_choices
from web.pages import render


@page
async def indicators_page(request: Request):
    from services.indicator_views import indicator_items

    settings, config = request.app.state.settings, request.app.state.config
    filters = {k: request.query_params.get(k, "").strip() for k in ("plan", "unit", "sort", "as_of")}
    filters["sort"] = filters["sort"] if filters["sort"] in ("met", "missing") else "missing"
    day, error = as_of_day(filters["as_of"])
    items = await asyncio.to_thread(indicator_items, settings.database_url, config, plan=filters["plan"] or None,
                                    as_of=day)
    data = board(items, unit=filters["unit"], sort=filters["sort"])
    return render(request, "indicators.html", {
        **data, "filters": filters, "errors": {"as_of": error} if error else {}, "units": unit_choices(items),
        "plans": await asyncio.to_thread(plan_choices, settings.database_url), "status_words": status_words})


def routes(settings, config) -> list:
    return [Route("/dashboard/indicators", indicators_page)]
