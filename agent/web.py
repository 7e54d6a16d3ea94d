"""What the web pages need from below the agent, in one place: the rules for files a browser may fetch or send."""

from index.webfiles import COOKIE, WEB_DIR, WebFileRefused, WebFiles

__all__ = ["COOKIE", "WEB_DIR", "WebFileRefused", "WebFiles"]
