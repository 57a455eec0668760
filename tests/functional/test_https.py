"""HTTPS as users reach it: port 80 only redirects (and answers Let's Encrypt's challenge),
every HTTPS answer carries HSTS, and the TLS posture is Mozilla's "intermediate" one.

These run whenever the target is served over HTTPS; they are read-only, so the nightly run
checks the real VPS's certificate and protocols with them. SSE over HTTP/2 is tested with
the other stream tests (test_sse_timeline.py runs each over HTTP/1.1 and HTTP/2).
"""

import re
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import allure
import httpx
import pytest

from stackcheck import AgentClient, slo
from stackcheck.model import ModelMock
from stackcheck.tls import issue, scan, served_certificate

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


@pytest.mark.slow
def test_a_renewed_certificate_is_served_without_dropping_an_open_stream(https, accounts):
    """Renewal (certbot's deploy hook, or `stack cert install`) writes a new certificate;
    nginx picks it up with a graceful reload while an agent run is streaming. Catches: a
    renewal nginx never loads (it would expire in use), and a reload that cuts open streams."""
    folder, url = Path(https.require("certs_dir")), httpx.URL(https.base_url)
    model = ModelMock(https.require("model_mock_url"))
    pause = 8  # the model's silence, long enough for the watcher (2 s here) to reload meanwhile
    before = served_certificate(url.host, url.port)
    with AgentClient(https.base_url, accounts.new("renew")) as agent, ThreadPoolExecutor(1) as pool:
        session = agent.create_session()
        model.use(session, "slow_first_token", seconds=pause)
        started = time.monotonic()
        running = pool.submit(agent.run, "Analyze MSFT", session)
        time.sleep(1)  # the stream is open
        issue(folder, [url.host, "localhost"])
        while (served := served_certificate(url.host, url.port)) == before and time.monotonic() - started < pause:
            time.sleep(0.25)
        reloaded_at = time.monotonic() - started
        run = running.result()
    assert served != before, f"nginx still serves the old certificate {pause} s after the renewal"
    rec = run.recording
    assert reloaded_at < rec.total, f"the reload at {reloaded_at:.1f} s came after the stream ended ({rec.total:.1f} s)"
    assert rec.transport_error is None, f"the reload cut the open stream: {rec.summary()}"
    assert run.timeline.texts and not run.timeline.errors, rec.summary()
