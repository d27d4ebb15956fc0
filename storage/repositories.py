"""The repositories in one import: users, applications, nudges, group channels and digests."""

from storage.applications import SqlApplicationRepository
from storage.digests import SqlDigestRepository
from storage.groups import SqlGroupRepository
from storage.nudges import SqlNudgeRepository
from storage.users import SqlUserRepository

__all__ = [
    "SqlApplicationRepository",
    "SqlDigestRepository",
    "SqlGroupRepository",
    "SqlNudgeRepository",
    "SqlUserRepository",
]
