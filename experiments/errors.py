"""User errors: problems with what a user asked for, reported as one line without a traceback."""

from __future__ import annotations

from model.parameters import ParameterError


class UserError(Exception):
    """A bad input the user can fix; the message names the problem and the fix."""


#: Exceptions that the command line reports as one line and exit code 2.
USER_ERRORS = (UserError, ParameterError)
