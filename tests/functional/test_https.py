"""HTTPS as users reach it: port 80 only redirects (and answers Let's Encrypt's challenge),
every HTTPS answer carries HSTS, and the TLS posture is Mozilla's "intermediate" one.

These run whenever the target is served over HTTPS; they are read-only, so the nightly run
checks the real VPS's certificate and protocols with them. SSE over HTTP/2 is tested with
the other stream tests (test_sse_timeline.py runs each over HTTP/1.1 and HTTP/2).
"""

import re
from pathlib import Path
import warnings

import allure
import httpx
import pytest

from stackcheck import slo
from stackcheck.tls import scan

TLS = slo.section("tls")
PATHS = ["/", "/watchlists?tab=1", "/api/v1/stocks", "/run_sse"]


@pytest.fixture(scope="module")
def https(target):
    if not target.https:
        pytest.skip(f"the target {target.base_url} is not served over HTTPS")
    return target


@pytest.fixture(scope="module")
def posture(https):
    url = httpx.URL(https.base_url)
    found = scan(url.host, url.port or 443, Path(https.ca_bundle) if https.ca_bundle else None)
    allure.attach(repr(found), name="sslyze", attachment_type=allure.attachment_type.TEXT)
    return found


@pytest.mark.parametrize("path", PATHS)
def test_plain_http_redirects_to_the_same_path_over_https(https, path):
    """Catches: a port-80 server that serves the app (the redirect dropped), or redirects
    somewhere else than the same path on HTTPS."""
    response = httpx.get(https.require("http_url") + path, follow_redirects=False, timeout=10)
    assert response.status_code == 301, \
        f"plain HTTP did not redirect to HTTPS: GET {path} answered {response.status_code} " \
        f"{response.text[:120]!r}"
    assert response.headers["location"] == https.base_url + path


def test_port_80_answers_the_acme_challenge_path_itself(https):
    """Let's Encrypt's HTTP-01 check must reach the webroot, not be redirected."""
    response = httpx.get(https.require("http_url") + "/.well-known/acme-challenge/no-such-token",
                         follow_redirects=False, timeout=10)
    assert response.status_code == 404, \
        f"the ACME challenge path answered {response.status_code} {response.headers.get('location', '')}"


@pytest.mark.parametrize("path", ["/", "/api/v1/health/live", "/api/v1/no-such-route", "/_next/static/x.js"])
def test_every_https_answer_carries_hsts(https, path):
    """Catches: HSTS dropped, or lost in a location that sets its own headers."""
    response = httpx.get(https.base_url + path, timeout=10)
    hsts = response.headers.get("strict-transport-security", "")
    age = re.search(r"max-age=(\d+)", hsts)
    assert age, f"GET {path} ({response.status_code}) has no HSTS header: {dict(response.headers)}"
    assert int(age.group(1)) >= TLS["hsts_min_max_age_s"], f"HSTS max-age too short: {hsts}"


def test_only_tls_1_2_and_1_3_are_accepted(posture):
    """Catches: TLS 1.0 or 1.1 (or SSL) enabled again, e.g. by Mozilla's "old" profile."""
    assert not posture.errors, f"sslyze could not test every protocol: {posture.errors}"
    extra = sorted(set(posture.accepted) - set(TLS["protocols"]))
    missing = sorted(set(TLS["protocols"]) - set(posture.accepted))
    assert not extra, f"accepts {', '.join(f'{p}' for p in extra)} (allowed: {TLS['protocols']})"
    assert not missing, f"does not accept {missing}: clients that need them cannot connect"


def test_every_cipher_suite_is_forward_secret_aead(posture):
    """Catches: a cipher list that lets in CBC, RSA key exchange or SHA-1 suites."""
    weak = {p: [s for s in suites if not re.match(TLS["cipher_must_match"], s)]
            for p, suites in posture.accepted.items()}
    weak = {p: s for p, s in weak.items() if s}
    assert not weak, f"weak cipher suites accepted: {weak}"


def test_the_certificate_chain_verifies_for_the_host_name(posture, https):
    """Catches: a self-signed placeholder still served, a chain without its intermediate,
    or a certificate for another name."""
    trust = f"the CA {https.ca_bundle}" if https.ca_bundle else "the public roots"
    assert posture.chain_verified, f"the certificate chain does not verify against {trust}"
    assert posture.hostname_matches, f"the certificate does not name {httpx.URL(https.base_url).host}"


def test_the_certificate_is_far_from_expiry(posture):
    """Catches: renewal that stopped (certbot's timer, or nginx never reloading)."""
    days = TLS["certificate_days"]
    allure.dynamic.parameter("days left", f"{posture.days_left:.1f} (fail < {days['fail']}, warn < {days['warn']})")
    assert posture.days_left >= days["fail"], \
        f"the certificate expires in {posture.days_left:.1f} days (limit {days['fail']}): renewal is failing"
    if posture.days_left < days["warn"]:
        warnings.warn(f"the certificate expires in {posture.days_left:.1f} days: renewal should have "
                      f"happened at 30 days", stacklevel=1)
