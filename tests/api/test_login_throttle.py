"""Issue 14 §2: sign-in does the same work for unknown names, and failures throttle an (account, address) pair
with growing delays instead of locking the account for everyone (OWASP ASVS 2.2.1)."""
import statistics
import time

from argon2 import extract_parameters

from tests.api.test_frame import assert_error

RIGHT = "correct horse battery staple"


def login(client, username, password=RIGHT, address="10.0.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_unknown_names_cost_as_much_as_known_ones(make_app):
    """A heavier Argon2 setting makes the hash dominate: an unknown name must not answer many times faster."""
    app = make_app(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=32768)
    from tests.conftest import Users

    Users(app).make("officer", username="known-user")
    client = app.test_client()
    known, unknown = [], []
    for n in range(6):  # interleaved, so load on the machine hits both alike
        for name, times in (("known-user", known), (f"nobody-{n}", unknown)):
            started = time.perf_counter()
            assert_error(login(client, name, "wrong password", address=f"10.1.0.{n}"), 401, "invalid_credentials")
            times.append(time.perf_counter() - started)
    assert statistics.median(unknown) > 0.6 * statistics.median(known), (known, unknown)


def test_the_dummy_hash_has_the_configured_parameters(make_app):
    from reporter.accounts.passwords import dummy_hash, hash_password

    app = make_app(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=2048, ARGON2_PARALLELISM=1)
    with app.app_context():
        assert extract_parameters(dummy_hash()) == extract_parameters(hash_password("x" * 12))


def test_failures_throttle_the_pair_not_the_account(client, users, app):
    users.make("reward_approver", username="caiwu")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert_error(login(client, "caiwu", "wrong", address="203.0.113.9"), 401, "invalid_credentials")
    throttled = login(client, "caiwu", address="203.0.113.9")  # even the right password, from that address
    assert_error(throttled, 429, "login_throttled")
    assert int(throttled.headers["Retry-After"]) > 0
    # the owner, elsewhere, signs in as usual; the attacker's address did not lock the account
    assert login(client, "caiwu", address="198.51.100.7").status_code == 200


def test_unknown_and_known_names_get_the_same_answers(client, users, app):
    users.make("admin", username="root-admin")
    limit = app.config["LOGIN_MAX_FAILURES"]
    answers = {}
    for name in ("root-admin", "no-such-admin"):
        seen = [login(client, name, "wrong", address="203.0.113.10") for _ in range(limit + 1)]
        answers[name] = [(r.status_code, r.get_json()["error"], r.get_json()["message"],
                          "Retry-After" in r.headers) for r in seen]
    assert answers["root-admin"] == answers["no-such-admin"]
    assert answers["root-admin"][-1][:2] == (429, "login_throttled")


def test_delays_grow_with_each_failure_after_the_limit(make_app, users):
    # a per-second address limit, so its own Retry-After (the larger of the two is sent) stays out of the way
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_DELAY_S=2, LOGIN_DELAY_MAX_S=8, RATELIMIT_LOGIN="1000/second")
    client = app.test_client()
    users.make("officer", username="wang")
    waits = []
    for _ in range(3):
        while (resp := login(client, "wang", "wrong", address="203.0.113.11")).status_code == 401:
            pass
        assert_error(resp, 429, "login_throttled")
        waits.append(int(resp.headers["Retry-After"]))
        assert waits[-1] <= 8, waits
        while login(client, "wang", "wrong", address="203.0.113.11").status_code == 429:  # refused, not counted
            time.sleep(0.25)
    assert waits[0] < waits[1] < waits[2], waits
    while (resp := login(client, "wang", address="203.0.113.11")).status_code == 429:
        time.sleep(0.25)
    assert resp.status_code == 200  # the delay ends; the owner gets in
    assert login(client, "wang", "wrong", address="203.0.113.11").status_code == 401  # success cleared the count


def test_with_rate_limits_off_sign_in_still_answers(make_app, users):
    """RATELIMIT_ENABLED=0 (tests, benchmarks) turns the throttle off with every other limit — never a 500."""
    users.make("officer", username="no-limits")
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    for _ in range(8):
        assert_error(login(client, "no-limits", "wrong"), 401, "invalid_credentials")
    assert login(client, "no-limits").status_code == 200
