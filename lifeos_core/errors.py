"""The exceptions lifeos raises for problems a user can cause.

Every error a user can trigger (a bad workflow, bad params, an unknown mission,
a clash between plugins) is a :class:`LifeosError`, so callers such as the CLI
can turn any of them into one clear line without catching unrelated bugs.
Each message names the offending thing and, where there is one, the fix.
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: object, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` was most likely meant to be, if one is close enough."""
    import difflib

    found = difflib.get_close_matches(str(name), list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``: the one
    wording of a suggestion, appended to messages about a name not found."""
    match = closest(name, candidates)
    return f" (did you mean {match!r}?)" if match is not None else ""


class LifeosError(Exception):
    """Base class of every error lifeos raises on purpose."""


class NotJSONError(LifeosError, ValueError):
    """A value that must be JSON (state, params, payloads) holds something else."""


class AntiFailureViolation(LifeosError):
    """A workflow exceeds the Anti-Failure limits (5 steps, 2 human steps).

    Raised by the engine before the first step runs.
    """


class AntiFailurePlanningError(LifeosError, ValueError):
    """A mission would plan a workflow beyond the Anti-Failure limits.

    Raised by the builder: planning fails closed instead of truncating.
    """


class EnvelopeViolation(LifeosError):
    """A step asks for something outside the execution envelope.

    For example a step kind other than ``runtime``/``human``, or an operation
    that no installed plugin registered.
    """


class WorkflowInputError(LifeosError, ValueError):
    """A workflow, step or execution context was built from invalid values."""


class UnknownMissionError(LifeosError, ValueError):
    """No installed plugin provides a mission of the requested name."""


class MissionParamsError(LifeosError, ValueError):
    """Params given to a mission have the wrong type or value."""


class MissionInputError(LifeosError, ValueError):
    """What a mission reads is wrong (a task file with a bad date, say): the
    user's input, found before any step ran. ``problems`` lists every problem
    found, one line each (file, line, field, and what to write instead)."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        problems = (problems,) if isinstance(problems, str) else tuple(str(problem) for problem in problems)
        if not problems:
            raise ValueError("MissionInputError needs at least one problem")
        message = problems[0]
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        super().__init__(message)
        self.problems = problems


class PluginConflictError(LifeosError):
    """Two plugins register the same mission or operation name."""


class PluginError(LifeosError):
    """A plugin's own code failed (for example a mission's plan function raised)."""


class DefinitionError(LifeosError, ValueError):
    """A scenario, suite or expectation was defined with invalid values.

    ``field`` names the field at fault, when there is one, so a plan reader
    can point at its place in the file (``scenarios[1].clock``).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(LifeosError, ValueError):
    """A test plan (a config mapping or file) is malformed.

    The message names the location of the problem (``scenarios[1].missions[0]``)
    and, for files, the file and (where the parser gives one) the line.
    ``problems`` lists every problem found (one line each); the message is the
    first of them, with a count of the others.
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        problems = tuple(problems) or (message,)
        if len(problems) > 1 and message == problems[0]:
            message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        super().__init__(message)
        self.problems = problems


class StepFailed(Exception):
    """Raised by an operation to fail its step with a plain reason.

    The engine turns it into ``error_message = "step '<id>' failed: <reason>"``;
    any other exception an operation raises is reported with its type name too.
    It is not a :class:`LifeosError`: it never escapes a run.

    ``state`` lets an operation fail *and* report what it found (a test report
    with its verdict, say): it becomes the run's final state, checked like any
    returned state. Without it the final state is the one before the step.
    """

    def __init__(self, reason: str, *, state: dict | None = None) -> None:
        super().__init__(reason)
        self.state = state
