"""Content: the menus, answers and interface texts staff keep in ``content/`` and ``prompts/``.

This package reads and validates files; it knows nothing of Flask, Redis or Twilio.
"""

from ._problems import ContentError, Problem
from .loader import load_content
from .model import ROOT, AnswerText, Content, Language, MenuTree, Prompts, text_version

__all__ = [
    "ROOT",
    "AnswerText",
    "Content",
    "ContentError",
    "Language",
    "MenuTree",
    "Problem",
    "Prompts",
    "load_content",
    "text_version",
]
