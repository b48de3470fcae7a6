"""Forms of mentoring, programmes, pairs and groups with their history, plans, meetings and orders."""

from mentoring.models.programmes import (  # noqa: F401
    MentoringForm,
    ProgrammeQuerySet,
    Programme,
    Preference,
    MatchingWeights,
)
from mentoring.models.pairs import (  # noqa: F401
    PairQuerySet,
    Pair,
    MentorLink,
    MembershipQuerySet,
    Membership,
    PlanItemQuerySet,
    PlanItem,
    MeetingQuerySet,
    Meeting,
)
from mentoring.models.orders import (  # noqa: F401
    OrderQuerySet,
    order_upload_to,
    Order,
)

# A model of this app kept in its own module (this one is long enough); imported here so Django finds it.
from mentoring.support import Support  # noqa: E402, F401
