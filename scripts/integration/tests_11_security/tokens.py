"""Writes a tokens file for the security tests: tokens.py FILE AGENT=TOKEN:ROLE[,ROLE]..."""
import hashlib
import json
import sys


def entry(spec):
    agent, rest = spec.split("=", 1)
    token, roles = rest.rsplit(":", 1)
    return {"agent": agent, "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            "roles": roles.split(",")}


if __name__ == "__main__":
    with open(sys.argv[1] + ".tmp", "w") as f:
        json.dump([entry(s) for s in sys.argv[2:]], f)
    # Renamed into place so a reload never reads a half-written file.
    import os
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
