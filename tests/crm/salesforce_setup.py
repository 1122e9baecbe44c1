"""A seeded local Salesforce and the connector pointed at it."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.config.crm import SalesforceCrm
from integrations.crm.salesforce import SalesforceDirectory
from integrations.crm.salesforce.auth import TimeoutSession
from tests.emulators.salesforce import SalesforceEmulator

SECRETS = {"client_id_env": "3MVG-test", "client_secret_env": "sf-secret", "refresh_token_env": "5Aep-refresh"}


@dataclass
class SfSeeded:
    sf: SalesforceEmulator
    maria: str
    account: str
    private_key: str


def seed(sf: SalesforceEmulator) -> SfSeeded:
    sf.define("Task", "Rejoinder_Key__c", external_id=True)
    sf.define("Case", "Rejoinder_Key__c", external_id=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    sf.add_client("3MVG-test", secret="sf-secret", refresh_token="5Aep-refresh", public_key=public,
                  username="integration@acme.example")
    owner = sf.add("User", Name="Olga Novak")
    account = sf.add("Account", Name="Kowalski Cycles", Rating="Hot", OwnerId=owner)
    maria = sf.add("Contact", FirstName="Maria", LastName="Kowalski", Email="maria@example.com", AccountId=account,
                   Twitter_Handle__c="@maria", OwnerId=owner)
    for name, stage, amount, closed, won, date in (("Fleet renewal", "Proposal", 5400.0, False, False, "2026-12-01"),
                                                   ("Spring order", "Closed Won", 2100.0, True, True, "2026-04-02"),
                                                   ("Service plan", "Qualification", 900.0, False, False, "2026-11-15")):
        sf.add("Opportunity", Name=name, StageName=stage, Amount=amount, IsClosed=closed, IsWon=won, CloseDate=date,
               AccountId=account)
    sf.add("Case", Subject="Brake recall question", Status="New", ContactId=maria, AccountId=account)
    sf.add("Case", Subject="Invoice copy", Status="Closed", ContactId=maria, AccountId=account)
    return SfSeeded(sf, maria, account, pem)


def sf_config(url: str, **extra) -> SalesforceCrm:
    return SalesforceCrm.model_validate({
        "type": "salesforce", "instance_url": url, "login_url": url, "client_id_env": "SF_CLIENT_ID",
        "client_secret_env": "SF_CLIENT_SECRET", "refresh_token_env": "SF_REFRESH_TOKEN",
        "handle_fields": {"x": "Twitter_Handle__c"}, "timeout_s": 5, **extra})


def directory(sf: SalesforceEmulator, cert, secrets=None, **extra) -> SalesforceDirectory:
    session = TimeoutSession(5)
    session.verify = str(cert)
    return SalesforceDirectory(sf_config(sf.url, **extra), secrets or SECRETS, session=session)
