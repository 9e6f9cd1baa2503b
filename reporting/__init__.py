"""The nightly backlog-hygiene report: assembled from the store, rendered as JSON, Markdown and HTML."""
