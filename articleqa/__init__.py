"""articleqa: question answering with verified citations over news articles.

Layering (imports only ever point left):
``articleqa.settings`` -> ``index`` -> ``qa`` -> ``ui`` / ``eval`` -> ``articleqa.cli``.
"""

__version__ = "0.1.0"
