"""Model-backed drafters (vendor libraries stay inside this package)."""
from integrations.llm.langchain_drafter import DraftReply, LangChainDrafter

__all__ = ["DraftReply", "LangChainDrafter"]
