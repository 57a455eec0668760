import json

from stackcheck.reporting import locust as locust_report


def test_each_slo_verdict_becomes_an_allure_result_with_the_locust_reports(tmp_path):
    run = tmp_path / "locust"
    run.mkdir()
    (run / "report.html").write_text("<html></html>")
    (run / "verdict.json").write_text(json.dumps({"passed": False, "started": 1795325773.0, "verdicts": [
        {"name": "api", "status": "fail", "samples": 900, "percentiles": {"p95": 1694.0, "p99": 2050.0},
         "error_ratio": 0.0, "reasons": ["p95 1694 ms >= 1000 ms"], "unit": "ms"},
        {"name": "page", "status": "pass", "samples": 300, "percentiles": {"p95": 27.0},
         "error_ratio": 0.0, "reasons": [], "unit": "ms"}]}))
    results = tmp_path / "allure-results"

    assert locust_report.write(run, results) == 1

    written = {r["fullName"]: r for r in map(json.loads, (p.read_text() for p in results.glob("*-result.json")))}
    api, page = written["locustfiles.slo.api"], written["locustfiles.slo.page"]
    assert api["status"] == "failed" and api["statusDetails"]["message"] == "p95 1694 ms >= 1000 ms"
    assert page["status"] == "passed"
    attached = api["attachments"]
    assert {a["name"] for a in attached} == {"locust report.html", "locust verdict.json"}
    assert all((results / a["source"]).exists() for a in attached)
    # Allure links a file to one result: each result has copies of its own.
    assert not {a["source"] for a in attached} & {a["source"] for a in page["attachments"]}


def test_a_missing_verdict_is_an_error_not_an_empty_report(tmp_path, capsys):
    assert locust_report.main([str(tmp_path), str(tmp_path / "out")]) == 2
    assert "no verdict.json" in capsys.readouterr().err
