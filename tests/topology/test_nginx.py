"""deploy/nginx as shipped, run by a real nginx in front of two fake hosts on loopback.

Only the addresses change: the hosts' become the fake servers', the listening ports free ones,
the certificate a throwaway one.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = REPO_ROOT / "deploy" / "nginx"


class FakeHost:
    """A host's web app: answers every request with its own name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.connections: set[socket.socket] = set()

    def start(self) -> None:
        name, connections = self.name, self.connections

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                connections.add(self.connection)

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"host": name}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Gone as a crashed host is: no listener, and nginx's kept-alive connections cut."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connections.clear()


@dataclass
class Front:
    http_url: str
    https_url: str
    hosts: dict[str, FakeHost]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.https_url, verify=False, timeout=10)


def rendered(folder: Path, hosts: dict[str, FakeHost], http_port: int, https_port: int) -> Path:
    site = (DEPLOY / "motcua.conf").read_text(encoding="utf-8")
    for address, host in (("10.0.0.11:8000", hosts["a"]), ("10.0.0.12:8000", hosts["b"])):
        assert address in site
        site = site.replace(address, f"127.0.0.1:{host.port}")
    for listen, port in (("listen 80;", http_port), ("listen 443 ssl http2;", https_port)):
        assert listen in site
        site = site.replace(listen, listen.replace(" 80;", f" 127.0.0.1:{port};")
                            .replace(" 443 ", f" 127.0.0.1:{port} "))
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    site = site.replace("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(folder / "cert.pem"))
    site = site.replace("/etc/ssl/private/ssl-cert-snakeoil.key", str(folder / "key.pem"))
    site = site.replace("include motcua-proxy.conf;", f"include {DEPLOY / 'motcua-proxy.conf'};")
    (folder / "motcua.conf").write_text(site, encoding="utf-8")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    temp = "".join(f"{kind}_temp_path {folder / kind};\n" for kind in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{temp}include {folder / 'motcua.conf'};\n}}\n",
        encoding="utf-8")
    return main


@pytest.fixture
def front(tmp_path: Path) -> Iterator[Front]:
    """nginx and two fresh hosts for each test: nginx remembers failed hosts and rates."""
    if not Path(NGINX).exists():  # as scripts/test-redis.sh does for Redis: Debian's package
        subprocess.run("DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light"
                       " || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q"
                       " --no-install-recommends nginx-light; }", shell=True, check=False, capture_output=True)
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed and could not be: apt-get install nginx-light")
    folder = tmp_path
    hosts = {name: FakeHost(name) for name in ("a", "b")}
    for host in hosts.values():
        host.start()
    http_port, https_port = free_port(), free_port()
    config = rendered(folder, hosts, http_port, https_port)
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([NGINX, "-c", str(config)], stderr=subprocess.PIPE)
    front = Front(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", hosts)
    try:
        with front.client() as client:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                try:
                    client.get("/static/x")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
        yield front
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(30)
        for host in hosts.values():
            host.stop()


def test_plain_http_is_sent_to_https(front: Front) -> None:
    response = httpx.get(front.http_url + "/phan-anh/", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"].startswith("https://")


def test_a_browser_stays_on_one_host_and_moves_when_it_is_down(front: Front) -> None:
    with front.client() as client:
        seen = {client.get(f"/phan-anh/?page={i}").json()["host"] for i in range(8)}
        assert len(seen) == 1  # its chat's inbox and outbox live on that host
        pinned = seen.pop()
        other = "b" if pinned == "a" else "a"
        front.hosts[pinned].stop()
        # The host is gone: the very request that finds it down is answered by the other.
        answers = [client.post("/api/chat", json={"message": "xin chào", "id": f"m{i}"}) for i in range(3)]
        assert [(r.status_code, r.json()["host"]) for r in answers] == [(200, other)] * 3


def test_platform_webhooks_go_to_the_channels_host(front: Front) -> None:
    with front.client() as client:
        assert client.post("/zalo/webhook", json={}).json()["host"] == "a"
        front.hosts["a"].stop()
        assert client.post("/zalo/webhook", json={}).json()["host"] == "b"  # the backup


def test_a_citizen_sending_too_fast_is_told_to_wait(front: Front) -> None:
    with front.client() as client:
        answers = [client.post("/api/chat", json={"message": "xin chào", "id": f"b{i}"}) for i in range(100)]
    refused = [r for r in answers if r.status_code == 429]
    assert answers[0].status_code == 200 and refused  # the burst allowance, then refusals
    for response in refused:
        assert int(response.headers["Retry-After"]) > 0
        assert "đợi" in response.json()["error"]


def test_no_host_left_says_busy_with_retry_after(front: Front) -> None:
    for host in front.hosts.values():
        host.stop()
    with front.client() as client:
        chat = client.post("/api/chat", json={"message": "xin chào", "id": "down"})
        page = client.get("/")
    assert chat.status_code == 503 and int(chat.headers["Retry-After"]) > 0
    assert "quá tải" in chat.json()["messages"][0]["text"]
    assert page.status_code == 503 and "quá tải" in page.text
