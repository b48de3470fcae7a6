"""«Об организации наставничества»: seed 001's template with the named curator and the working group of
seed 002. Its text, with the Положение and the roadmap as appendices 1 and 2, is long enough to be a
module of its own: mentoring.organisation_order.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mentoring.organisation_order import organisation_points

VALUE = "organisation"
LABEL = _("Об организации наставничества")
POSITION = 10

PURPOSE = (
    "в целях создания условий для формирования эффективной системы поддержки, самоопределения и "
    "профессиональной ориентации обучающихся, вновь принятых педагогических работников и молодых специалистов"
)


points = organisation_points
