#!/usr/bin/env python3
"""Prints the seed stack's versions as one JSON object (the peers section records them)."""

import json
import sys

import seed

if __name__ == "__main__":
    json.dump(seed.versions(), sys.stdout)
    print()
