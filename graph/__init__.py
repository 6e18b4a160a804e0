"""Safeguarding graphs and risk flags over resolved people (built in the graph issue)."""
