"""A real local HTTP server standing in for WeChat's API (jscode2session, token, subscribe-message send)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class WeChatStub:
    """Configurable behaviour per code; records every request it receives."""

    def __init__(self):
        self.codes: dict[str, dict] = {}      # wx.login code -> JSON answer
        self.delay_s = 0.0                    # answer this late (to exceed the client's timeout)
        self.down = False                     # answer 502 to everything
        self.requests: list[dict] = []
        self.sent_messages: list[dict] = []   # subscribe-message sends accepted
        self.send_errcode = 0                 # errcode answered to subscribe-message sends
        self.token_calls = 0
        self.raw: dict[str, tuple[int, bytes]] = {}  # path -> (HTTP status, body bytes) answered as they are
        self.raw_bytes_written = 0            # how much of raw bodies got out before the client stopped reading
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "WeChatStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.codes.clear()
            self.delay_s = 0.0
            self.down = False
            self.requests.clear()
            self.sent_messages.clear()
            self.send_errcode = 0
            self.token_calls = 0
            self.raw.clear()
            self.raw_bytes_written = 0

    def login_code(self, code: str, openid: str) -> None:
        """Make `code` exchange to `openid`."""
        self.codes[code] = {"openid": openid, "session_key": "sk-" + openid}

    def answer_raw(self, path: str, status: int, body: bytes) -> None:
        """Answer every request to `path` with this status and these bytes (any size, any content)."""
        self.raw[path] = (status, body)

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (timeout tests)

            def _answer_raw(self, path: str) -> bool:
                if path not in stub.raw:
                    return False
                status, body = stub.raw[path]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for start in range(0, len(body), 65536):
                        self.wfile.write(body[start:start + 65536])
                        with stub.lock:
                            stub.raw_bytes_written += len(body[start:start + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading
                return True

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with stub.lock:
                    stub.requests.append({"method": "GET", "path": url.path, "query": query})
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                if stub.down:
                    return self._answer(502, {"errcode": -1, "errmsg": "down"})
                if self._answer_raw(url.path):
                    return None
                if url.path == "/sns/jscode2session":
                    answer = stub.codes.get(query.get("js_code"), {"errcode": 40029, "errmsg": "invalid code"})
                    return self._answer(200, answer)
                if url.path == "/cgi-bin/token":
                    with stub.lock:
                        stub.token_calls += 1
                    return self._answer(200, {"access_token": f"tok-{stub.token_calls}", "expires_in": 7200})
                return self._answer(404, {"errcode": 404})

            def do_POST(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with stub.lock:
                    stub.requests.append({"method": "POST", "path": url.path, "query": query, "body": body})
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                if stub.down:
                    return self._answer(502, {"errcode": -1, "errmsg": "down"})
                if self._answer_raw(url.path):
                    return None
                if url.path == "/cgi-bin/message/subscribe/send":
                    if stub.send_errcode:
                        return self._answer(200, {"errcode": stub.send_errcode, "errmsg": "refused"})
                    with stub.lock:
                        stub.sent_messages.append({"query": query, "body": body})
                    return self._answer(200, {"errcode": 0, "errmsg": "ok"})
                return self._answer(404, {"errcode": 404})

        return Handler
