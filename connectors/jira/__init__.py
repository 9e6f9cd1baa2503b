"""Jira Cloud: platform REST v3 and Agile 1.0."""
