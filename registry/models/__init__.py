from registry.models.accounts import RoleAssignment, User
from registry.models.consents import Consent, ConsentPurpose, ConsentText
from registry.models.imports import ParticipantImport
from registry.models.organisations import AcademicYear, Municipality, Organisation, OrganisationHeadcount, Region
from registry.models.people import ConsentState, MenteeProfile, MentorProfile, Participant, Partner, Topic

__all__ = [
    "AcademicYear",
    "Consent",
    "ConsentPurpose",
    "ConsentState",
    "ConsentText",
    "MenteeProfile",
    "MentorProfile",
    "Municipality",
    "Organisation",
    "OrganisationHeadcount",
    "Participant",
    "ParticipantImport",
    "Partner",
    "Region",
    "RoleAssignment",
    "Topic",
    "User",
]
