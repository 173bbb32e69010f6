"""Report submission benchmark: POST /api/v1/reports with 3 already-uploaded photos through the whole Flask stack
(auth, validation, Idempotency-Key, photo attachment, duplicate search, routing, case, EXIF and reuse checks, one
commit), against GET /api/v1/health through the same test client in the same run, interleaved (one request at a
time, no queueing: the health check is the bare cost of a request through the stack). Target: a report submission
costs at most TARGET health checks; exits 1 on a miss.

Uses a fresh SQLite file (or DATABASE_URL, e.g. a scratch PostgreSQL database), migrated and loaded with the
reference data. Photos are uploaded beforehand (not timed); each report gets a point of its own in 宁陕县.

    .venv/bin/python bench/reports.py [N]
"""
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402

from bench.verdict import Verdict  # noqa: E402
from reporter import create_app  # noqa: E402
from reporter.accounts.models import AuthSession, User, UserRole  # noqa: E402
from reporter.accounts.tokens import issue_tokens  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.privacy.consent import accept, current_notice  # noqa: E402
from reporter.reference import load_all  # noqa: E402

ORIGIN = (33.2800, 108.2800)  # 宁陕县, WGS-84
STEP = 0.004  # ~440 m apart: every report opens a case of its own (the heavier path)
TARGET = 150  # a report submission (3 photos attached, duplicate search, routing, case) in health checks


def make_app(tmp: str):
    app = create_app({
        "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.db"),
        "UPLOAD_ROOT": f"{tmp}/uploads", "RATELIMIT_ENABLED": False, "ACCESS_LOG": False,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "JWT_SECRET_KEY": "bench-jwt-secret-0123456789abcdef0123456789",
        "CONTACT_ENCRYPTION_KEYS": "bench-contact-key", "PAYEE_INDEX_KEYS": "bench-payee-index-key",
    })
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        user = User(wechat_openid="openid-bench", display_name="居民", role_rows=[UserRole(role="resident")])
        db.session.add(user)
        db.session.flush()
        accept(user, current_notice().version)  # residents report only under the privacy notice in force
        session = AuthSession(user_id=user.id, method="wechat")
        db.session.add(session)
        db.session.flush()
        token = issue_tokens(user, session, fresh=False)["access_token"]
        db.session.commit()
        db.session.remove()
    return app, {"Authorization": f"Bearer {token}"}


def photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8), "RGB").resize((640, 480))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(client, headers, seed: int) -> str:
    resp = client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(photo(seed)), "p.jpg"), "purpose": "report"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def main(n: int) -> None:
    verdict = Verdict("reports")
    with tempfile.TemporaryDirectory() as tmp:
        app, headers = make_app(tmp)
        client = app.test_client()
        print(f"uploading {3 * (n + 1)} photos (not timed) …", flush=True)
        bodies = []
        for i in range(n + 1):
            where = (ORIGIN[0] + STEP * (i // 20), ORIGIN[1] + STEP * (i % 20))
            bodies.append({"category": "illegal_logging", "description": "山上有人砍伐树木，已砍倒多棵",
                           "location": {"lat": where[0], "lng": where[1]}, "anonymous": False,
                           "wants_reward": True, "contact": {"name": "张三", "phone": "13800138000"},
                           "photo_ids": [upload(client, headers, 3 * i + k) for k in range(3)]})
        pending = iter(enumerate(bodies))

        def submit():
            i, body = next(pending)
            resp = client.post("/api/v1/reports", json=body, headers={**headers, "Idempotency-Key": f"bench-{i}"})
            assert resp.status_code == 201, resp.get_json()

        def health():
            assert client.get("/api/v1/health").status_code == 200

        submit(), health()  # warm-up
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(n):
            for fn, bucket in ((submit, times[0]), (health, times[1])):
                started = time.perf_counter()
                fn()
                bucket.append(time.perf_counter() - started)
        reports_s, health_s = 1 / statistics.median(times[0]), 1 / statistics.median(times[1])
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, reports: {n}")
        print(f"POST /api/v1/reports (3 photos): {reports_s:8.1f} reports/s "
              f"(median {1000 / reports_s:.1f} ms, p95 {1000 * statistics.quantiles(times[0], n=20)[18]:.1f} ms)")
        print(f"GET  /api/v1/health:             {health_s:8.1f} requests/s (median {1000 / health_s:.2f} ms)")
        verdict.at_most("report submission / health check (median times)", health_s / reports_s, TARGET)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    verdict.exit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
