"""Technical indicators in plain Python (no numpy): small series, exact and easy to test."""
from __future__ import annotations

import math
from collections.abc import Sequence

TRADING_DAYS = 252
TREND_DAYS = 50  # closes that `trend` looks at


def sma(values: Sequence[float], n: int) -> float | None:
    if n <= 0 or len(values) < n:
        return None
    return sum(values[-n:]) / n


def ema(values: Sequence[float], n: int) -> float | None:
    if n <= 0 or len(values) < n:
        return None
    k = 2 / (n + 1)
    current = sum(values[:n]) / n
    for value in values[n:]:
        current = value * k + current * (1 - k)
    return current


def rsi(values: Sequence[float], n: int = 14) -> float | None:
    """Wilder's RSI over the whole series (needs n+1 points)."""
    if len(values) < n + 1:
        return None
    changes = [b - a for a, b in zip(values, values[1:])]
    gains = [max(c, 0.0) for c in changes]
    losses = [max(-c, 0.0) for c in changes]
    avg_gain = sum(gains[:n]) / n
    avg_loss = sum(losses[:n]) / n
    for gain, loss in zip(gains[n:], losses[n:]):
        avg_gain = (avg_gain * (n - 1) + gain) / n
        avg_loss = (avg_loss * (n - 1) + loss) / n
    if avg_loss == 0:
        return 100.0 if avg_gain > 0 else 50.0
    rs = avg_gain / avg_loss
    return 100 - 100 / (1 + rs)


def log_returns(values: Sequence[float]) -> list[float]:
    return [math.log(b / a) for a, b in zip(values, values[1:]) if a > 0 and b > 0]


def volatility(values: Sequence[float], periods_per_year: int = TRADING_DAYS) -> float | None:
    """Annualized standard deviation of daily log returns (sample stdev)."""
    rets = log_returns(values)
    if len(rets) < 2:
        return None
    mean = sum(rets) / len(rets)
    var = sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)
    return math.sqrt(var) * math.sqrt(periods_per_year)


def total_return(values: Sequence[float]) -> float | None:
    if len(values) < 2 or values[0] == 0:
        return None
    return values[-1] / values[0] - 1


def max_drawdown(values: Sequence[float]) -> float | None:
    """Largest peak-to-trough fall, as a negative fraction (0 when it never fell)."""
    if not values:
        return None
    peak = values[0]
    worst = 0.0
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            worst = min(worst, value / peak - 1)
    return worst


def slope_pct_per_day(values: Sequence[float]) -> float | None:
    """Least-squares slope of the series, as % of its mean per step."""
    n = len(values)
    if n < 2:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((i - mean_x) ** 2 for i in range(n))
    sxy = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    if mean_y == 0:
        return None
    return sxy / sxx / mean_y * 100


def trend(values: Sequence[float], window: int = TREND_DAYS, threshold: float = 0.05) -> str:
    """uptrend / downtrend / sideways, from the regression slope of the last `window`
    closes and where the last close sits against their average: the recent direction, which
    can differ from the return over a longer range."""
    recent = list(values[-window:])
    slope = slope_pct_per_day(recent)
    if slope is None:
        return "unknown"
    average = sum(recent) / len(recent)
    if slope > threshold and recent[-1] >= average:
        return "uptrend"
    if slope < -threshold and recent[-1] <= average:
        return "downtrend"
    return "sideways"


def rsi_signal(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value >= 70:
        return "overbought"
    if value <= 30:
        return "oversold"
    return "neutral"


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def summarize(closes: Sequence[float]) -> dict:
    """Every indicator the agent reports, for one series of closes (oldest first)."""
    return {
        "last_close": _r(closes[-1] if closes else None),
        "sma_20": _r(sma(closes, 20)),
        "sma_50": _r(sma(closes, 50)),
        "sma_200": _r(sma(closes, 200)),
        "ema_12": _r(ema(closes, 12)),
        "ema_26": _r(ema(closes, 26)),
        "rsi_14": _r(rsi(closes, 14), 2),
        "rsi_signal": rsi_signal(rsi(closes, 14)),
        "volatility": _r(volatility(closes)),
        "return_pct": _r(None if (tr := total_return(closes)) is None else tr * 100, 2),
        "max_drawdown_pct": _r(None if (dd := max_drawdown(closes)) is None else dd * 100, 2),
        "trend": trend(closes),
        "high": _r(max(closes) if closes else None),
        "low": _r(min(closes) if closes else None),
    }
