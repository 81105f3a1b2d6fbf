"""The interviewer: follow-up questions from a chat model, checked, grounded, with the rubric as fallback."""
