"""descent renders: the ``descent`` command line and the render pipeline."""
