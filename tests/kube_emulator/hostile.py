"""
Kubernetes API servers that misbehave on purpose, on 127.0.0.1, for the limits of the Kubernetes source.

Plain sockets, so that every byte and every pause is the test's choice:

- `endless_pages`: every list answers one valid object and a fresh `continue` token, forever;
- `huge_body`: a 200 whose body never ends (announced with a Content-Length, or not);
- `drip_body`: a 200 whose body comes one byte every `interval` seconds;
- `drip_headers`: a status line, then the headers one byte every `interval` seconds;
- `deep_json`: a list nested 100,000 levels deep, in a body of 200 kB.

`sent` counts the body bytes the server managed to send before the client hung up, so a test can show
the client stopped reading; `requests` counts the requests it got.
"""
import json
import socket
import threading
import time
import uuid

__all__ = ("BEHAVIOURS", "HostileKubeServer")

BEHAVIOURS = ("endless_pages", "huge_body", "huge_body_unannounced", "drip_body", "drip_headers", "deep_json")


def _switch(name):
    return {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch",
            "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4()), "resourceVersion": "1"},
            "spec": {"role": "server-leaf"}}


class HostileKubeServer:
    def __init__(self, behaviour, *, interval=0.3, body_size=512 * 1024 * 1024):
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        self.behaviour = behaviour
        self.interval = interval
        self.body_size = body_size
        self.sent = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._listener = None
        self._thread = None
        self.url = ""

    def start(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, name=f"hostile-{self.behaviour}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _accept(self):
        while not self._stopped.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        with connection:
            try:
                while not self._stopped.is_set() and self._read_request(connection):
                    with self._lock:
                        self.requests += 1
                    if not getattr(self, f"_{self.behaviour}")(connection):
                        return
            except OSError:
                return  # the client hung up: what the tests want

    @staticmethod
    def _read_request(connection):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            data += chunk
        return True

    def _count(self, n):
        with self._lock:
            self.sent += n

    @staticmethod
    def _send_json(connection, body):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                           + str(len(body)).encode() + b"\r\n\r\n" + body)

    def _deep_json(self, connection):
        self._send_json(connection, b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}")
        return True

    def _endless_pages(self, connection):
        body = json.dumps({"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "SwitchList",
                           "metadata": {"resourceVersion": "7", "continue": uuid.uuid4().hex},
                           "items": [_switch(f"leaf-{uuid.uuid4().hex[:8]}")]}).encode()
        self._send_json(connection, body)
        return True  # keep the connection for the next page

    def _huge(self, connection, announced):
        length = f"Content-Length: {self.body_size}\r\n" if announced else "Connection: close\r\n"
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}\r\n".encode())
        connection.sendall(b'{"items": [')
        padding = b'{"metadata": {"name": "x"}}, ' * 4096
        while not self._stopped.is_set() and self.sent < self.body_size:
            connection.sendall(padding)
            self._count(len(padding))
        return False

    def _huge_body(self, connection):
        return self._huge(connection, announced=True)

    def _huge_body_unannounced(self, connection):
        return self._huge(connection, announced=False)

    def _drip_body(self, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        return self._drip(connection, b'{"items": [' + b" " * 100000)

    def _drip_headers(self, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        return self._drip(connection, b"X-Slow: " + b"a" * 60000 + b"\r\n")

    def _drip(self, connection, payload):
        for byte in payload:
            if self._stopped.is_set():
                break
            connection.sendall(bytes([byte]))
            self._count(1)
            time.sleep(self.interval)
        return False
