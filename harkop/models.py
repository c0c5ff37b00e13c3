"""Import every model module so SQLAlchemy and Alembic see the whole schema."""

from .audit import AuditLog  # noqa: F401
from .auth.models import ApiToken, Invitation, User, UserAffiliation  # noqa: F401
from .competitions.models import Event  # noqa: F401
from .cooperatives.models import (  # noqa: F401
    Achievement,
    AnnualFigure,
    Cooperative,
    HealthAssessment,
    InactiveReason,
    Kecamatan,
    Kelurahan,
    Officer,
    RatRecord,
)
from .cooperatives.office_models import (  # noqa: F401
    FactVerification,
    FieldCheck,
    LetterCounter,
    UpdateProposal,
    UpdateReminder,
    WarningLetter,
)
from .jobs import JobRun, SchedulerLease  # noqa: F401
from .outbox import OutboxMessage  # noqa: F401
