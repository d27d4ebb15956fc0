"""How long each piece of user text may be, in one place: the text parser, the date reader,
the Slack and Discord forms and the slash-command options all use these."""

from __future__ import annotations

MAX_LINE = 4000  # one typed command
MAX_NAME = 200  # a company or a role
MAX_PERSON = 100  # an interviewer's name or title
MAX_NOTE = 1000
MAX_WHEN = 100  # a date as typed ("next tuesday 14:00-15:30")
MAX_PEOPLE = 10  # interviewers in one round
MAX_PEOPLE_TEXT = 1000  # a form's "interviewers" box, all of them together
