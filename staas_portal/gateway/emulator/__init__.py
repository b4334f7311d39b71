"""A stand-in for an ostor S3 gateway, so that the portal and its tests run with
no cluster: the admin API (`ostor-users`, `-buckets`, `-limits`, `-quotas`,
`-usage`) for system keys and a minimal path-style S3 data plane for customers'
keys, both signed with V2 or V4, on one HTTP port.

    python -m staas_portal.gateway.emulator --host 127.0.0.1 --port 9000 \\
        --state var/emulator.json --access-key KEY --secret-key SECRET \\
        [--period 300] [--region us-east-1]

Only the standard library and the portal's signing module are used: no Django,
no requests. In a test, `EmulatorServer(...).start()` serves from daemon threads
and `.stop()` ends it.

Control calls, for loopback clients only and unsigned, all answering JSON:

- `GET /_emulator/state`: the whole state document.
- `POST /_emulator/reset`: an empty cluster with the start-up system key;
  features back to their defaults, faults cleared.
- `GET|POST /_emulator/features`: read or partly update the switches
  `{"quotas": true, "select_by_id": true, "usage_paging": true,
  "wrap_user_list": false, "error_style": "xml"|"json"|"header"|"bare"}`.
- `GET|POST|DELETE /_emulator/faults`: read, replace or clear the faults on
  admin calls and the system key's bucket deletes: `{"delay_seconds": 0.0,
  "slow_every": N, "fail_every": N, "malformed_every": N, "drop_every": N,
  "phase": "before", "method": "", "times": N}`. Every Nth such call (counted
  from the POST) answers 500, answers 200 with broken JSON, or closes the
  connection unanswered; 0 turns one off. `delay_seconds` holds every call, or
  with `slow_every` every Nth. With "before" the delay comes first and a
  faulted call changes nothing; with "after" the change is made and saved
  first, then the delay and the fault, so a client that gives up on a slow
  answer finds the change made. A `method` ("GET", "DELETE", ...) counts and
  faults only the calls of that method; `times` stops after that many slowed
  or faulted calls, so `{"fail_every": 3, "method": "POST", "times": 1}` fails
  the third POST and no other. The read adds `calls` (counted so far) and
  `faulted` (slowed or faulted so far).
- `POST /_emulator/usage/end-period`: closes the statistics period now;
  `{"name": <object name or null when nothing was counted>}`.
- `POST /_emulator/usage/generate` with `{"objects": N, "items": M,
  "user_ids": [...], "start_ts": <unix>}` (the last two optional): N
  consecutive statistics objects of M items with non-zero counters;
  `{"names": [...]}`.
"""

from staas_portal.gateway.emulator.server import Emulator, EmulatorServer

__all__ = ["Emulator", "EmulatorServer"]
