from . import agent  # noqa: F401  (ADK's loader looks for stock_analyst.agent.app / root_agent)
