import math

import pytest

from app import indicators as ind


def test_sma_and_ema():
    values = [1, 2, 3, 4, 5, 6]
    assert ind.sma(values, 3) == pytest.approx(5.0)
    assert ind.sma(values, 7) is None
    assert ind.ema([5] * 30, 12) == pytest.approx(5.0)
    # EMA reacts faster than the SMA to a late jump.
    jump = [10.0] * 30 + [20.0] * 5
    assert ind.ema(jump, 12) > ind.sma(jump, 12)


def test_rsi_extremes_and_known_value():
    assert ind.rsi(list(range(1, 30)), 14) == 100.0
    assert ind.rsi(list(range(30, 1, -1)), 14) == pytest.approx(0.0)
    assert ind.rsi([5.0] * 20, 14) == 50.0
    assert ind.rsi([1, 2, 3], 14) is None
    # Alternating +2/-1 moves: average gain twice the average loss -> RSI oscillates around 66.7.
    series = [100.0]
    for i in range(200):
        series.append(series[-1] + (2 if i % 2 == 0 else -1))
    assert ind.rsi(series, 14) == pytest.approx(66.67, abs=2.0)


def test_volatility_return_drawdown():
    steady = [100 * (1.01 ** i) for i in range(50)]
    assert ind.volatility(steady) == pytest.approx(0.0, abs=1e-9)
    assert ind.total_return([100, 110]) == pytest.approx(0.10)
    assert ind.max_drawdown([100, 120, 60, 130]) == pytest.approx(-0.5)
    assert ind.max_drawdown([1, 2, 3]) == 0.0
    zigzag = [100, 110] * 20
    expected = math.sqrt(sum((r - 0) ** 2 for r in ind.log_returns(zigzag)) / (len(zigzag) - 2)) * math.sqrt(252)
    assert ind.volatility(zigzag) == pytest.approx(expected, rel=0.05)


def test_trend():
    assert ind.trend([100 + i for i in range(60)]) == "uptrend"
    assert ind.trend([200 - i for i in range(60)]) == "downtrend"
    assert ind.trend([100, 101] * 30) == "sideways"
    assert ind.trend([1]) == "unknown"


def test_summarize_has_every_indicator():
    closes = [100 + math.sin(i / 5) * 10 + i * 0.1 for i in range(260)]
    summary = ind.summarize(closes)
    for key in ("sma_20", "sma_50", "sma_200", "ema_12", "ema_26", "rsi_14", "volatility", "return_pct",
                "max_drawdown_pct", "trend", "rsi_signal", "last_close"):
        assert summary[key] is not None, key
    assert summary["last_close"] == pytest.approx(closes[-1], abs=1e-4)
    assert ind.rsi_signal(75) == "overbought" and ind.rsi_signal(25) == "oversold" and ind.rsi_signal(50) == "neutral"
