"""Deprecated: the headline experiment moved to ``experiments.briefings.headline``. This module
goes away in the next release."""

import warnings

from .briefings.headline import (
    KEY_FIGURE,
    HeadlineSettings,
    findings_sentences,
    run_headline,
    write_findings,
)

__all__ = ["KEY_FIGURE", "HeadlineSettings", "findings_sentences", "run_headline",
           "write_findings"]

warnings.warn("experiments.headline is deprecated; import from experiments.briefings.headline",
              DeprecationWarning, stacklevel=2)
