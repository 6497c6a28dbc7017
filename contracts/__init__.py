"""What crosses the workflow boundary: the dataclasses in and out of workflows,
activities and updates. Plain data, importing nothing with I/O, so the workflow
sandbox can pass it through and the web, the command line and the activities can
share it without importing each other."""
