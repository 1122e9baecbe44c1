"""Database tables (SQLAlchemy 2), one module per part of the system. The schema
itself is owned by the Alembic migrations in bot/store/migrations; these classes
must match them. Everything is re-exported here: `tables.Case`, `tables.Lease`."""
from bot.store.tables.base import Base, _ts  # noqa: F401
from bot.store.tables.core import (  # noqa: F401
    Approval, Author, Case, CaseEvent, Cursor, Customer, CustomerEvent, Draft, Identity, Mention, Note, Order, Outbox,
    Watch,
)
from bot.store.tables.insights import (  # noqa: F401
    Spike, CrisisMode,
)
from bot.store.tables.crm import (  # noqa: F401
    CrmLink, CrmCache,
)
from bot.store.tables.cluster import (  # noqa: F401
    Lease, Process, DeadLetter,
    HeldReply,
)
from bot.store.tables.inputs import (  # noqa: F401
    ChatInbox, Arrival,
)
from bot.store.tables.triage import (  # noqa: F401
    TriageVerdict, TriageSpend,
)
