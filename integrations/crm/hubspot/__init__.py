"""HubSpot CRM through the official hubspot-api-client: contacts, companies,
deals, tickets, notes, owners and associations, with a private app's token."""
from integrations.crm.hubspot.directory import HubSpotDirectory

__all__ = ["HubSpotDirectory"]
