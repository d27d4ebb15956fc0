"""The three repositories in one import: users, applications and nudges."""

from storage.applications import SqlApplicationRepository
from storage.nudges import SqlNudgeRepository
from storage.users import SqlUserRepository

__all__ = ["SqlApplicationRepository", "SqlNudgeRepository", "SqlUserRepository"]
