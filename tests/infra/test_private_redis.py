"""Each test run has its own Redis: a private redis-server on a free port. No test or benchmark names a database of a
shared server or flushes one, so two runs on one host never destroy each other's state."""
import re
from pathlib import Path

import redis

from tests.support.redis_server import private_redis

ROOT = Path(__file__).resolve().parents[2]
SHARED = re.compile(r"flushdb|flushall|:6379/\d|BENCH_REDIS_DB", re.IGNORECASE)


def test_no_test_or_benchmark_uses_a_shared_redis_database_or_flushes_one():
    offenders = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                 for folder in ("tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))
                 if path != Path(__file__)
                 for n, line in enumerate(path.read_text().splitlines(), 1) if SHARED.search(line)]
    assert offenders == [], "use the redis_url fixture (tests.support.redis_server):\n" + "\n".join(offenders)


def test_the_runs_redis_is_its_own(redis_url):
    assert not redis_url.startswith("redis://127.0.0.1:6379")
    ours = redis.Redis.from_url(redis_url)
    ours.set("reporter-test:probe", "mine")
    with private_redis() as other_url:  # another run's Redis on the same host
        other = redis.Redis.from_url(other_url)
        assert other.get("reporter-test:probe") is None
        other.set("reporter-test:probe", "theirs")
        other.close()
    assert ours.get("reporter-test:probe") == b"mine"
    ours.delete("reporter-test:probe")
    ours.close()
