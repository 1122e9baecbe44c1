"""Route matching: which team a mention goes to (see `Router`)."""
from bot.routing.router import Router

__all__ = ["Router"]
