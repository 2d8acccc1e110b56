"""How the console log is written (LOGGING in settings.py)."""

import logging


class RefusalsInOneLine(logging.Filter):
    """A refused request (django.security.*: a Host header not allowed, a NUL byte, a
    forged upload…) is written as the one line that says what was refused, without the
    traceback Django attaches: the traceback shows Django's own code refusing it, 14 lines
    for each bad Host header, which bots send by the thousand. The line is still written,
    at the level it was logged at."""

    def filter(self, record):
        if record.name.startswith("django.security.") and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
