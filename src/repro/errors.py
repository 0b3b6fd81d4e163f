"""The project's exception types. Each subclasses the closest built-in, so callers that catch
``ValueError`` or ``LookupError`` keep working. Messages say what is wrong, where (file, 1-based
row, column, parameter), expected vs got, and what to do."""


class ReproError(Exception):
    """Base class of every error this project raises on purpose."""


class ChecksumError(ReproError, ValueError):
    """A data file's sha256 differs from the registry's pin."""


class DataNotFoundError(ReproError, FileNotFoundError):
    """A published data file is neither in the local copy nor fetchable."""


class SchemaError(ReproError, ValueError):
    """A table has missing columns, wrong types or out-of-range values."""


class FitError(ReproError, ValueError):
    """A fit cannot be done (too few points) or did not converge."""


class UnknownSectionError(ReproError, LookupError):
    """A book section or parameter name that does not exist."""


class SpecError(ReproError, ValueError):
    """A run spec or suite spec with an unknown key, a wrong type or an inconsistent value."""


class NotebookExecutionError(ReproError, RuntimeError):
    """A notebook failed; the partly executed copy is kept."""


class EvaluationError(ReproError, RuntimeError):
    """An evaluation could not run (missing dataset, checkpoint that does not load, ...)."""


class ParameterError(ReproError, ValueError):
    """A parameter (of a chapter's ``compute``, a figure or a function at the library's boundary)
    with a value outside those it accepts."""


class UnknownNameError(ReproError, KeyError):
    """A name (an exponent, a quantity, a task, a shape) that the object or table asked does not have."""

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument; the message reads better as written
        return str(self.args[0]) if self.args else ""


class SchedulerError(ReproError, RuntimeError):
    """A job the scheduler refused, or one that failed, was cancelled or ran out of time; the
    message names the run or array, the script, the job id and the scheduler's own words."""
