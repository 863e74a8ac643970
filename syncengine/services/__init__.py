"""Services do the writes (``<entity>_<action>``, keyword-only); selectors do the reads."""
