"""The stock-analysis agent: ADK app `stock_analyst`.

Gemini when GOOGLE_API_KEY is set (or MODEL=gemini); otherwise (or MODEL=offline) the
deterministic offline model (model.py). The tools, the model watch (metrics, clear errors)
and the analysis recorder are the same for both.
"""
from google.adk.agents import LlmAgent
from google.adk.apps import App

from .model import build_model
from .model_watch import ModelWatch
from .recorder import AnalysisRecorder
from .tools import ALL_TOOLS

INSTRUCTION = """You are a stock analyst. You answer questions about the daily price history
available through your tools, and nothing else.
- Use the tools for every number you give; never invent prices or dates.
- For one symbol, call compute_indicators (or get_price_history for plain price questions);
  for several, call compare_symbols. For "my watchlist", call get_watchlist first.
- If you do not know which symbols exist, call list_symbols. Report unknown symbols plainly.
- The data is historical: say which date range your figures cover.
- Be concise: a short paragraph per symbol, then one sentence of conclusion. Add that this
  is not investment advice."""


root_agent = LlmAgent(
    name="stock_analyst",
    model=build_model(),
    description="Analyses real daily price history: indicators, comparisons, watchlists.",
    instruction=INSTRUCTION,
    tools=ALL_TOOLS,
)

app = App(name="stock_analyst", root_agent=root_agent, plugins=[ModelWatch(), AnalysisRecorder()])
