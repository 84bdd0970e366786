"""agentd-client: the Python client of agentd (placeholder, filled in below)."""
from .client import Client, connect, DEFAULT_PORT
from .errors import *  # noqa
