from registry.models.accounts import RoleAssignment, User
from registry.models.audit import AuditEntry
from registry.models.consents import Consent, ConsentPurpose, ConsentText
from registry.models.destruction import DestructionAct
from registry.models.imports import ParticipantImport
from registry.models.notifications import Notification
from registry.models.organisations import AcademicYear, Municipality, Organisation, OrganisationHeadcount, Region
from registry.models.processing import ProcessingStop
from registry.models.submissions import SubmittedForm
from registry.models.people import ConsentState, Participant, Partner, Topic
from registry.models.profiles import MenteeProfile, MentorProfile
from registry.models.table_versions import TableVersion

__all__ = [
    "AcademicYear",
    "AuditEntry",
    "Consent",
    "ConsentPurpose",
    "ConsentState",
    "ConsentText",
    "DestructionAct",
    "MenteeProfile",
    "MentorProfile",
    "Municipality",
    "Notification",
    "Organisation",
    "OrganisationHeadcount",
    "Participant",
    "ParticipantImport",
    "Partner",
    "ProcessingStop",
    "Region",
    "RoleAssignment",
    "SubmittedForm",
    "TableVersion",
    "Topic",
    "User",
]
