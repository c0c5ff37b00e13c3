"""Import every model module so SQLAlchemy and Alembic see the whole schema."""

from .audit import AuditLog  # noqa: F401
from .auth.models import ApiToken, Invitation, LoginThrottle, User, UserAffiliation, UserSession  # noqa: F401
from .checkin.models import CheckIn, Scan  # noqa: F401
from .competitions.models import (  # noqa: F401
    Competition,
    CompetitionDay,
    EligibilityException,
    Event,
    RubricCriterion,
)
from .competitions.rundown import ProgrammeItem  # noqa: F401
from .cooperatives.models import (  # noqa: F401
    Achievement,
    AnnualFigure,
    Cooperative,
    HealthAssessment,
    ImportJob,
    InactiveReason,
    Kecamatan,
    Kelurahan,
    Officer,
    RatRecord,
)
from .jobs import JobRun, SchedulerLease  # noqa: F401
from .judging.models import (  # noqa: F401
    Assignment,
    CompetitionJudge,
    EntryAttendance,
    ResultSnapshot,
    Scorecard,
    ScorecardEvent,
)
from .judging.screen import DisplayKey  # noqa: F401
from .outbox import OutboxMessage  # noqa: F401
from .ratelimit import RateLimitCounter  # noqa: F401
from .registrations.models import Entry, Participant, Ticket  # noqa: F401
