"""Guardrails: the checks every outgoing draft must pass before approval."""
from bot.guardrails.checker import RULE_ORDER, Guardrails, findings_to_json

__all__ = ["RULE_ORDER", "Guardrails", "findings_to_json"]
