"""The nightly backlog-hygiene report: assembled from the store in one snapshot, rendered as JSON, Markdown and
HTML (inline SVG charts), stored one per (date, team scope), delivered to Slack, e-mail and files.

Entry points: :func:`reporting.build.build_report`, the renderers :func:`reporting.render_json.render_json`,
:func:`reporting.render_markdown.render_markdown`, :func:`reporting.render_html.render_html`, storage in
:mod:`reporting.store`, delivery in :mod:`reporting.delivery`, the scheduled job in :mod:`reporting.nightly`.
"""
