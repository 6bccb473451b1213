"""The documents service's use cases: one function per RPC, data-plane route, event and
timer, each taking a command, the unit of work, the clock and the vault, and opening its
transactions itself. `uploads` and `receiving`: upload sessions, parts and completion;
`documents`: reading, changing, filing, links and the audit trail; `letters`: letters on
request; `casework`: the applications' and feedback's events; `retention`: the timers."""
