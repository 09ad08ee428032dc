"""Use cases: the one API that the GUI and the CLI call.

Every public function takes, as first argument, either a ``Database`` (it then runs in
its own unit of work: one transaction per user action) or an open ``Session`` (it joins
that unit of work, e.g. when the demo generator writes thousands of rows at once).
Results are detached model instances or plain dataclasses, never live ORM objects.
"""
