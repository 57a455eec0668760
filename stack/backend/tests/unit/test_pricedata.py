import datetime as dt

import pytest

from app import pricedata


@pytest.fixture(scope="module")
def loaded():
    return {source.symbol: (origin, sha, rows) for source, origin, sha, rows in pricedata.load_all()}


def test_every_source_loads_real_daily_history(loaded):
    assert set(loaded) == {"GOOG", "MSFT", "SPX", "IXIC", "WTI"}
    for symbol, (origin, sha, rows) in loaded.items():
        assert "==" in origin and ":" in origin and len(sha) == 64
        assert len(rows) > 2000, symbol
        dates = [r.date for r in rows]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert all(r.close > 0 for r in rows)
        # Daily: most gaps between rows are one business day.
        gaps = [(b - a).days for a, b in zip(dates, dates[1:])]
        assert sum(1 for g in gaps if g <= 4) / len(gaps) > 0.95, symbol


def test_known_values_from_the_files(loaded):
    goog = {r.date: r for r in loaded["GOOG"][2]}
    assert goog[dt.date(2004, 8, 19)].close == pytest.approx(100.34)  # first trading day after the IPO
    assert loaded["GOOG"][2][-1].date == dt.date(2013, 3, 1)
    spx = {r.date: r for r in loaded["SPX"][2]}
    assert spx[dt.date(2018, 12, 31)].close == pytest.approx(2506.85, abs=0.01)


def test_a_tampered_file_is_refused(monkeypatch):
    source = pricedata.SOURCES[0]
    real = pricedata.metadata.distribution(source.package)

    class Tampered:
        version, files = real.version, real.files

        def locate_file(self, path):
            class F:
                def read_bytes(self):
                    return b"Date,Close\n2020-01-01,1\n"
            return F()

    monkeypatch.setattr(pricedata.metadata, "distribution", lambda name: Tampered())
    with pytest.raises(ValueError, match="sha256"):
        pricedata.locate(source)
