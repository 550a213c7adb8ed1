"""Checks that mark a learner's answers at once, one module per notebook.

Each ``check_*`` function runs the learner's answer on cases whose results are
known by analysis and returns a :class:`Feedback`: ``passed`` and a message in
plain words that says what is right or what is wrong and how to look for it.
"""
from ganlab.course.exercises.feedback import Feedback

__all__ = ["Feedback"]
