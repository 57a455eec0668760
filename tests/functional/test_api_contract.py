"""The API keeps its contract under fuzzing: schemathesis, through nginx, as a signed-in
user, finds no server error, no status the OpenAPI does not document, and no answer that
breaks its schema; and a body that is not JSON at all gets a clear 4xx everywhere.

The run is bounded (`--fuzz-seconds`, 150 s by default; the nightly run gives it longer)
and paced under nginx's rate limits (50 r/s per address in the test stack). At most 50 cases
per operation and phase, so that every operation is reached within the bound.

Sign-out is left out: it would end the fuzzer's session. So is sign-in: the stateful phase
learns the account's name from /me, and its wrong passwords would put the account the other
tests sign in as into backoff (test_identity covers sign-in's answers).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import allure
import pytest

from stackcheck import authz
from stackcheck.accounts import SESSION_COOKIE

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.mark.slow
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_contract(target, accounts, backend_openapi,
                                                                           tmp_path, request):
    """An automatic tool, signed in as a user, sends many varied and unusual requests to every part of the API
    except sign-in and sign-out, for a set time. The API must never fail with a server error and never answer in
    a way its published description does not allow, so apps built on that description keep working."""
    seconds = request.config.getoption("--fuzz-seconds")
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(backend_openapi))
    with accounts.client() as http:
        cookie = http.cookies[SESSION_COOKIE]
    junit = tmp_path / "junit.xml"
    command = [str(SCHEMATHESIS), "--no-color", "run", str(schema), "--url", target.base_url,
               "-H", f"Cookie: {SESSION_COOKIE}={cookie}", "-H", f"Origin: {target.base_url}",
               "--checks", ",".join(CHECKS), "--exclude-path", "/api/v1/auth/signout",
               "--exclude-path", "/api/v1/auth/signin",
               "--max-time", str(int(seconds)), "--max-examples", "50", "--rate-limit", "40/s", "--request-timeout", "20",
               "--seed", "20261201", "--generation-database", "none",
               "--report", "junit", "--report-junit-path", str(junit)]
    # In a folder of its own: schemathesis keeps a cache where it runs.
    proc = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, cwd=tmp_path)
    allure.attach(proc.stdout + proc.stderr, name="schemathesis output", attachment_type=allure.attachment_type.TEXT)
    if junit.exists():
        allure.attach.file(str(junit), name="schemathesis junit", attachment_type=allure.attachment_type.XML)
    cases = re.search(r"(\d+) generated", proc.stdout)
    assert cases and int(cases.group(1)) > 0, f"no test case ran:\n{proc.stdout[-3000:]}"
    allure.dynamic.parameter("test cases", cases.group(1))
    failures = proc.stdout[proc.stdout.find("FAILURES"):proc.stdout.find("SUMMARY")]
    assert proc.returncode == 0, f"schemathesis found problems in {cases.group(1)} cases:\n{failures[-8000:]}"


# Bodies that are not JSON at all, as a broken client or a hand-written curl sends them.
NOT_JSON = {
    "a body with broken syntax": (b'{"name": ', "application/json"),
    "an empty body": (b"", "application/json"),
    "a body of invalid UTF-8": (b'{"name": "\xff\xfe"}', "application/json"),
    "a body sent as text/plain": (b'{"name": "x"}', "text/plain"),
}


def test_a_body_that_is_not_json_gets_a_json_4xx_on_every_operation_that_takes_one(accounts, backend_openapi):
    """Through nginx, signed in: never a 5xx, and the answer says what is wrong, in JSON."""
    problems, tried = [], 0
    with accounts.client() as http:
        user = http.get("/api/v1/auth/me").json()["username"]
        values = {"app_name": "stock_analyst", "user_id": user, "session_id": "s-1", "watchlist_id": "1",
                  "analysis_id": "1", "symbol": "GOOG"}
        for op in authz.operations(backend_openapi):
            if not op.takes_body or op.path == "/api/v1/auth/signout":
                continue
            # An optional body (ADK's session create) may be left out: empty is then fine.
            required = backend_openapi["paths"][op.path][op.method.lower()]["requestBody"].get("required")
            for kind, (body, content_type) in NOT_JSON.items():
                if kind == "an empty body" and not required:
                    continue
                answer = http.request(op.method, op.path.format(**values), content=body,
                                      headers={"Content-Type": content_type, "If-Match": "*"})
                tried += 1
                if not 400 <= answer.status_code < 500:
                    problems.append(f"{op} with {kind}: {answer.status_code} {answer.text[:120]}")
                elif not answer.headers.get("content-type", "").startswith("application/json"):
                    problems.append(f"{op} with {kind}: {answer.status_code} is not JSON: {answer.text[:80]}")
    assert tried, "no operation takes a body: the OpenAPI is not the backend's"
    assert not problems, "\n".join(problems)
