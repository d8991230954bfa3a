"""The fault proxy on the wire: a threaded HTTP/1.1 server whose handler reads each request whole,
asks `FaultProxy.choose` for its fault, and answers, forwards or cuts the connection accordingly."""

from __future__ import annotations

import contextlib
import http.client
import socket
import socketserver
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from tests.servers.faults import Entry

if TYPE_CHECKING:
    from tests.servers.faultproxy import FaultProxy

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


def forward(
    proxy: FaultProxy, method: str, path: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """One request to the upstream on a new connection; its whole answer."""
    conn = http.client.HTTPConnection(
        proxy.upstream_host, proxy.upstream_port, timeout=proxy.timeout
    )
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body or method in ("PUT", "POST", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.reason, resp.getheaders(), data
    finally:
        conn.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy

    def __init__(self, address: tuple[str, int], handler: type[Handler]) -> None:
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, handler)

    def cut_connections(self) -> None:
        with self.conn_lock:
            for sock in list(self.connections):
                with contextlib.suppress(OSError):  # wakes its handler, blocked on a read
                    sock.shutdown(socket.SHUT_RDWR)
                reset(sock)


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset (RST), not an orderly FIN, once the handler drops its files."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    timeout = 60
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's, read by `truncate`

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms stalls
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the proxy's own log is `FaultProxy.log()`

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.proxy_one()
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def proxy_one(self) -> None:
        proxy = self.server.proxy
        method, path = self.command, self.path
        body = self.read_body()
        number, fault = proxy.choose(method, path)
        entry = Entry(number, method, path, fault, None)
        if fault == "reset_before":
            proxy.record(entry)
            return self.cut()
        if fault is not None and fault.startswith("status_"):
            status = int(fault.removeprefix("status_"))
            proxy.record(Entry(number, method, path, fault, status))
            return self.answer_fault(status)
        if fault == "delay":
            time.sleep(proxy.delay)
        headers = [
            (k, v) for k, v in self.headers.items() if k.lower() not in {*HOP_BY_HOP, "expect"}
        ]
        try:
            status, reason, resp_headers, data = forward(proxy, method, path, headers, body)
        except OSError:
            proxy.record(entry)
            return self.answer_fault(502)
        proxy.record(Entry(number, method, path, fault, status))
        if fault == "reset_after":
            return self.cut()
        self.send_response_only(status, reason)
        for name, value in resp_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
        length = int(dict((k.lower(), v) for k, v in resp_headers).get("content-length", 0))
        self.send_header("Content-Length", str(length if method == "HEAD" else len(data)))
        if fault == "truncate":
            return self.truncate(data)
        self.end_headers()
        if not no_body:
            self.wfile.write(data)

    def truncate(self, data: bytes) -> None:
        """Full headers and part of the body; a body-less answer loses half its headers."""
        self.send_header("Connection", "close")
        if data:
            self.end_headers()
            self.wfile.write(data[: int(len(data) * self.server.proxy.truncate_at)])
        else:
            head = b"".join(self._headers_buffer)
            self._headers_buffer = []
            self.wfile.write(head[: len(head) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def answer_fault(self, status: int) -> None:
        body = f"fault proxy: injected {status}\n".encode()
        self.send_response_only(status)
        if status == 429:
            self.send_header("Retry-After", self.server.proxy.retry_after)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def cut(self) -> None:
        self.close_connection = True
        reset(self.connection)
