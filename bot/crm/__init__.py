"""The system of record: reads customer context from a CRM for cards, and
writes every interaction back to it exactly once (through the outbox)."""
