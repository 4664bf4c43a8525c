"""Streamlit glue between the page and the ``poolviz`` library.

- ``session``: session state, the view read from and written to the URL, the share link;
- ``callbacks``: what widgets do when they change (edit the pattern, the filter, ...);
- ``cached``: the library's results, cached across reruns and sessions;
- ``training``: the experiment's worker and its progress;
- ``panels``: drawing a panel so that a failure stays inside it;
- ``sidebar``: the sidebar and the shift controls.

Nothing in ``poolviz`` imports this package.
"""
