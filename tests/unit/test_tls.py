"""The run's throwaway CA and certificates (stackcheck/tls.py), checked with Python's own TLS."""

import os
import socket
import ssl
import threading
from pathlib import Path

import pytest

from stackcheck import tls


def handshake(issued: tls.Issued, trust: Path, host: str) -> None:
    """One TLS handshake on loopback: a server with `issued`, a client trusting `trust`."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(issued.fullchain, issued.key)
    client_ctx = ssl.create_default_context(cafile=str(trust))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass
        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with socket.create_connection(("127.0.0.1", port)) as raw, client_ctx.wrap_socket(raw, server_hostname=host):
                pass
        finally:
            thread.join(5)


def test_the_certificate_verifies_against_its_ca_for_every_host(tmp_path):
    issued = tls.issue(tmp_path, ["127.0.0.1", "localhost"])
    handshake(issued, issued.ca, "127.0.0.1")
    handshake(issued, issued.ca, "localhost")


def test_a_certificate_for_another_name_is_refused(tmp_path):
    issued = tls.issue(tmp_path, ["localhost"])
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        handshake(issued, issued.ca, "127.0.0.1")


def test_a_renewal_keeps_the_ca_and_changes_the_key(tmp_path):
    first = tls.issue(tmp_path, ["127.0.0.1"])
    ca, cert, key = first.ca.read_bytes(), first.fullchain.read_bytes(), first.key.read_bytes()
    second = tls.issue(tmp_path, ["127.0.0.1"])
    assert second.ca.read_bytes() == ca, "a renewal must stay trusted by clients that trust the CA"
    assert second.fullchain.read_bytes() != cert and second.key.read_bytes() != key
    handshake(second, second.ca, "127.0.0.1")


def test_trust_adds_the_ca_to_the_public_roots_for_every_client(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "environ", dict(os.environ))  # this run's own trust stays as it is
    issued = tls.issue(tmp_path, ["127.0.0.1"])
    (tmp_path / "trust").mkdir()
    bundle = tls.trust(issued.ca, tmp_path / "trust")
    assert os.environ["SSL_CERT_FILE"] == os.environ["REQUESTS_CA_BUNDLE"] == str(bundle)
    assert os.environ["NODE_EXTRA_CA_CERTS"] == str(issued.ca)
    text = bundle.read_text()
    assert issued.ca.read_text().strip() in text and text.count("BEGIN CERTIFICATE") > 100  # certifi's roots too
    handshake(issued, bundle, "127.0.0.1")
