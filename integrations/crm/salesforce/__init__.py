"""Salesforce through simple-salesforce: Contact, Account, Opportunity, Case
and Task, with OAuth (refresh token or JWT bearer) and SOQL lookups."""
from integrations.crm.salesforce.directory import SalesforceDirectory

__all__ = ["SalesforceDirectory"]
