"""Page links for the dashboard's long lists: each link keeps the list's filters."""
from __future__ import annotations

from urllib.parse import urlencode


def page_href(path: str, filters: dict[str, str], page: int) -> str:
    """``path`` with the filters that are set and the page (none for the first)."""
    query = {k: v for k, v in filters.items() if v}
    if page > 1:
        query["page"] = str(page)
    return f"{path}?{urlencode(query)}" if query else path


def page_links(path: str, filters: dict[str, str], page: int, pages: int, around: int = 2) -> list[dict]:
    """First, last and the pages around the current one; "…" where pages are left out."""
    shown = sorted({1, pages, *range(max(page - around, 1), min(page + around, pages) + 1)})
    links, last = [], 0
    for n in shown:
        if n - last > 1:
            links.append({"label": "…", "href": None, "current": False})
        links.append({"label": str(n), "href": page_href(path, filters, n), "current": n == page})
        last = n
    return links


def page_number(text: str | None) -> int:
    try:
        return max(int(text or 1), 1)
    except ValueError:
        return 1
