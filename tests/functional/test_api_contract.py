"""The API keeps its contract under fuzzing: schemathesis, through nginx, as a signed-in
user, finds no server error, no status the OpenAPI does not document, and no answer that
breaks its schema.

The run is bounded (`--fuzz-seconds`, 150 s by default; the nightly run gives it longer)
and paced under nginx's rate limits (50 r/s per address in the test stack). At most 50 cases
per operation and phase, so that every operation is reached within the bound. Sign-out is left out: it would end the fuzzer's session.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import allure
import pytest

from stackcheck.accounts import SESSION_COOKIE

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.mark.slow
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_contract(target, accounts, backend_openapi,
                                                                           tmp_path, request):
    seconds = request.config.getoption("--fuzz-seconds")
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(backend_openapi))
    with accounts.client() as http:
        cookie = http.cookies[SESSION_COOKIE]
    junit = tmp_path / "junit.xml"
    command = [str(SCHEMATHESIS), "--no-color", "run", str(schema), "--url", target.base_url,
               "-H", f"Cookie: {SESSION_COOKIE}={cookie}", "-H", f"Origin: {target.base_url}",
               "--checks", ",".join(CHECKS), "--exclude-path", "/api/v1/auth/signout",
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
