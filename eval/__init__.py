"""Evaluation: question sets with known answers, metrics, and reports (`articleqa eval`)."""
