"""The one error the core shows to users: bad input, with the right form and an example."""

from __future__ import annotations


class BadInput(Exception):
    """The user's text can't be used. Nothing has been stored when this is raised. `field`:
    which of the command's values it is about (`hour`, `quiet`…), so a form can show it there."""

    def __init__(
        self,
        problem: str,
        usage: str | None = None,
        example: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage
        self.example = example
        self.field = field

    def about(self, field: str) -> BadInput:
        """The same refusal, said to be about `field`."""
        return BadInput(self.problem, self.usage, self.example, field)
