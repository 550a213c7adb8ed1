"""Assertions shared by the exercise-check tests."""
from ganlab.course.exercises import Feedback


def passes(feedback):
    assert isinstance(feedback, Feedback)
    assert feedback.passed and bool(feedback), feedback.message
    assert repr(feedback).startswith("Correct: ")


def fails(feedback, phrase):
    assert isinstance(feedback, Feedback)
    assert not feedback.passed and not bool(feedback), feedback.message
    assert repr(feedback).startswith("Not yet: ")
    assert phrase in feedback.message, feedback.message


def not_written(*args):
    raise NotImplementedError
