"""Point 3: the plan upload has a hard body limit (20 MiB), read in chunks with a
running count; past it: 413 in Vietnamese and nothing kept. Only admins upload (a
viewer is refused before the body is read). A kept upload goes after its import,
and uploads older than a day go when a new one is kept."""
from __future__ import annotations

import hashlib
import os
import re
import time

from security.helpers import (
    ADMIN_PW,
    ADMIN_TOKEN,
    MIB,
    VIEWER_PW,
    VIEWER_TOKEN,
    bearer,
    csrf_field,
    logged_in,
    raw_post,
)
from web.limits import MAX_UPLOAD_BYTES


def uploads(site):
    folder = site.settings.data_dir / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_limit_is_20_mib():
    assert MAX_UPLOAD_BYTES == 20 * MIB


def test_dashboard_upload_over_the_limit_is_413_and_nothing_is_kept(site):
    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/import").text)
    page = admin.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                      files={"file": ("ke-hoach.txt", b"a\tb\n" * (21 * MIB // 4), "text/plain")})
    assert page.status_code == 413
    assert "quá lớn" in page.text and "20 MB" in page.text and "Không có gì được lưu" in page.text
    assert uploads(site) == []


def test_dashboard_body_is_read_in_chunks_and_dropped_past_the_limit(site):
    """No Content-Length: the running count stops reading a little past 20 MiB, of 40 MiB sent."""
    admin = logged_in(site, "quantri", ADMIN_PW)
    headers = {"content-type": "multipart/form-data; boundary=xyz",
               "cookie": f"dondoc_session={admin.cookies.get('dondoc_session')}"}
    status, _, body, read = raw_post(site.app, "/dashboard/import", headers, chunks=40)
    assert status == 413 and "quá lớn".encode() in body
    assert read <= 21, f"the app read {read} MiB of a body it had to refuse at 20"
    assert uploads(site) == []


def test_a_content_length_over_the_limit_is_refused_before_reading(site):
    admin = logged_in(site, "quantri", ADMIN_PW)
    headers = {"content-type": "multipart/form-data; boundary=xyz", "content-length": str(30 * MIB),
               "cookie": f"dondoc_session={admin.cookies.get('dondoc_session')}"}
    status, _, _, read = raw_post(site.app, "/dashboard/import", headers, chunks=30)
    assert status == 413 and read == 0


def test_a_lying_content_length_does_not_help(site):
    """Content-Length says 1 KiB, the body goes on: the running count still stops it."""
    headers = {"content-length": "1024", **bearer(ADMIN_TOKEN)}
    status, _, body, read = raw_post(site.app, "/api/plans/preview", headers, chunks=40)
    assert status == 413 and read <= 21
    assert "quá lớn" in body.decode()


def test_api_preview_and_import_over_the_limit_are_413(site):
    for path in ("/api/plans/preview", "/api/plans/import"):
        status, headers, body, read = raw_post(site.app, path, bearer(ADMIN_TOKEN), chunks=40,
                                               query="filename=x.txt")
        assert status == 413, path
        assert headers["content-type"].startswith("application/json")
        assert '"too_large"' in body.decode() and "20 MB" in body.decode()
        assert read <= 21
    assert uploads(site) == []


def test_a_viewer_is_refused_before_the_body_is_read(site):
    viewer = logged_in(site, "xem", VIEWER_PW)
    cookie = {"cookie": f"dondoc_session={viewer.cookies.get('dondoc_session')}",
              "content-type": "multipart/form-data; boundary=xyz"}
    status, _, body, read = raw_post(site.app, "/dashboard/import", cookie, chunks=25)
    assert status == 403 and read == 0 and "chỉ được xem" in body.decode()
    for path in ("/api/plans/preview", "/api/plans/import"):
        status, _, body, read = raw_post(site.app, path, bearer(VIEWER_TOKEN), chunks=25)
        assert (status, read) == (403, 0), path
        assert '"forbidden"' in body.decode()
    # And with a small, readable plan too: a viewer does not upload at all.
    token = csrf_field(viewer.get("/dashboard/import").text)
    page = viewer.post("/dashboard/import", data={"csrf_token": token},
                       files={"file": ("x.txt", b"STT\tNhiem vu\n1\tx\n", "text/plain")})
    assert page.status_code == 403 and uploads(site) == []


def test_an_unreadable_file_is_not_kept(site):
    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/import").text)
    page = admin.post("/dashboard/import", data={"csrf_token": token},
                      files={"file": ("x.txt", "chỉ là một dòng chữ".encode(), "text/plain")})
    assert page.status_code == 422 and uploads(site) == []


class Outcome:
    def to_dict(self):
        return {"started": 51, "amended": 0, "unchanged": 0, "completed": 0, "failed": []}


class Connected:
    async def get(self):
        return object()


def test_kept_upload_goes_after_import_and_old_ones_when_a_new_one_comes(site, city_notice, monkeypatch):
    import web.routes_import as routes_import

    async def fake_import(settings, config, result, client=None):
        return Outcome()

    monkeypatch.setattr(routes_import, "import_service", lambda: fake_import)
    site.app.state.temporal = Connected()
    folder = site.settings.data_dir / "uploads"
    folder.mkdir(parents=True)
    (folder / ("0" * 64)).write_bytes(b"old")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(folder / ("0" * 64), (two_days_ago, two_days_ago))
    (folder / ("1" * 64)).write_bytes(b"recent")

    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/import").text)
    data = city_notice.read_bytes()
    page = admin.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                      files={"file": ("003.txt", data, "text/plain")})
    assert page.status_code == 200
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page.text).group(1)
    assert sha == hashlib.sha256(data).hexdigest()
    assert uploads(site) == sorted(["1" * 64, sha])          # the day-old one is gone, the new one kept
    done = admin.post("/dashboard/import", data={"csrf_token": token, "sha256": sha, "plan": "",
                                                 "filename": "003.txt"})
    assert done.status_code == 200 and "Đã nhập kế hoạch" in done.text
    assert uploads(site) == ["1" * 64]                        # imported: removed


def test_a_file_of_exactly_20_mib_is_still_read(site):
    """The limit is on the file: a 20 MiB file (plus the form around it) gets through to the reader."""
    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/import").text)
    page = admin.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                      files={"file": ("lon.txt", b"x" * MAX_UPLOAD_BYTES, "text/plain")})
    assert page.status_code == 422 and "quá lớn" not in page.text   # read, and no plan in it
    assert uploads(site) == []
    over = admin.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                      files={"file": ("lon.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "text/plain")})
    assert over.status_code == 413 and uploads(site) == []
