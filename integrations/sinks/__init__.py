"""Outbound sinks: systems of record reached without a vendor connector."""
