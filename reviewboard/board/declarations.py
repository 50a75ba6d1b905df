"""Declarations of interest: a board member signs one (the ``declare_interests`` action and its entry
point, declared in ``reviewboard.board.actions``)."""

from reviewboard.board.actions import declaration_sign

__all__ = ["declaration_sign"]
