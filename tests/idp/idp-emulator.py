#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Microsoft identity platform v2.0 emulator for the sasl-oauth2 tests.

Usage: idp-emulator.py --cert CERT.pem --key KEY.pem [--port N] [--port-file F] ...
See tests/idp/README and --help.  The code lives in the idpemu package next to
this file.
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from idpemu.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
