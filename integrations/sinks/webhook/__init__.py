"""A signed outbound webhook carrying interaction events (docs/crm-webhook.md)."""
from integrations.sinks.webhook.sender import WebhookSender, signature

__all__ = ["WebhookSender", "signature"]
