"""A stand-in for the user's browser, run by `webbrowser` via $BROWSER: follows every redirect
(the test provider approves by itself), ending at the CLI's loopback callback."""

import sys

import httpx

httpx.get(sys.argv[1], follow_redirects=True, timeout=20)
