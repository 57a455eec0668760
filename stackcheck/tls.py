"""Certificates for a run: a throwaway CA, a server certificate it signs, and every client
made to trust that CA the way it trusts a public one.

- httpx, requests (schemathesis, Locust): a bundle of certifi's roots plus the CA, named by
  SSL_CERT_FILE and REQUESTS_CA_BUNDLE for this process and every process it starts; Node
  (Playwright's driver) by NODE_EXTRA_CA_CERTS.
- Chromium: an NSS database under a HOME of its own (Chromium reads $HOME/.pki/nssdb), so the
  browser verifies the chain as a user's would, with no error-ignoring flag.

`python -m stackcheck.tls DIR --host H ...` writes ca.pem, fullchain.pem and privkey.pem for
a host outside the suite (the loopback VPS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 90  # as Let's Encrypt's


@dataclass(frozen=True)
class Issued:
    ca: Path          # the throwaway root, for clients to trust
    fullchain: Path   # the server's certificate, as nginx serves it
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _ca(folder: Path, now: dt.datetime, days: int) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The folder's CA: made on first use, then kept, so a renewed certificate stays trusted."""
    cert_path, key_path = folder / "ca.pem", folder / "ca-key.pem"
    if key_path.exists():
        return (x509.load_pem_x509_certificate(cert_path.read_bytes()),
                serialization.load_pem_private_key(key_path.read_bytes(), password=None))
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"stackcheck throwaway CA {now:%Y-%m-%d %H:%M:%S}")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days + 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    key_path.touch(mode=0o600)
    key_path.write_bytes(_key_pem(key))
    cert_path.write_bytes(_pem(cert))
    return cert, key


def _write(path: Path, data: bytes, mode: int) -> None:
    """Whole or not at all: nginx's watcher may read at any moment."""
    part = path.with_suffix(".part")
    part.write_bytes(data)
    part.chmod(mode)
    os.replace(part, path)


def issue(folder: Path, hosts: list[str], days: int = VALID_DAYS) -> Issued:
    """A server certificate for `hosts`, valid `days`, signed by the folder's CA (made on
    first use): a second call is a renewal, with a new key."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca, ca_key = _ca(folder, now, days)
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
              .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    issued = Issued(folder / "ca.pem", folder / "fullchain.pem", folder / "privkey.pem")
    # The key first: nginx's watcher installs a pair once the certificate changes. It reads the
    # key as uid 101 from a bind mount; a throwaway key guards nothing.
    _write(issued.key, _key_pem(key), 0o644)
    _write(issued.fullchain, _pem(server), 0o644)
    return issued


def served_certificate(host: str, port: int) -> str:
    """The PEM certificate a server presents now (unverified: this only tells which one)."""
    return ssl.get_server_certificate((host, port), timeout=10)


def trust(ca: Path, folder: Path) -> Path:
    """Make this process and its children trust `ca` beside the public roots. Returns the
    bundle, written in `folder` (never beside `ca`: a given CA's folder may not be ours)."""
    bundle = folder / "trusted-bundle.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + ca.read_bytes())
    os.environ["SSL_CERT_FILE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
    os.environ["NODE_EXTRA_CA_CERTS"] = str(ca)  # Playwright's driver (page.request) is Node
    return bundle


def browser_home(ca: Path, folder: Path) -> Path:
    """A HOME in `folder` whose NSS database trusts `ca`, for Chromium (certutil: Debian's
    libnss3-tools)."""
    home = folder / "browser-home"
    nssdb = home / ".pki" / "nssdb"
    if not (nssdb / "cert9.db").exists():
        nssdb.mkdir(parents=True, exist_ok=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "stackcheck-ca", "-t", "C,,",
                        "-i", str(ca)], check=True)
    return home


@dataclass(frozen=True)
class Posture:
    """What a TLS server offers, as sslyze finds it."""
    accepted: dict[str, list[str]]   # protocol ("TLSv1.2") -> cipher suites accepted
    chain_verified: bool             # against the public roots, or the given CA
    hostname_matches: bool
    days_left: float
    errors: list[str]                # scan commands that could not run, and why


PROTOCOL_SCANS = {"SSLv2": "ssl_2_0_cipher_suites", "SSLv3": "ssl_3_0_cipher_suites",
                  "TLSv1.0": "tls_1_0_cipher_suites", "TLSv1.1": "tls_1_1_cipher_suites",
                  "TLSv1.2": "tls_1_2_cipher_suites", "TLSv1.3": "tls_1_3_cipher_suites"}


def scan(host: str, port: int, ca: Path | None = None) -> Posture:
    """Every protocol version and cipher suite the server accepts, and its certificate."""
    from sslyze import (CertificateInfoExtraArgument, Scanner, ScanCommand, ScanCommandAttemptStatusEnum,
                        ScanCommandsExtraArguments, ServerNetworkLocation, ServerScanRequest,
                        ServerScanStatusEnum)

    commands = {ScanCommand.CERTIFICATE_INFO, *(ScanCommand(v) for v in PROTOCOL_SCANS.values())}
    extra = ScanCommandsExtraArguments(certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca)) \
        if ca else ScanCommandsExtraArguments()
    scanner = Scanner()
    scanner.queue_scans([ServerScanRequest(server_location=ServerNetworkLocation(host, port),
                                           scan_commands=commands, scan_commands_extra_arguments=extra)])
    (result,) = scanner.get_results()
    if result.scan_status != ServerScanStatusEnum.COMPLETED:
        raise ConnectionError(f"sslyze could not reach {host}:{port}: {result.connectivity_error_trace}")
    errors, accepted = [], {}
    for protocol, attribute in PROTOCOL_SCANS.items():
        attempt = getattr(result.scan_result, attribute)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            errors.append(f"{protocol}: {attempt.error_reason} {attempt.error_trace}")
        elif suites := [s.cipher_suite.name for s in attempt.result.accepted_cipher_suites]:
            accepted[protocol] = suites
    info = result.scan_result.certificate_info
    if info.status != ScanCommandAttemptStatusEnum.COMPLETED:
        raise ConnectionError(f"sslyze could not read the certificate of {host}:{port}: {info.error_trace}")
    deployment = info.result.certificate_deployments[0]
    # The given CA, else Mozilla's roots (the store the other stores' verdicts rarely differ from).
    wanted = [r for r in deployment.path_validation_results
              if (r.trust_store.path.resolve() == ca.resolve() if ca else r.trust_store.name == "Mozilla")]
    leaf = deployment.received_certificate_chain[0]
    left = leaf.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)
    return Posture(accepted=accepted, chain_verified=bool(wanted) and all(r.was_validation_successful for r in wanted),
                   hostname_matches=_hostname_matches(host, port, ca),
                   days_left=left.total_seconds() / 86400, errors=errors)


def _hostname_matches(host: str, port: int, ca: Path | None) -> bool:
    """Whether the certificate names `host` (a DNS name or an IP address), as clients check it."""
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    try:
        with socket.create_connection((host, port), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname=host):
            return True
    except ssl.SSLCertVerificationError as error:
        return "mismatch" not in (error.verify_message or "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--host", action="append", required=True, help="a DNS name or IP address (repeatable)")
    parser.add_argument("--days", type=int, default=VALID_DAYS)
    args = parser.parse_args()
    issued = issue(args.folder, args.host, args.days)
    print(f"CA {issued.ca}; certificate {issued.fullchain}; key {issued.key}")


if __name__ == "__main__":
    main()
